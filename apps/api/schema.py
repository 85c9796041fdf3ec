"""How the OpenAPI schema describes the API (the schema class, imported through settings;
the authentication extensions are registered in ApiConfig.ready).

``ApiAutoSchema`` derives from each view what drf-spectacular cannot see, so that no view
lists its error answers by hand:

- **security**: an operation the view opens to anyone (``public_methods``) also offers the
  empty requirement ``{}``: credentials are optional there (an API key sees more);
- **error answers**, each with the one error shape (``Error``): 400 when the operation takes
  parameters or a body; 401 and 403 always (an unknown key is refused everywhere, a key may
  lack the scope); 404 when the path names a resource; 409 and 422 where an
  ``Idempotency-Key`` is accepted (a duplicate still running, a key reused with another
  body; domain conflicts such as sold-out stock are 409 too); 415 with a body; 429 when the
  view is throttled; plus what a view declares in ``error_statuses`` (e.g. 402 for a
  payment refused, 422 for a rule between fields such as a pre-order's date), by method;
- the ``Idempotency-Key`` header on every operation that accepts one;
- a PATCH body the view validates whole (``whole_body_methods``, no ``partial=True``) keeps
  its required fields: drf-spectacular otherwise makes every PATCH body partial.
"""

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from apps.api.idempotency import KEY_PATTERN, MAX_KEY_LENGTH

ERROR_DESCRIPTIONS = {
    400: "Invalid request: a parameter or field is out of range or malformed (`fields` "
    "names them).",
    401: "No valid credentials: the API key is unknown or revoked, or the operation needs a "
    "signed-in customer.",
    402: "The payment was refused.",
    403: "The credentials lack the permission (an API key without the scope).",
    404: "No such resource in this store (or not visible to these credentials), or no such "
    "page (a `cursor` or `page` the server did not hand out).",
    409: "Conflict: the resource's state forbids it (e.g. sold out, already cancelled), or a "
    "request with this Idempotency-Key is still running.",
    415: "The body is not JSON (`Content-Type: application/json`).",
    422: "Unprocessable: well-formed, but a rule between fields or the store's state refuses "
    "it (e.g. a pre-order without its shipping date, an expiry already past), or this "
    "Idempotency-Key was used with another request.",
    429: "Rate limited: wait for the `Retry-After` seconds.",
    502: "The payment provider did not answer as expected.",
}


class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable (e.g. `insufficient_stock`).")
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]  # the API's own key name
        child=serializers.JSONField(), required=False, help_text="Field name → its errors."
    )
    details = serializers.DictField(child=serializers.JSONField(), required=False)


class ErrorOutput(serializers.Serializer):
    error = ErrorDetailOutput()

    class Meta:
        ref_name = "Error"


def decimal_pattern(field: serializers.DecimalField) -> str:
    """What DRF's DecimalField reads: at least one digit (drf-spectacular's pattern lets ""
    through), a sign only when negatives are allowed, not zero when the minimum is above it,
    the field's digits and places."""
    sign = "-?" if field.min_value is None or field.min_value < 0 else ""
    not_zero = "(?!0*\\.?0*$)" if field.min_value is not None and field.min_value > 0 else ""
    whole, places = field.max_whole_digits, field.decimal_places
    number = rf"(?:[0-9]{{1,{whole}}}(?:\.[0-9]{{0,{places}}})?|\.[0-9]{{1,{places}}})"
    return f"^{not_zero}{sign}{number}$"


def regex_pattern(field: serializers.CharField) -> str:
    """The regex a RegexField or SlugField validates with (``\\Z``, Python's end, as ``$``)."""
    (validator,) = [v for v in field.validators if isinstance(v, RegexValidator)]
    regex = validator.regex
    return (regex if isinstance(regex, str) else regex.pattern).replace("\\Z", "$")


def _takes_idempotency_key(view, method: str) -> bool:
    return getattr(getattr(view, method.lower(), None), "accepts_idempotency_key", False)


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        idempotent = _takes_idempotency_key(self.view, method)
        if idempotent:
            operation.setdefault("parameters", []).append(
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_KEY_LENGTH,
                        "pattern": KEY_PATTERN.pattern,
                    },
                    "description": "Same key and body within 24 h: the first response is "
                    "replayed byte for byte (`Idempotent-Replayed: true`).",
                }
            )
        if "requestBody" in operation and getattr(self.view, "request_body_required", False):
            operation["requestBody"]["required"] = True  # a raw request schema hides it
        for status in sorted(self._error_statuses(operation, idempotent)):
            operation["responses"].setdefault(
                str(status),
                self._get_response_for_code(ErrorOutput, str(status))
                | {"description": ERROR_DESCRIPTIONS[status]},
            )
        return operation

    def _error_statuses(self, operation: dict, idempotent: bool) -> set[int]:
        statuses = {401, 403}
        parameters = operation.get("parameters", [])
        if parameters or "requestBody" in operation:
            statuses.add(400)
        if any(p["in"] == "path" or p["name"] in ("cursor", "page") for p in parameters):
            statuses.add(404)  # no such resource, or no such page
        if "requestBody" in operation:
            statuses.add(415)
        if any(p["in"] == "query" and p["name"] == "currency" for p in parameters):
            statuses.add(422)  # a currency the store does not sell in: ``unknown_currency``
        if idempotent:
            statuses |= {409, 422}
        if self.view.get_throttles():
            statuses.add(429)
        statuses |= set(getattr(self.view, "error_statuses", {}).get(self.method, ()))
        return statuses

    def _get_request_for_media_type(self, serializer, direction="request"):
        if self.method == "PATCH" and "PATCH" in getattr(self.view, "whole_body_methods", ()):
            self.method = "PUT"  # the base class makes a PATCH body partial on the method alone
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _map_basic_serializer(self, serializer, direction):
        """A serializer's ``openapi_extra`` (rules between fields, e.g. ``oneOf`` of required
        sets) joins its component: what ``validate()`` enforces, the schema says."""
        schema = super()._map_basic_serializer(serializer, direction)
        return schema | getattr(serializer, "openapi_extra", {})

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            if field.min_length is not None:  # drf-spectacular maps these for ListField only
                schema["minItems"] = field.min_length
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        if isinstance(field, (serializers.RegexField, serializers.SlugField)):
            # drf-spectacular maps these as plain strings: their regex refuses the rest
            schema["pattern"] = regex_pattern(field)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and field.trim_whitespace
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "enum" not in schema
        ):
            schema["pattern"] = r"\S"  # DRF trims: whitespace alone is blank, refused
        if isinstance(field, serializers.DecimalField) and schema.get("format") == "decimal":
            schema["pattern"] = decimal_pattern(field)
        return schema

    def get_auth(self):
        auths = super().get_auth()
        if self.method in getattr(self.view, "public_methods", ()):
            auths.append({})  # open to anyone: credentials optional
        return auths


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A store API key: `Authorization: Bearer mk_…` (store admin → API keys, "
            "or `manage.py create_api_key`).",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
