"""The request context every resolver receives: the caller, shared services, loaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from api.caller import Caller
from api.loaders import Loaders
from api.locales import Locales
from api.persisted_queries import PersistedQueries
from api.rate_limits import RateLimiter
from api.subscriptions.connections import Connection, Connections
from api.subscriptions.hub import Hub
from core.redis import RedisClient
from core.settings import Settings
from gamification.accounts.login_throttle import LoginThrottle
from gamification.accounts.sessions import TokenIssuer
from gamification.audit import Actor
from gamification.programs.languages import program_language


@dataclass(frozen=True)
class Services:
    """What the lifespan builds once and every request shares."""

    settings: Settings
    redis: RedisClient
    tokens: TokenIssuer
    throttle: LoginThrottle
    persisted_queries: PersistedQueries
    rate_limiter: RateLimiter
    # Live updates: the process's listener on the live channels and its WebSocket connections.
    hub: Hub
    connections: Connections


@dataclass
class Context:
    request: Request | WebSocket  # a WebSocket for subscriptions, its caller from connection_init
    response: Response | None
    caller: Caller
    services: Services
    loaders: Loaders = field(default_factory=Loaders)
    # A WebSocket's connection (its staff role read again by the session check).
    connection: Connection | None = None
    # The languages the caller asked for (Accept-Language, `locale` arguments), read once.
    locales: Locales = field(default_factory=Locales)
    # The program's default language, read once per request however many texts need it.
    _default_language: asyncio.Task[str] | None = field(default=None, repr=False)

    @property
    def client_address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    @property
    def program_id(self) -> int:
        """The caller's program; only called behind a permission that requires one."""
        assert self.caller.program_id is not None
        return self.caller.program_id

    @property
    def actor(self) -> Actor:
        """Who the audit trail names for a staff action; only called behind a staff permission."""
        return Actor.staff(self.caller.staff_id)

    async def languages(self, info: Info) -> tuple[str, ...]:
        """The languages to answer `info`'s field in, most wanted first, ending with the
        program's default (none for a caller outside any program)."""
        wanted = self.locales.wanted(info)
        program_id = self.caller.program_id
        if program_id is None:
            return wanted
        if self._default_language is None:
            self._default_language = asyncio.ensure_future(program_language(program_id))
        return (*wanted, await self._default_language)


Info = strawberry.Info[Context, None]
