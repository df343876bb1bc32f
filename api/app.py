"""The Starlette application: lifespan (database, Redis, arq pool), routes and middleware."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from tortoise import connections

import bootstrap
from api import console, graphiql
from api.context import Services
from api.demo.webhooks import SINK_PATH
from api.errors import http_error
from api.exports import members_csv, report_csv, simulation_csv
from api.graphql_view import GraphQLView
from api.metrics import scrape
from api.middleware import Authentication, BodySizeLimit, OutageAnswers
from api.observability import RequestObservation
from api.persisted_queries import PersistedQueries
from api.rate_limits import Limits, RateLimiter
from api.schema import build_schema
from api.subscriptions.connections import Connections
from api.subscriptions.hub import Hub
from core import tracing
from core.database import close_database, init_database
from core.logging import configure_logging
from core.redis import UNREACHABLE, create_redis, ensure_redis
from core.settings import Settings, get_settings
from gamification import leaderboards
from gamification.accounts import passwords
from gamification.accounts.login_throttle import LoginThrottle, ThrottleLimits
from gamification.accounts.sessions import TokenIssuer

# Routing refusals (an unknown path, a method a route does not take), by status.
_ROUTING_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


async def _routing_refusal(request: Request, error: Exception) -> JSONResponse:
    """Starlette's routing refusals in the JSON shape of every other refusal, not plain text."""
    assert isinstance(error, HTTPException)
    response = http_error(
        error.status_code, _ROUTING_CODES.get(error.status_code, "BAD_REQUEST"), error.detail
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


def build_services(settings: Settings) -> Services:
    redis = create_redis(settings.redis_url, settings.redis_cluster)
    return Services(
        settings=settings,
        redis=redis,
        tokens=TokenIssuer(
            settings.secret_bytes,
            access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
        ),
        throttle=LoginThrottle(
            redis,
            ThrottleLimits(
                attempts_per_email=settings.login_attempts_per_email,
                attempts_per_address=settings.login_attempts_per_address,
                signups_per_address=settings.signups_per_address,
                window_seconds=settings.throttle_window_seconds,
            ),
        ),
        persisted_queries=PersistedQueries.from_settings(settings, redis),
        rate_limiter=RateLimiter(redis, Limits.from_settings(settings)),
        hub=Hub(settings.redis_url),
        connections=Connections(
            redis, settings.live_connections_per_member, settings.live_session_check_seconds
        ),
    )


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    checks: dict[str, str] = {}
    try:
        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # readiness reports any failure, it never raises
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        await services.redis.ping()
        checks["redis"] = "ok"
    except UNREACHABLE as error:
        checks["redis"] = f"error: {error.__class__.__name__}"
    if services.settings.queue_redis_url is not None:
        # The job queue has a Redis of its own (REDIS_CLUSTER setups): enqueues need it too.
        try:
            await request.app.state.arq.ping()
            checks["queue"] = "ok"
        except UNREACHABLE as error:
            checks["queue"] = f"error: {error.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    # Boards that missed changes while Redis failed, until the worker's repair rebuilds them.
    # Reported, not a reason to be unready: taking the API out of service repairs nothing.
    try:
        stale = await leaderboards.stale_programs()
        checks["leaderboards"] = f"stale: {len(stale)} programs to repair" if stale else "ok"
    except Exception as error:  # readiness reports any failure, it never raises
        checks["leaderboards"] = f"error: {error.__class__.__name__}"
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503
    )


async def demo_webhook(request: Request) -> Response:
    """Where the demo's webhook delivers (development only): it takes every delivery, so the
    demo's deliveries show as delivered."""
    await request.body()
    return Response(status_code=204)


def create_app(
    settings: Settings | None = None, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The app; `tracer_provider` replaces the one the tracing settings make (tests pass one
    with an in-memory exporter)."""
    settings = settings or get_settings()
    configure_logging(settings.json_logs)
    passwords.configure("fast" if settings.environment == "test" else "standard")
    services = build_services(settings)
    schema = build_schema(settings)
    provider = tracer_provider or tracing.tracer_provider(settings)
    tracer = provider.get_tracer("loyalty.api") if provider is not None else None
    graphql = GraphQLView(schema, services, tracer)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ensure_redis(services.redis, settings.redis_url)
        await init_database(settings.database_url, settings.database_pool_timeout_seconds)
        arq_pool: ArqRedis = await create_pool(RedisSettings.from_dsn(settings.queue_url))
        app.state.arq = arq_pool
        # Event handlers feed the boards with the app's Redis and queue webhooks on its pool.
        wiring = bootstrap.wire(redis=services.redis, queue=arq_pool)
        await services.hub.start()
        await services.connections.start()
        # What start-up built (schema, modules, pools) lives as long as the process: out of the
        # collector's sight, a full collection walks only request garbage, and its pause of
        # every request in flight stays short (figures in bench/README.md).
        gc.collect()
        gc.freeze()
        # A request makes thousands of short-lived objects: a young collection every 10,000
        # allocations rather than every 700 stops the process less often, for the same memory
        # (bench/README.md has the runs).
        gc.set_threshold(10_000, 10, 10)
        try:
            yield
        finally:
            await services.connections.stop()
            await services.hub.stop()
            bootstrap.unwire(wiring)
            if provider is not None and tracer_provider is None:
                provider.shutdown()  # sends the spans still batched
            await arq_pool.aclose()
            await services.redis.aclose()
            await close_database()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        # Subscriptions: graphql-transport-ws on the same path (api/subscriptions/transport.py).
        WebSocketRoute("/graphql", graphql),
        Route("/exports/members.csv", members_csv),
        Route("/exports/report.csv", report_csv),
        Route("/exports/simulations/{simulation_id}.csv", simulation_csv),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    routes.extend(console.routes())
    if settings.metrics_enabled:
        routes.append(Route("/metrics", scrape))
    if settings.graphiql_enabled:
        routes.append(graphiql.route)
    if settings.environment != "production":
        routes.append(Route(SINK_PATH, demo_webhook, methods=["POST"]))
    app = Starlette(
        routes=routes,
        middleware=[
            # Outermost of ours: it sees every answer, the refusals of those below included.
            Middleware(
                RequestObservation,
                paths=[route.path for route in routes if isinstance(route, Route)],
                prefixes=[route.path + "/" for route in routes if isinstance(route, Mount)],
                access_log=settings.access_log,
                count=settings.metrics_enabled,
                tracer=tracer,
            ),
            Middleware(OutageAnswers),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(Authentication, tokens=services.tokens),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: _routing_refusal},
    )
    app.state.services = services
    app.state.documents = schema.documents
    return app
