"""The strawberry ASGI view: builds the per-request context, resolves persisted queries
(api/persisted_queries.py) and gives every error a code."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import orjson
import structlog
from cross_web import HTTPException  # what strawberry's HTTP layer raises to refuse a request
from graphql import GraphQLError
from opentelemetry.trace import Tracer
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api import graphiql
from api.caller import ANONYMOUS
from api.context import Context, Services
from api.errors import UNEXPECTED, graphql_error_code, http_error
from api.locales import Locales
from api.observability import OPERATION, OUTCOME, record_outcome
from api.persisted_queries import NOT_FOUND, UNAVAILABLE, PersistedQueryRefused
from api.subscriptions.transport import LiveTransport, LiveWebSocket
from api.times import name_variable_error
from core import outages
from core.errors import DomainError

log = structlog.get_logger("api.graphql")

MASKED_MESSAGE = "Unexpected error."

_POST_OPERATIONS = {OperationType.QUERY, OperationType.MUTATION}

# Refusals of the HTTP request itself (a body that is not JSON, GraphiQL when it is off), by status.
_HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND"}

# Headers of the answer itself, never taken from the resolvers' response.
_OWN_HEADERS = {"content-length", "content-type"}


class GraphQLView(GraphQL[Context, None]):
    """Runs at most `graphql_concurrency` operations at once; the others wait their turn.

    Under load every operation in flight shares the one event loop and the database pool: with
    dozens interleaved, each one's latency is the sum of many waits behind the others in no
    order, so latencies spread widely around the mean. Past a few in flight, more concurrency
    adds no throughput (the process already uses its whole core), only spread. An asyncio
    Semaphore queues the rest first come, first served (a freed slot goes to the oldest waiter,
    not to a newcomer: tests/test_admission.py holds our Python to that), so latency narrows
    to about the queue's length in work. Scheduling, not safety: every invariant holds through
    the database whatever runs at once. A slow operation (a year's report) holds one turn while
    it runs, so the limit should exceed how many of those can run at once.
    """

    websocket_adapter_class = LiveWebSocket
    graphql_transport_ws_handler_class = LiveTransport

    def __init__(self, schema: Any, services: Services, tracer: Tracer | None = None) -> None:
        settings = services.settings
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
            # graphql-transport-ws only: the legacy graphql-ws protocol (subscriptions-transport-ws)
            # would need its own authentication and limits, and its clients are unmaintained.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.live_connection_init_seconds),
            max_subscriptions_per_connection=settings.live_subscriptions_per_connection,
        )
        self.services = services
        self.tracer = tracer
        limit = services.settings.graphql_concurrency
        self.turns: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Semaphore(limit) if limit else contextlib.nullcontext()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # As strawberry's own, but a refused request gets a JSON error with a code, not plain text.
        request = Request(scope=scope, receive=receive)
        try:
            # The body first: a slow client waits for its own bytes without holding a turn.
            await request.body()
            async with self.turns:
                if self.tracer is None:
                    response = await self._plain_post(request) or await self.run(request)
                else:
                    response = await self._traced(request)
        except HTTPException as error:
            code = _HTTP_CODES.get(error.status_code, "BAD_REQUEST")
            record_outcome(scope, code)
            response = http_error(error.status_code, code, error.reason)
        except PersistedQueryRefused as error:
            record_outcome(scope, error.code)
            # Not found is a step of the protocol (the client sends the text next), not a fault.
            status = {NOT_FOUND: 200, UNAVAILABLE: 503}.get(error.code, 400)
            response = http_error(status, error.code, error.message)
            if error.code != NOT_FOUND:
                log.info("persisted query refused", code=error.code)
            # No cache may keep a refusal: the same URL is answered once the text is known.
            response.headers["Cache-Control"] = "no-store"
        if request.method == "GET":
            # A GET answer depends on who asks: a shared cache keys on the credentials too.
            response.headers["Vary"] = "Authorization, X-Api-Key"
        await response(scope, receive, send)

    async def _traced(self, request: Request) -> Response:
        """The answer, inside a span named after the operation once it is known."""
        assert self.tracer is not None
        with self.tracer.start_as_current_span("graphql") as span:
            response = await self._plain_post(request) or await self.run(request)
            state = request.scope.get("state", {})
            if (operation := state.get(OPERATION)) is not None:
                span.update_name(f"graphql {operation}")
                span.set_attribute("graphql.operation.name", operation)
            span.set_attribute("loyalty.outcome", state.get(OUTCOME, "ok"))
            return response

    async def render_graphql_ide(self, request: Request) -> Response:
        # Ours rather than strawberry's page, which loads its scripts from a CDN (api/graphiql/).
        return HTMLResponse(graphiql.page())

    async def _plain_post(self, request: Request) -> Response | None:
        """The answer to the request every client sends (a JSON POST of one operation), the way
        strawberry's `run` gives it, without the steps no such request needs (WebSocket, GET,
        GraphiQL, multipart, batches, streams), which saves CPU on every request (bench/README.md).
        None for any other request, which `run` then answers (the body stays readable)."""
        if request.method != "POST" or not request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return None
        try:
            data = self.decode_json(await request.body())
        except orjson.JSONDecodeError:
            return None
        if not (
            isinstance(data, dict)
            and isinstance(data.get("query"), str | None)
            and isinstance(data.get("variables"), dict | None)
            and isinstance(data.get("operationName"), str | None)
            and isinstance(data.get("extensions"), dict | None)
        ):
            return None
        query = await self.services.persisted_queries.resolve(
            data.get("query"), data.get("extensions")
        )
        if query is None:
            return None
        # What resolvers set on the response (a Retry-After) goes onto the answer.
        sub_response = Response()
        try:
            result = await self.schema.execute(
                query,
                variable_values=data.get("variables"),
                context_value=await self.get_context(request, sub_response),
                operation_name=data.get("operationName"),
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=data.get("extensions"),
            )
        # Refused as strawberry's `run` refuses them.
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason("POST")) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error
        response = Response(
            self.encode_json(await self.process_result(request, result)),
            media_type="application/json",
        )
        for name, value in sub_response.headers.items():
            if name not in _OWN_HEADERS:
                response.headers[name] = value
        return response

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        """As strawberry's, the text of a persisted query filled in (GET requests come here)."""
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            data.query = await self.services.persisted_queries.resolve(data.query, data.extensions)
        return data

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET of a persisted query carries no `query`, yet asks for the operation, not GraphiQL.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            # A WebSocket's caller is set by its connection_init (api/subscriptions/transport.py).
            caller=request.scope.get("state", {}).get("caller", ANONYMOUS),
            services=self.services,
            locales=Locales.of_header(request.headers.get("accept-language")),
        )

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A request body: an operation object (or a list of them, which batching refuses)."""
        body = super().parse_json(data)
        if not isinstance(body, dict | list):
            raise HTTPException(
                400, 'The body is a JSON object such as {"query": "{ __typename }"}.'
            )
        return body

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            data["errors"] = [self._format(error) for error in result.errors]
            # A top-level error is the request's outcome, before any payload's refusal.
            first = data["errors"][0].get("extensions") or {}
            request.scope.setdefault("state", {})[OUTCOME] = first.get("code", UNEXPECTED)
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    def _format(self, error: GraphQLError) -> dict[str, Any]:
        """The error as clients read it (the schema has logged it: api/error_log.py)."""
        formatted = dict(error.formatted)
        extensions = dict(formatted.get("extensions") or {})
        if (refused := name_variable_error(error)) is not None:
            # A variable's time refused by the DateTime scalar: its code and field.
            formatted["message"] = refused.message
            extensions.update(refused.extensions or {})
            formatted["extensions"] = extensions
            return formatted
        extensions["code"] = graphql_error_code(error)
        # A refusal raised by a query (mutations put theirs in the payload instead).
        if isinstance(error.original_error, DomainError) and error.original_error.field:
            extensions["field"] = error.original_error.field
        if extensions["code"] in outages.CODES:
            # Nothing was half-done: the same request can be sent again shortly.
            extensions["retryable"] = True
        if extensions["code"] == UNEXPECTED and self.services.settings.mask_errors:
            formatted["message"] = MASKED_MESSAGE
        formatted["extensions"] = extensions
        return formatted
