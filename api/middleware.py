"""ASGI middleware: outages answered with a code, request body limit and authentication (who
is calling)."""

from __future__ import annotations

import json

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.caller import ANONYMOUS, Caller
from api.errors import DATABASE_BUSY
from core.database import DatabaseBusy
from core.outages import outage_code
from gamification.accounts.api_keys import authenticate_api_key
from gamification.accounts.sessions import TokenIssuer

log = structlog.get_logger("api.outages")


class OutageAnswers:
    """An outage of the database or Redis outside GraphQL execution (finding an API key, a CSV
    export) is a 503 with its code and `Retry-After`, shaped like every other refusal, not a
    500; so is a database too busy to take the request in time (`DatabaseBusy`: DATABASE_BUSY).
    Errors inside an operation are answered by the GraphQL view (api/errors.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as error:
            busy = isinstance(error, DatabaseBusy)
            code = DATABASE_BUSY if busy else outage_code(error)
            if code is None or started:
                raise
            log.warning(
                "database busy" if busy else "unavailable", code=code, path=scope.get("path")
            )
            await _answer_unavailable(send, code, str(error) if busy else None)


async def _answer_unavailable(send: Send, code: str, message: str | None = None) -> None:
    body = json.dumps(
        {
            "errors": [
                {
                    "message": message
                    or "A service this request needs does not answer; try again shortly.",
                    "extensions": {"code": code, "retryable": True},
                }
            ]
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413, whether announced or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await _refuse_too_large(send, self.max_bytes)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _refuse_too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _refuse_too_large(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {
            "errors": [
                {
                    "message": f"The request body is larger than {max_bytes} bytes.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Authentication:
    """Put the `Caller` in `scope["state"]["caller"]`: a member or staff bearer token, an
    integration key, or anonymous. Authorization is left to the permission classes."""

    def __init__(self, app: ASGIApp, tokens: TokenIssuer) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["caller"] = await self._caller(scope)
        await self.app(scope, receive, send)

    async def _caller(self, scope: Scope) -> Caller:
        authorization = api_key = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"x-api-key":
                api_key = value.decode("latin-1").strip()
        if api_key:
            key = await authenticate_api_key(api_key)
            if key is None:
                return Caller(kind="invalid", problem="The API key is unknown or revoked.")
            return Caller(kind="integration", program_id=key.program_id, subject_id=key.id)
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return Caller(kind="invalid", problem="Use 'Authorization: Bearer <token>'.")
            claims = self.tokens.read_access_token(token.strip())
            if claims is None:
                return Caller(kind="invalid", problem="The access token is invalid or expired.")
            return Caller(
                kind=claims.kind,
                program_id=claims.program_id,
                subject_id=claims.subject_id,
                role=None if claims.kind == "member" else claims.role,
                issued_at=claims.issued_at,
            )
        return ANONYMOUS
