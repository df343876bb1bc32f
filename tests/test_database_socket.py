"""A PostgreSQL URL may name a Unix socket directory, as libpq's do: `postgres://user@/db?host=/dir`.
The whole app runs here on the module's database reached that way (PostgreSQL runs only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest
from tortoise import connections

from tests.builders import new_program, sign_up
from tests.conftest import ON_POSTGRES
from tests.graphql import GraphQLClient

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="a Unix socket is PostgreSQL's")


@pytest.fixture(scope="module")
async def database_url(database_url: str) -> AsyncIterator[str]:
    """The module's database (conftest's fixture), through the server's own socket directory.
    asyncpg falls back to PGHOST for a URL without a host: pointed nowhere, so only the
    directory named in the URL can work."""
    tcp = urlsplit(database_url)
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        directories = await connection.fetchval("SHOW unix_socket_directories")
    finally:
        await connection.close()
    directory = directories.split(",")[0].strip()
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("PGHOST", "/nonexistent-socket-directory")
        yield f"postgres://{tcp.username}@{tcp.path}?host={directory}"


async def test_the_app_runs_over_a_unix_socket_named_in_the_url(gql: GraphQLClient) -> None:
    member = await sign_up(gql, await new_program())
    me = await member.client.query("query { me { pointsBalance } }")
    assert me["me"] == {"pointsBalance": 0}
    # A connection over a Unix socket has no server address.
    rows = await connections.get("default").execute_query_dict(
        "SELECT inet_server_addr() AS address"
    )
    assert rows == [{"address": None}]
