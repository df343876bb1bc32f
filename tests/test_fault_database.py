"""PostgreSQL out of connections: the API (uvicorn, a process of its own) answers what it cannot
serve with DATABASE_UNAVAILABLE, retryable, never INTERNAL_SERVER_ERROR nor a 500, half-writes
nothing, and serves everything again once connections are free.

The server refuses connections past a limit: here the limit of a role of the test's own
(`CONNECTION LIMIT`, the same refusal, "too many connections", as max_connections gives), so
that exhausting it leaves the shared server's other clients alone."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from core.settings import Settings
from gamification.accounts.api_keys import create_api_key
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind, Purchase
from tests.builders import RECORD_PURCHASE, add_rule, new_program, purchase_input, sign_up
from tests.conftest import ON_POSTGRES
from tests.faults import api, assert_nothing_half_written, process_env, running
from tests.graphql import GraphQLClient

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="connection limits are PostgreSQL's; SQLite opens a file"
)

ROLE_LIMIT = 8
ME = "query Me { me { pointsBalance } }"


def driver_url(url: str) -> str:
    return url.split("?", 1)[0].replace("postgres://", "postgresql://", 1)


async def test_connections_exhausted_give_a_retryable_code_then_service_resumes(
    gql: GraphQLClient, settings: Settings, tmp_path: Path
) -> None:
    # given a shop, a member, its till's key, and the API connecting as a role limited to
    # ROLE_LIMIT connections
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    _, key = await create_api_key(SYSTEM, program.id, "Till")
    member = await sign_up(gql, program)
    role = f"faults_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(driver_url(settings.database_url))
    await admin.execute(
        f"CREATE ROLE {role} LOGIN PASSWORD 'pw' CONNECTION LIMIT {ROLE_LIMIT};"
        f"GRANT USAGE ON SCHEMA public TO {role};"
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};"
    )
    host_and_db = driver_url(settings.database_url).split("@", 1)[1]
    role_url = f"postgres://{role}:pw@{host_and_db}"
    server = api(process_env(settings, DATABASE_URL=role_url), tmp_path / "api.log")
    held: list[asyncpg.Connection] = []
    try:
        server.start()
        with running(server):
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:

                async def purchase(external_id: str) -> tuple[int, dict[str, Any]]:
                    values = purchase_input(member.id, external_id)
                    response = await http.post(
                        "/graphql",
                        json={"query": RECORD_PURCHASE, "variables": {"input": values}},
                        headers={"X-Api-Key": key},
                    )
                    return response.status_code, response.json()

                async def balance() -> tuple[int, dict[str, Any]]:
                    response = await http.post(
                        "/graphql",
                        json={"query": ME},
                        headers={"Authorization": f"Bearer {member.access_token}"},
                    )
                    return response.status_code, response.json()

                # when something else holds every connection the role may open
                while True:
                    try:
                        held.append(await asyncpg.connect(driver_url(role_url)))
                    except asyncpg.TooManyConnectionsError:
                        break
                # and purchases and reads arrive together
                burst = await asyncio.gather(
                    *(purchase(f"busy-{i}") for i in range(12)), *(balance() for _ in range(12))
                )

                # then each one succeeded on a connection the API already had, or answered
                # DATABASE_UNAVAILABLE, retryable; never a 500 nor INTERNAL_SERVER_ERROR
                codes = []
                for status, body in burst:
                    assert status in (200, 503), body
                    if "errors" in body:
                        (error,) = body["errors"]
                        assert error["extensions"]["retryable"] is True, body
                        codes.append(error["extensions"]["code"])
                    else:
                        codes.append("ok")
                assert set(codes) <= {"ok", "DATABASE_UNAVAILABLE"}, codes
                assert "DATABASE_UNAVAILABLE" in codes, "the pool never needed a connection"
                # and nothing is half-written
                await assert_nothing_half_written(program.id)

                # when the connections are free again
                for connection in held:
                    await connection.close()
                held.clear()
                # then the same requests all succeed again, the refused purchases recorded by
                # their retry (the server counts a closed connection until its backend has
                # exited: a client retries a retryable code, and so does this one, bounded)
                for _ in range(100):
                    again = await asyncio.gather(
                        *(purchase(f"busy-{i}") for i in range(12)),
                        *(balance() for _ in range(12)),
                    )
                    if not any("errors" in body for _, body in again):
                        break
                    await asyncio.sleep(0.1)
                assert [(s, "errors" in b) for s, b in again] == [(200, False)] * 24, again
        assert await Purchase.filter(program_id=program.id).count() == 12
        await assert_nothing_half_written(program.id)
    finally:
        for connection in held:
            await connection.close()
        server.stop()
        # The role goes; the test database (and the role's rights in it) go with the module.
        await admin.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")
        await admin.close()
