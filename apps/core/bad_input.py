"""Refuse text PostgreSQL cannot store before any view reads it.

PostgreSQL rejects the NUL character in text values, so a ``\\x00`` in a query string, a form
field or the path that reaches a query raises a server error. Django's
``ProhibitNullCharactersValidator`` guards form ``CharField``s only; views that read
``request.GET`` directly bypass it. This middleware answers such requests with a 400 once, for
every view: the API's JSON error shape under ``/api/``, a plain page elsewhere.

The same holds for JSON bodies (``"\\u0000"`` decodes to NUL), cookies (the cart token, the
session id) and headers that code stores or looks up (the API key, Idempotency-Key, the
User-Agent that django-axes records with a failed login): a NUL in any of them is a 400 too.

Undecodable bytes need no check here: Django decodes query strings and form bodies with
``errors="replace"`` and re-quotes broken UTF-8 in the path, so they arrive as U+FFFD.
"""

import json

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

NUL = "\x00"
MESSAGE = "The request contains a character that is not allowed (NUL)."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _json_has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_json_has_nul(k) or _json_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_nul(item) for item in value)
    return False


def _body_has_nul(request) -> bool:
    if request.content_type in FORM_TYPES:
        try:
            return _has_nul(request.POST)
        except MultiPartParserError:
            return False  # the view (or CSRF check) reports a broken body as it does today
    if request.content_type == "application/json" or request.content_type.endswith("+json"):
        body = request.body
        if b"\\u0000" not in body and b"\x00" not in body:  # the cheap, common answer
            return False
        try:
            return _json_has_nul(json.loads(body))
        except ValueError:  # not JSON (or not UTF-8): the parser answers it as it does today
            return b"\x00" in body
    return False


def _headers_or_cookies_have_nul(request) -> bool:
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    return any(NUL in str(value) for key, value in request.META.items() if key.startswith("HTTP_"))


def _query_has_nul(request) -> bool:
    raw = request.META.get("QUERY_STRING", "")
    if "%00" not in raw and NUL not in raw:
        return False  # the common answer, without parsing the query on every request
    return _has_nul(request.GET)


def has_nul(request) -> bool:
    if NUL in request.path_info or _query_has_nul(request):
        return True
    if _headers_or_cookies_have_nul(request):
        return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        return _body_has_nul(request)
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
