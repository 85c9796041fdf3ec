"""How the OpenAPI schema describes our authentication (imported in ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
