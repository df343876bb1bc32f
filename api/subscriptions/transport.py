"""graphql-transport-ws on `/graphql`, as strawberry speaks it, with our authentication and
limits.

- `connection_init` carries the bearer token: `{"Authorization": "Bearer <access token>"}` (or
  `{"token": "<access token>"}`). A member's or a staff user's token; a bad, expired or revoked
  one closes the connection with 4403 (Forbidden) and a reason, and so does a session ended
  while connected (connections.py checks every few seconds). An account over its connections
  limit is closed with 4429.
- Only subscriptions run over the socket (queries and mutations go by HTTP, through the same
  admission, limits and logs as every request).
- A message from the client larger than `live_max_message_bytes` closes with 1009 (message too
  big); one of ours larger than that is not sent: its subscription gets an error
  (MESSAGE_TOO_LARGE) naming the event, which the client reads with `activity(after:)`.
- A send that waits longer than `live_send_timeout_seconds` for a client that does not read
  closes the connection (1013, try again later): its memory is never held for it.
- connection_init that cannot be checked (the database does not answer) closes with 1011.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any

import structlog
from graphql import GraphQLError, OperationType, parse
from graphql.error import GraphQLSyntaxError
from graphql.utilities import get_operation_ast
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from api.caller import Caller
from api.context import Context
from api.errors import UNEXPECTED
from api.loaders import Loaders
from api.subscriptions.connections import FORBIDDEN, TOO_MANY, Connection
from gamification.accounts.member_status import is_active
from gamification.accounts.sessions import session_is_current

if TYPE_CHECKING:
    from api.graphql_view import GraphQLView

log = structlog.get_logger("api.subscriptions")

MASKED_MESSAGE = "Unexpected error."
VALIDATION = "GRAPHQL_VALIDATION_FAILED"
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011
TRY_AGAIN_LATER = 1013


class _TooBig(Exception):
    pass


class LiveWebSocket(ASGIWebSocketAdapter):
    """strawberry's adapter, with the size limit and the send timeout."""

    @property
    def _settings(self) -> Any:
        view: GraphQLView = self.view  # type: ignore[assignment]  # ours
        return view.services.settings

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object]:
        limit = self._settings.live_max_message_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit:
                    await self.close(MESSAGE_TOO_BIG, f"Messages are at most {limit} bytes.")
                    return
                try:
                    yield self.view.decode_json(text)
                except ValueError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        settings = self._settings
        if message.get("type") in ("next", "error"):
            message = _with_codes(message, settings.mask_errors)
        encoded = self.view.encode_json(message)
        if len(encoded) > settings.live_max_message_bytes and message.get("type") == "next":
            encoded = self.view.encode_json(_too_large(message))
        try:
            await asyncio.wait_for(self._send(encoded), settings.live_send_timeout_seconds)
        except TimeoutError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.ws.close(TRY_AGAIN_LATER, "The client does not read its messages."), 1
                )
            raise WebSocketDisconnected from None

    async def _send(self, encoded: str | bytes) -> None:
        try:
            if isinstance(encoded, bytes):
                # Text frames: graphql-transport-ws is a text protocol.
                await self.ws.send_text(encoded.decode())
            else:
                await self.ws.send_text(encoded)
        except (WebSocketDisconnect, RuntimeError) as error:
            raise WebSocketDisconnected from error


def _code(error: dict[str, Any], mask: bool) -> dict[str, Any]:
    """An error as HTTP answers give it: every one with a code (a field's failure without one
    is UNEXPECTED, its message masked in production; a document's, GRAPHQL_VALIDATION_FAILED)."""
    extensions = error.get("extensions") or {}
    if isinstance(extensions, dict) and "code" in extensions:
        return error
    unexpected = "path" in error
    coded = {
        **error,
        "extensions": {**extensions, "code": UNEXPECTED if unexpected else VALIDATION},
    }
    if unexpected and mask:
        coded["message"] = MASKED_MESSAGE
    return coded


def _with_codes(message: Mapping[str, object], mask: bool) -> Mapping[str, object]:
    payload = message.get("payload")
    if message.get("type") == "error" and isinstance(payload, list):
        return {**message, "payload": [_code(e, mask) for e in payload if isinstance(e, dict)]}
    if isinstance(payload, dict) and isinstance(errors := payload.get("errors"), list):
        coded = [_code(e, mask) for e in errors if isinstance(e, dict)]
        return {**message, "payload": {**payload, "errors": coded}}
    return message


def _too_large(message: Mapping[str, object]) -> dict[str, object]:
    payload = message.get("payload")
    data = payload.get("data") if isinstance(payload, dict) else None
    event_id = None
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, dict):
                event_id = value.get("eventId") or value.get("id")
    error = GraphQLError(
        "This message is larger than the server sends; read it with activity(after:).",
        extensions={"code": "MESSAGE_TOO_LARGE", "eventId": event_id},
    )
    return {"id": message.get("id"), "type": "next", "payload": {"errors": [error.formatted]}}


def _token_of(payload: Mapping[str, Any]) -> str | None:
    for key, value in payload.items():
        if not isinstance(value, str):
            continue
        if key.lower() == "authorization":
            scheme, _, token = value.partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
        if key == "token":
            return value.strip() or None
    return None


class LiveTransport(BaseGraphQLTransportWSHandler[Context, None]):
    """One connection: strawberry's protocol handler with our connection_init and limits."""

    connection: Connection | None = None

    @property
    def _view(self) -> GraphQLView:
        return self.view  # type: ignore[return-value]  # ours

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(4400, "Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(4429, "Too many initialisation requests")
            return
        self.connection_init_received = True
        try:
            refusal, caller, expires_at = await self._authenticate(payload)
        except Exception:  # the database does not answer: the client tries again later
            log.warning("connection_init failed", exc_info=True)
            await self.websocket.close(INTERNAL_ERROR, "The service is unavailable; try again.")
            return
        if refusal is not None:
            await self.websocket.close(FORBIDDEN, refusal)
            return
        assert caller is not None
        connections = self._view.services.connections
        connection = Connection(caller, expires_at, self.websocket.close)
        if not await connections.admit(connection):
            await self.websocket.close(
                TOO_MANY, f"At most {connections.per_account} connections per account."
            )
            return
        self.connection = connection
        self.context.caller = caller
        self.context.connection = connection
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True

    async def _authenticate(
        self, payload: Mapping[str, Any]
    ) -> tuple[str | None, Caller | None, float]:
        token = _token_of(payload)
        if token is None:
            return (
                "Send the access token in connection_init: Authorization: Bearer <token>.",
                None,
                0,
            )
        claims = self._view.services.tokens.read_access_token(token)
        if claims is None:
            return "The access token is invalid or expired.", None, 0
        caller = Caller(
            kind=claims.kind,
            program_id=claims.program_id,
            subject_id=claims.subject_id,
            role=None if claims.kind == "member" else claims.role,
            issued_at=claims.issued_at,
        )
        loaders = Loaders()
        if caller.kind == "member":
            member = await loaders.member.load(caller.member_id)
            if not is_active(member) or not session_is_current(
                member,  # type: ignore[arg-type]  # is_active: not None
                claims.program_id,
                claims.issued_at,
            ):
                return "This session is no longer valid.", None, 0
        else:
            staff = await loaders.active_staff.load(caller.staff_id)
            if staff is None or not session_is_current(staff, claims.program_id, claims.issued_at):
                return "This session is no longer valid.", None, 0
        return None, caller, float(claims.expires_at)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            refusal = _not_a_subscription(message)
            if refusal is not None:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [refusal.formatted]}
                )
                return
            # Each operation reads accounts afresh (a connection lives for hours).
            self.context.loaders = Loaders()
        await super().handle_subscribe(message)

    async def send_message(self, message: Message) -> None:
        await self.websocket.send_json(message)

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            if self.connection is not None:
                connection, self.connection = self.connection, None
                await self._view.services.connections.leave(connection)


def _not_a_subscription(message: SubscribeMessage) -> GraphQLError | None:
    payload = message.get("payload")
    query = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(query, str):
        return None  # strawberry refuses it
    try:
        operation = get_operation_ast(parse(query), payload.get("operationName"))
    except GraphQLSyntaxError:
        return None  # strawberry closes with 4400 and the syntax error
    if operation is None or operation.operation == OperationType.SUBSCRIPTION:
        return None
    return GraphQLError(
        "Only subscriptions run over WebSocket; send queries and mutations with POST /graphql.",
        extensions={"code": "BAD_REQUEST"},
    )
