"""OpenAPI schema generation that works with fail-closed tenant managers.

drf-spectacular builds `Model._default_manager.none()` querysets to describe filter
parameters; a tenant manager raises without an organisation in context. The generator runs
under a placeholder organisation id (0, which no row has); `.none()` never queries, and the
context is reset afterwards.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator

from isms import tenancy


class TenantSchemaGenerator(SchemaGenerator):
    def get_schema(self, request=None, public=False):
        token = tenancy._current.set(tenancy.TenantState(organization_id=0))
        try:
            return super().get_schema(request=request, public=public)
        finally:
            tenancy._current.reset(token)


class TenantActorAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the API's authentication: an organisation API key as a bearer token (a
    browser session also works for the web UI's own calls)."""

    target_class = "isms.api.authentication.TenantActorAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "gr_<prefix>.<secret>"}
