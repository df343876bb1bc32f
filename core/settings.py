"""Settings read from the environment (and an optional `.env`), typed and validated once."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INSECURE_DEV_SECRET = "dev-only-insecure-secret-change-me-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite://data/loyalty.sqlite3"
    # PostgreSQL: how long a request (or a job) waits for a connection of its process's pool when
    # all are in use, before the retryable DATABASE_BUSY (core/asyncpg_engine.py).
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    redis_url: str = "redis://127.0.0.1:6379/0"
    # REDIS_URL names one node of a Redis Cluster (the client finds the others); every key of a
    # program carries its hash tag, so what one script touches lives on one slot.
    redis_cluster: bool = False
    # The arq job queue's Redis (default REDIS_URL). arq speaks to one plain Redis, not a
    # Cluster: with REDIS_CLUSTER it must name one.
    queue_redis_url: str | None = None
    secret_key: SecretStr = SecretStr(INSECURE_DEV_SECRET)
    port: int = 8000

    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_days: int = 30

    # None means "on outside production".
    graphiql: bool | None = None
    introspection: bool | None = None

    max_body_bytes: int = 1_000_000
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    # GraphQL operations run at once per process; the rest queue in arrival order (0: no limit).
    # See GraphQLView (api/graphql_view.py) for why; bench/README.md has the runs behind 12.
    graphql_concurrency: int = Field(default=12, ge=0)
    # Queries run from plans compiled once per document (api/compiled_plans.py); false: every
    # operation through graphql-core (to compare the two, or to rule the plans out).
    graphql_compiled_plans: bool = True

    # Automatic persisted queries (api/persisted_queries.py): Redis keys start with the prefix
    # (one per deployment sharing a Redis); each kept document lives ttl seconds, at most
    # max_documents of at most max_bytes each are kept.
    persisted_queries_prefix: str = Field(default="loyalty", min_length=1)
    persisted_queries_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    persisted_queries_max_bytes: int = Field(default=20_000, ge=0)
    persisted_queries_max_documents: int = Field(default=5_000, ge=1)
    # Only operations registered with `python -m api register-operations` run (production).
    registered_operations_only: bool = False

    login_attempts_per_email: int = 5
    login_attempts_per_address: int = 50
    signups_per_address: int = 20
    throttle_window_seconds: int = 15 * 60

    # Rate limits (api/rate_limits.py): requests per fixed window of this many seconds, per
    # program and per member or account; 0 turns a limit off. Spends are the mutations that move
    # a member's points or rewards (redeemReward, playInstantWin, enterContest, joinChallenge,
    # applyReferralCode).
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_member_spends: int = Field(default=60, ge=0)
    rate_limit_program_spends: int = Field(default=20_000, ge=0)
    rate_limit_program_sign_ups: int = Field(default=2_000, ge=0)
    rate_limit_program_log_ins: int = Field(default=10_000, ge=0)
    rate_limit_account_log_ins: int = Field(default=20, ge=0)

    log_json: bool | None = None
    # One line per request (method, path, status, GraphQL operation, outcome, duration, request
    # id): api/observability.py. It replaces uvicorn's own access log.
    access_log: bool = True

    # Prometheus metrics (core/metrics.py): counted per request, served at /metrics; with a
    # token set, a scrape must send `Authorization: Bearer <token>`. The worker serves its own
    # on worker_metrics_port when one is set.
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "127.0.0.1"

    # OpenTelemetry traces (core/tracing.py): off, printed to the console, or sent over OTLP/HTTP
    # to tracing_otlp_endpoint (the collector's /v1/traces URL; None: the exporter's default,
    # or OTEL_EXPORTER_OTLP_ENDPOINT).
    tracing: Literal["off", "console", "otlp"] = "off"
    tracing_otlp_endpoint: str | None = None
    tracing_service_name: str = "loyalty-api"
    # The worker's spans (one per job run: workers/job_runs.py) are of this service.
    tracing_worker_service_name: str = "loyalty-worker"

    # A running draw job renews its lease every third of this; a draw whose worker died is
    # taken up by the next scan once the lease has lapsed (workers/contests.py).
    draw_lease_seconds: float = Field(default=30.0, gt=0)

    # Webhook retries wait base, 2 x base, 4 x base... seconds (capped at an hour).
    webhook_retry_base_seconds: float = 30.0
    webhook_max_attempts: int = 8
    webhook_timeout_seconds: float = 10.0
    # None means "allowed outside production" (local receivers in development and tests).
    webhook_allow_private: bool | None = None

    # Live updates (GraphQL subscriptions over WebSocket, api/subscriptions/): subscriptions one
    # connection may hold, connections one member (or staff user) may hold in all API processes,
    # the largest WebSocket message either way (bytes), messages one subscription may have
    # waiting for a slow client before it is dropped (its client reads activity(after:) and
    # subscribes again), how often connections are checked against their sessions (a revoked
    # session, a blocked member, an expired token: closed within this), how often a coalesced
    # subscription (balance, rank, community total) may send, how long the client has to send
    # connection_init, and how long one send may wait for a client that does not read.
    live_subscriptions_per_connection: int = Field(default=20, ge=1)
    live_connections_per_member: int = Field(default=5, ge=1)
    live_max_message_bytes: int = Field(default=64_000, ge=1_000)
    live_queue_size: int = Field(default=100, ge=1)
    live_session_check_seconds: float = Field(default=2.0, gt=0)
    live_coalesce_seconds: float = Field(default=1.0, ge=0)
    live_connection_init_seconds: float = Field(default=10.0, gt=0)
    live_send_timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.environment == "production" and (secret == INSECURE_DEV_SECRET or len(secret) < 32):
            raise ValueError("SECRET_KEY must be set to at least 32 characters in production")
        return self

    @model_validator(mode="after")
    def _a_cluster_needs_a_queue(self) -> Settings:
        if self.redis_cluster and self.queue_redis_url is None:
            raise ValueError(
                "QUEUE_REDIS_URL must name a plain Redis for the job queue when REDIS_CLUSTER is "
                "on (arq does not run on a Redis Cluster)"
            )
        return self

    @property
    def queue_url(self) -> str:
        """The job queue's Redis: QUEUE_REDIS_URL, or REDIS_URL."""
        return self.queue_redis_url or self.redis_url

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.environment != "production"

    @property
    def introspection_enabled(self) -> bool:
        if self.introspection is not None:
            return self.introspection
        return self.environment != "production"

    @property
    def webhook_private_destinations(self) -> bool:
        """Whether webhooks may target private, loopback or link-local addresses."""
        if self.webhook_allow_private is not None:
            return self.webhook_allow_private
        return self.environment != "production"

    @property
    def secure_cookies(self) -> bool:
        """Whether browser cookies (the console's session) are sent over HTTPS only."""
        return self.environment not in ("development", "test")

    @property
    def mask_errors(self) -> bool:
        return self.environment == "production"

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.environment == "production"

    @property
    def secret_bytes(self) -> bytes:
        return self.secret_key.get_secret_value().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
