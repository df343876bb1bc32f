"""A real subscriptions client for the tests: Python's `gql` with its websockets transport,
speaking graphql-transport-ws to the app on a real socket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from gql import Client, GraphQLRequest, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportError, TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

# Bounds on waiting for what must come (never a timing assertion: a slow machine only waits
# longer), and how long "nothing arrives" is watched.
ARRIVES_WITHIN = 20.0
QUIET_FOR = 1.5


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


def transport(base_url: str, token: str | None, **payload: Any) -> WebsocketsTransport:
    init = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return WebsocketsTransport(
        url=ws_url(base_url),
        init_payload={**init, **payload},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        ack_timeout=20,
    )


@asynccontextmanager
async def connected(base_url: str, token: str | None, **payload: Any) -> AsyncIterator[Session]:
    client = Client(transport=transport(base_url, token, **payload))
    async with client as session:
        yield Session(session)


class Ended(Exception):
    """The subscription ended: with `errors` (an error message or a final error), or closed."""

    def __init__(self, errors: list[dict[str, Any]] | None, close: tuple[int, str] | None) -> None:
        super().__init__(errors or close)
        self.errors = errors or []
        self.close = close

    @property
    def code(self) -> str | None:
        if not self.errors:
            return None
        return (self.errors[0].get("extensions") or {}).get("code")


def close_of(error: BaseException) -> tuple[int, str] | None:
    """The WebSocket close code and reason behind a transport error, if it was a close."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionClosed) and current.rcvd is not None:
            return current.rcvd.code, current.rcvd.reason
        current = current.__cause__ or current.__context__
    return None


class Stream:
    """One subscription's messages, gathered by a task as they come."""

    def __init__(self, session: AsyncClientSession, document: str, variables: dict[str, Any]):
        self.messages: asyncio.Queue[dict[str, Any] | Ended] = asyncio.Queue()
        self._task = asyncio.create_task(self._gather(session, document, variables))

    async def _gather(
        self, session: AsyncClientSession, document: str, variables: dict[str, Any]
    ) -> None:
        request = GraphQLRequest(gql(document), variable_values=variables or None)
        try:
            async for data in session.subscribe(request):
                await self.messages.put(data)
            await self.messages.put(Ended(None, None))
        except TransportQueryError as error:
            await self.messages.put(Ended(error.errors, None))
        except (TransportError, ConnectionClosed) as error:
            await self.messages.put(Ended(None, close_of(error)))

    async def next(self, within: float = ARRIVES_WITHIN) -> dict[str, Any]:
        """The next message's data; Ended when the subscription ended instead."""
        item = await asyncio.wait_for(self.messages.get(), within)
        if isinstance(item, Ended):
            raise item
        return item

    async def ended(self, within: float = ARRIVES_WITHIN) -> Ended:
        """How the subscription ended (messages before the end are skipped)."""
        while True:
            item = await asyncio.wait_for(self.messages.get(), within)
            if isinstance(item, Ended):
                return item

    async def quiet(self, for_seconds: float = QUIET_FOR) -> bool:
        """Whether nothing arrives for a while."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.messages.get(), for_seconds)
            return False
        return True

    async def drain(self, for_seconds: float = QUIET_FOR) -> list[dict[str, Any]]:
        """The messages that arrive until none has for `for_seconds`."""
        found = []
        with contextlib.suppress(TimeoutError):
            while True:
                item = await asyncio.wait_for(self.messages.get(), for_seconds)
                if not isinstance(item, Ended):
                    found.append(item)
        return found

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


class Session:
    def __init__(self, session: AsyncClientSession) -> None:
        self.session = session
        self.streams: list[Stream] = []

    def subscribe(self, document: str, **variables: Any) -> Stream:
        stream = Stream(self.session, document, variables)
        self.streams.append(stream)
        return stream


async def close_code(base_url: str, token: str | None, **payload: Any) -> tuple[int, str] | None:
    """The close code and reason of a connection_init the server refuses (None if accepted)."""
    try:
        async with connected(base_url, token, **payload):
            return None
    except (TransportError, ConnectionClosed) as error:
        return close_of(error)
