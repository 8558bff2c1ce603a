"""The MCP server over HTTP at `/mcp/`: the tools of `manage.py mcp_server` (one definition,
`assistant.build_server`), served by the `mcp` SDK's streamable-HTTP handling in its stateless,
JSON-response mode: one POST carries one JSON-RPC message and gets one JSON answer.

Why a Django view rather than the SDK's ASGI app: the product is served by WSGI (gunicorn sync
workers, runserver in `make run`), so the view hands the request to the SDK's session manager
inside a short event loop of its own and returns what the SDK wrote. Nothing outlives the
request: no session, no server-sent event stream (GET and DELETE answer 405), the Accept header
is narrowed to JSON so no method can hold a worker with a stream, and a call that runs past
`CALL_TIMEOUT` is cut off with a 504.

Authentication is the API's: `Authorization: Bearer <API key>`; a missing, malformed, revoked
or expired key gets 401 before the SDK reads the body, and a key with none of the tools'
read scopes (the decision-only key) gets 403. Each tool call then authenticates the key again,
checks its own scopes and runs in the key's organisation (`assistant._call`), so what a key
reaches over HTTP is exactly what it reaches over stdio.
"""

from __future__ import annotations

from typing import Any

import anyio
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Message

from isms.access import Actor
from isms.api.errors import api_error
from isms.errors import ErrorCode
from isms.services.api_keys import APIKeyError, api_key_authenticate
from monitoring.usage.assistant import READ_SCOPES, build_server

CALL_TIMEOUT = 30  # seconds
# Headers of the SDK's answer that Django sets itself.
_DROPPED_HEADERS = {"content-length", "connection", "transfer-encoding"}


def _refusal(status: int, detail: str, code: ErrorCode) -> JsonResponse:
    response = api_error(status, detail, code)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mcp"'
    return response


def _authenticate(request: HttpRequest) -> tuple[str, JsonResponse | None]:
    authorization = request.headers.get("Authorization", "")
    if not authorization.startswith("Bearer "):
        return "", _refusal(
            401,
            "Authentication required: send 'Authorization: Bearer <API key>'.",
            ErrorCode.NOT_AUTHENTICATED,
        )
    token = authorization.removeprefix("Bearer ").strip()
    try:
        actor = Actor.for_api_key(api_key_authenticate(token))
    except APIKeyError as error:
        return "", _refusal(401, str(error), ErrorCode.AUTHENTICATION_FAILED)
    if not READ_SCOPES & actor.scopes:
        return "", _refusal(
            403,
            f"{actor.described} can read nothing: the MCP tools need a read key's scopes.",
            ErrorCode.MISSING_SCOPE,
        )
    return token, None


def _accepts_json(accept: str) -> bool:
    types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(types & {"application/json", "application/*", "*/*"})


def _scope(request: HttpRequest) -> dict[str, Any]:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in request.headers.items()
        if name.lower() != "accept"
    ]
    accept = request.headers.get("Accept", "")
    headers.append((b"accept", b"application/json" if _accepts_json(accept) else accept.encode()))
    host, _, port = request.get_host().partition(":")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "root_path": "",
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (host, int(port or (443 if request.is_secure() else 80))),
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
    }


async def _exchange(token: str, scope: dict[str, Any], body: bytes) -> tuple[int, list, bytes]:
    server = build_server(token)
    # The Host header is checked by Django (ALLOWED_HOSTS) and every call needs a key a
    # browser page cannot send, so the SDK's DNS-rebinding check for local servers is off.
    server.streamable_http_app(
        json_response=True,
        stateless_http=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = server.session_manager
    answered = anyio.Event()
    start: dict[str, Any] = {}
    chunks: list[bytes] = []
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    async with manager.run():
        with anyio.move_on_after(CALL_TIMEOUT):
            await manager.handle_request(scope, receive, send)
    if not start or not answered.is_set():
        return 504, [], b""
    return start["status"], start.get("headers", []), b"".join(chunks)


@csrf_exempt
def mcp_endpoint(request: HttpRequest) -> HttpResponse:
    token, refusal = _authenticate(request)
    if refusal is not None:
        return refusal
    if request.method != "POST":
        response = api_error(
            405, "The MCP endpoint answers POST only (stateless).", ErrorCode.METHOD_NOT_ALLOWED
        )
        response["Allow"] = "POST"
        return response
    status, headers, body = anyio.run(_exchange, token, _scope(request), request.body)
    if status == 504:
        return api_error(
            504, f"The call took longer than {CALL_TIMEOUT} s.", ErrorCode.SERVER_ERROR
        )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        name = name.decode("latin-1")
        if name.lower() not in _DROPPED_HEADERS:
            response[name] = value.decode("latin-1")
    return response
