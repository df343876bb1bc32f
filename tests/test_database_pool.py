"""A PostgreSQL pool whose every connection is in use: a request waits for one at most the pool
timeout (`database_pool_timeout_seconds`, small here), then is answered with the retryable
`DATABASE_BUSY` (core/asyncpg_engine.py), never left hanging nor a 500; nothing is written, and
once connections are free the same requests are served, the purchase applied once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from core.database import pool_use
from gamification.accounts.api_keys import create_api_key
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind, Purchase
from tests.builders import RECORD_PURCHASE, add_rule, new_program, purchase_input, sign_up
from tests.conftest import ON_POSTGRES
from tests.graphql import GraphQLClient

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite has no pool: one connection, and its busy timeout"
)

POOL_TIMEOUT = 0.5
SETTINGS_OVERRIDES = {"database_pool_timeout_seconds": POOL_TIMEOUT}
POOL_SIZE = 3
ME = "query Me { me { pointsBalance } }"


@pytest.fixture(scope="module")
def database_url(database_url: str) -> str:
    return f"{database_url}?minsize=1&maxsize={POOL_SIZE}"


@asynccontextmanager
async def every_connection_held() -> AsyncIterator[None]:
    """Every connection of the process's pool lent out (each in an open transaction, as slow
    requests or a long job would hold them) while the block runs."""
    release = asyncio.Event()
    entered = 0

    async def hold() -> None:
        nonlocal entered
        async with in_transaction():
            entered += 1
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(POOL_SIZE)]
    try:
        for _ in range(400):
            use = pool_use()
            if entered == POOL_SIZE and use is not None and use.idle == 0:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the pool's connections were never all held")
        yield
    finally:
        release.set()
        await asyncio.gather(*holders)


async def test_a_request_waits_for_a_busy_pool_a_bounded_time_then_gets_database_busy(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    # given a shop, its till's key and a member
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    _, key = await create_api_key(SYSTEM, program.id, "Till")
    member = await sign_up(gql, program)
    values = purchase_input(member.id, lines=[("A", "x", 1, "25.00")])
    assert pool_use() is not None and pool_use().maximum == POOL_SIZE  # type: ignore[union-attr]

    async def purchase() -> httpx.Response:
        return await http.post(
            "/graphql",
            json={"query": RECORD_PURCHASE, "variables": {"input": values}},
            headers={"X-Api-Key": key},
        )

    async def balance() -> httpx.Response:
        return await http.post(
            "/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {member.access_token}"},
        )

    # when every connection of the pool is in use while a purchase and a read arrive
    async with every_connection_held():
        started = time.perf_counter()
        # (bounded: without a pool timeout they would wait for as long as the holders hold)
        answers = await asyncio.wait_for(asyncio.gather(purchase(), balance()), timeout=30)
        waited = time.perf_counter() - started

    # then each waited about the pool timeout, not forever, and was answered DATABASE_BUSY,
    # retryable: the purchase before GraphQL (its key could not be looked up: a 503 with
    # Retry-After), the read inside it (a top-level error)
    assert POOL_TIMEOUT <= waited < POOL_TIMEOUT + 5, waited
    for response in answers:
        body: dict[str, Any] = response.json()
        assert response.status_code in (200, 503), response.text
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "DATABASE_BUSY", body
        assert "Try again" in error["message"]
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "1"
            assert error["extensions"]["retryable"] is True
    # and nothing was written
    assert await Purchase.filter(external_id=values["externalId"]).count() == 0

    # when the connections are free again, the same requests are served, the purchase once
    again = await purchase()
    read = await balance()
    assert again.json()["data"]["recordPurchase"]["errors"] == [], again.text
    assert read.json() == {"data": {"me": {"pointsBalance": 25}}}, read.text
    assert await Purchase.filter(external_id=values["externalId"]).count() == 1
    assert (await purchase()).json()["data"]["recordPurchase"]["replayed"] is True
