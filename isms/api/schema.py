"""How drf-spectacular describes the API: authentication (who may call each operation), one
content type per request body, errors and tags. The schema is what integrators generate
clients from (tests/isms/test_generated_client.py generates one and uses it)."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers


class TenantActorAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "isms.api.authentication.TenantActorAuthentication"
    name = ["ApiKey", "Session"]

    def get_security_requirement(self, auto_schema):
        """Either scheme is enough (two requirements, not one asking for both); an operation
        that needs a named person is offered to sessions only."""
        if isinstance(auto_schema, AutoSchema) and auto_schema.needs_a_person():
            return [{"Session": []}]
        return [{"ApiKey": []}, {"Session": []}]

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
    "429": "Over the rate limit of this API key or person (`throttled`): retry after the "
    "number of seconds in the `Retry-After` header.",
}
_RETRY_AFTER = {
    "description": "Seconds to wait before the next request is accepted.",
    "schema": {"type": "integer", "minimum": 0},
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
            statuses = ["401", "403", "429"]
            if "{id}" in path:
                statuses.append("404")
            if method in _WRITES:
                statuses += ["400", "409"]
            for status in statuses:
                response = operation["responses"].setdefault(
                    status, {"description": _ERROR_DESCRIPTIONS[status]}
                )
                response.setdefault("content", {"application/json": {"schema": ref}})
                if status == "429":
                    response.setdefault("headers", {"Retry-After": _RETRY_AFTER})
    return result


# --- One content type per request body -------------------------------------------------------


class AutoSchema(openapi.AutoSchema):
    """Says which operations need a person (see needs_a_person), and declares each request
    body under ONE content type: multipart/form-data where the
    body carries a file (and the view parses multipart), JSON everywhere else.

    A body listed under several content types breaks generated clients (openapi-python-client
    sends every write as multipart, and some modules do not import). Upload views still accept
    JSON for the same operation when no file is sent; the schema names the one that always works.
    """

    def needs_a_person(self) -> bool:
        """Operations an API key cannot perform: approvals (isms.policy: "an approval needs a
        named person") and the view's `person_only_actions` (acts whose service calls
        risks.access.require_person, e.g. raising an AI change request)."""
        from isms import policy

        view = self.view
        action = getattr(view, "action", None)
        if action is None:
            return False
        if action in getattr(view, "person_only_actions", ()):
            return True
        model = getattr(view, "model", None)
        policy_action = getattr(view, "object_actions", {}).get(action)
        if model is None or policy_action is None:
            return False
        return policy_action in policy.policy_for(model).approvals

    def get_description(self):
        description = super().get_description()
        if self.needs_a_person():
            note = (
                "Needs a named person (a browser session): API keys are refused with 403 "
                "`permission_denied`."
            )
            description = f"{description}\n\n{note}" if description else note
        return description

    def map_parsers(self):
        media_types = super().map_parsers()
        if MULTIPART in media_types and _carries_file(self.get_request_serializer()):
            return [MULTIPART]
        if JSON in media_types:
            return [JSON]
        return media_types[:1]


JSON = "application/json"
MULTIPART = "multipart/form-data"


def _carries_file(serializer) -> bool:
    fields = getattr(force_instance(serializer), "fields", None)
    if fields is None:
        return False
    return any(
        isinstance(field, serializers.FileField) and not field.read_only
        for field in fields.values()
    )
