"""How drf-spectacular describes our authentication in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TenantActorAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "isms.api.authentication.TenantActorAuthentication"
    name = ["ApiKey", "Session"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "gr_<prefix>.<secret>",
                "description": "An organisation's API key, created by an admin in the UI.",
            },
            {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        ]
