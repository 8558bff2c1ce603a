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
            "description": "For invalid input: the messages of each field that was refused; "
            "a nested object or list answers with the same structure per field or item.",
            "additionalProperties": {"oneOf": [{"type": "array", "items": {}}, {"type": "object"}]},
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
    "412": "If-Match named a version the object no longer has (`precondition_failed`): read "
    "it again and send the change with its current ETag. Nothing was changed.",
    "422": "This Idempotency-Key was already used for another request "
    "(`idempotency_key_reused`): use a new key for a new request.",
    "429": "Over the rate limit of this API key or person (`throttled`): retry after the "
    "number of seconds in the `Retry-After` header.",
    "503": "The database is unreachable for a moment (`service_unavailable`): nothing was "
    "saved; retry after the number of seconds in the `Retry-After` header (with the same "
    "Idempotency-Key for a write).",
}
_RETRY_AFTER = {
    "description": "Seconds to wait before the next request is accepted.",
    "schema": {"type": "integer", "minimum": 0},
}
_WRITES = {"post", "put", "patch", "delete"}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID) of up to 255 printable ASCII characters. A "
    "successful answer is kept for 24 hours: the same request sent again with the key gets "
    "it again (with `Idempotent-Replayed: true`) and changes nothing, even when both arrive "
    "at once. A refused request keeps nothing; another request with the key is 422.",
    "schema": {"type": "string", "maxLength": 255},
    "example": "3f1c2a9e-4d8b-4f7a-9a64-0c2e5b7d1e90",
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The object's ETag as last read: the write happens only if the object "
    "has not changed since (else 412 and nothing changes). `*` matches any version.",
    "schema": {"type": "string"},
    "example": '"9b2f6c1e0a4d4e8f"',
}
_ETAG = {
    "description": "The object's version: send it back in If-Match to write safely.",
    "schema": {"type": "string"},
}


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
            statuses = ["401", "403", "429", "503"]
            if tag or "{" in path:  # an unknown organisation or object
                statuses.append("404")
            if method in _WRITES or _has_query_parameters(operation):
                statuses.append("400")  # a refused body, filter, ordering or page
            if method in _WRITES:
                statuses.append("409")
            if tag and method == "post":
                statuses.append("422")
                _add_parameter(operation, _IDEMPOTENCY_KEY)
            if tag and "{id}" in path and method in _WRITES:
                statuses.append("412")
                _add_parameter(operation, _IF_MATCH)
            if tag and _answers_one_object(path, method):
                for code in ("200", "201"):
                    if code in operation["responses"]:
                        operation["responses"][code].setdefault("headers", {})["ETag"] = _ETAG
            for status in statuses:
                response = operation["responses"].setdefault(
                    status, {"description": _ERROR_DESCRIPTIONS[status]}
                )
                response.setdefault("content", {"application/json": {"schema": ref}})
                if status in ("429", "503"):
                    response.setdefault("headers", {"Retry-After": _RETRY_AFTER})
    return result


def _add_parameter(operation: dict, parameter: dict) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name") == parameter["name"] for p in parameters):
        parameters.append(parameter)


def _answers_one_object(path: str, method: str) -> bool:
    """The operations isms.api.versions tags: retrieve, create, update (not actions)."""
    parts = path.strip("/").split("/")
    if method == "post":
        return len(parts) == 5
    return method in {"get", "patch", "put"} and len(parts) == 6 and parts[5] == "{id}"


def _has_query_parameters(operation) -> bool:
    return any(p.get("in") == "query" for p in operation.get("parameters", []))


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

    def get_override_parameters(self):
        from isms.api.sync import schema_parameters

        return [*super().get_override_parameters(), *schema_parameters(self.view)]

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
