"""Refuse text PostgreSQL cannot store before any view reads it.

PostgreSQL rejects the NUL character in text values, so a ``\\x00`` in a query string, a form
field or the path that reaches a query raises a server error. Django's
``ProhibitNullCharactersValidator`` guards form ``CharField``s only; views that read
``request.GET`` directly bypass it. This middleware answers such requests with a 400 once, for
every view: the API's JSON error shape under ``/api/``, a plain page elsewhere.

Undecodable bytes need no check here: Django decodes query strings and form bodies with
``errors="replace"`` and re-quotes broken UTF-8 in the path, so they arrive as U+FFFD.
"""

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

NUL = "\x00"
MESSAGE = "The request contains a character that is not allowed (NUL)."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def has_nul(request) -> bool:
    if NUL in request.path_info or _has_nul(request.GET):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            return _has_nul(request.POST)
        except MultiPartParserError:
            return False  # the view (or CSRF check) reports a broken body as it does today
    return False


def bad_request(request):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": {"code": "bad_request", "message": MESSAGE}}, status=400)
    return HttpResponseBadRequest(render_to_string("400.html", {"message": MESSAGE}))


class RejectNulMiddleware:
    """Answer 400 to a request whose path, query string or form fields contain NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            return bad_request(request)
        return self.get_response(request)
