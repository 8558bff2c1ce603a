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


# --- Errors and tags, for every operation (a postprocessing hook) ------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error has this shape; match `code`, not the English `detail`.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in words."},
        "code": {"$ref": "#/components/schemas/ErrorCodeEnum"},
        "errors": {
            "type": "object",
            "description": "For invalid input: the messages of each field that was refused.",
            "additionalProperties": {"type": "array", "items": {}},
        },
    },
    "required": ["detail", "code"],
}
_ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each refused field.",
    "401": "Not authenticated: no valid API key or session.",
    "403": "Refused: a missing scope (`missing_scope`), an object rule (`permission_denied`) "
    "or segregation of duties (`segregation_of_duties`).",
    "404": "No such object in this organisation (another organisation's objects look the same).",
    "409": "The object's state or a concurrent request forbids this "
    "(`invalid_transition`, `duplicate`, `conflict`, `concurrent_update`).",
}
_WRITES = {"post", "put", "patch", "delete"}


def add_errors_and_tags(result, generator, request, public):
    """Document the error statuses every operation can answer, with one Error schema, and
    group operations by register (the path segment after the organisation)."""
    from isms.errors import ErrorCode

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCodeEnum"] = {"enum": [c.value for c in ErrorCode], "type": "string"}
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        parts = path.strip("/").split("/")
        tag = parts[4] if len(parts) > 4 and parts[:3] == ["api", "v1", "orgs"] else None
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if tag:
                operation["tags"] = [tag]
            statuses = ["401", "403"]
            if "{id}" in path:
                statuses.append("404")
            if method in _WRITES:
                statuses += ["400", "409"]
            for status in statuses:
                response = operation["responses"].setdefault(
                    status, {"description": _ERROR_DESCRIPTIONS[status]}
                )
                response.setdefault("content", {"application/json": {"schema": ref}})
    return result
