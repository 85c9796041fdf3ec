"""One error shape for the whole API: ``{"error": {"code", "message", "fields"?, "details"?}}``."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.exceptions import DomainError

DRF_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(code: str, message: str, *, fields=None, details=None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    if details:
        error["details"] = details
    return {"error": error}


class Unprocessable(DomainError):
    """A well-formed request (as the schema describes it) the store cannot act on now, e.g. an
    expiry date already past: 422, so that "valid per the schema" never meets a 400."""

    code = "unprocessable"
    http_status = 422


class Conflict(DomainError):
    """The store's state forbids the request (e.g. no active location to stock)."""

    code = "conflict"
    http_status = 409


def _only_uniqueness(exc: DjangoValidationError) -> bool:
    """A model's unique check failed (a slug or SKU taken): a conflict with existing data."""
    if not hasattr(exc, "error_dict"):
        return False
    codes = [error.code for errors in exc.error_dict.values() for error in errors]
    return bool(codes) and all(code == "unique" for code in codes)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.message, details=exc.extra or None), status=exc.http_status
        )
    if isinstance(exc, DjangoValidationError) and _only_uniqueness(exc):
        return Response(
            error_body(
                "conflict", "Another record already has this value.", fields=exc.message_dict
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            error_body("invalid", "The request has invalid fields.", fields=fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DataError):
        # A value PostgreSQL cannot store or compare (out-of-range number, odd date): the
        # request is wrong, not the server. Validation should catch these first.
        return Response(
            error_body("invalid", "A value in the request is out of range."),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django's 500 handling log it
    if isinstance(exc, exceptions.ValidationError):
        fields = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = error_body("invalid", "The request has invalid fields.", fields=fields)
        return response
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    code = getattr(detail, "code", None) or DRF_CODES.get(response.status_code, "error")
    if response.status_code == 404 and not isinstance(exc, exceptions.NotFound):
        # A missing row (Http404, DoesNotExist) says no more than that; an explicit NotFound
        # names what is missing (a body's reference, a cursor).
        code, detail = "not_found", "Not found."
    response.data = error_body(code, str(detail))
    return response
