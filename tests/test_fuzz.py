"""Fuzzing the GraphQL endpoint as each kind of caller: hypothesis-graphql writes valid queries and
mutations from the schema as built (a new operation is fuzzed without a line here), mostly of the
root fields the caller is not refused (learnt first by sending each one's smallest call), with real
ids, codes and names of a program full of data (the demo) mixed with edge cases, and sends them over
the real endpoint, half of them with their values as variables. Every answer is below 500, has no
INTERNAL_SERVER_ERROR and a code on every error; after each caller's run every balance equals its
ledger and no stock is below zero.

Seeded, so a failure reproduces: FUZZ_SEED (default 19) picks the sequence, FUZZ_EXAMPLES (default
40) the number of documents per caller; e.g. `FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest
tests/test_fuzz.py -p no:xdist` for a long run by hand."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings

from api.demo import seed_demo
from api.demo.accounts import (
    DEMO_API_KEY,
    DEMO_MEMBER_EMAIL,
    DEMO_MEMBER_PASSWORD,
    DEMO_SLUG,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
)
from api.schema import schema
from gamification.accounts.models import Member
from gamification.games.models import GamePrize
from gamification.programs.models import Program
from gamification.rewards.models import Reward
from tests.authorization import root_fields
from tests.builders import (
    PASSWORD,
    assert_ledger_consistent,
    give_points,
    integration_client,
    new_program,
    sign_up,
    staff_client,
)
from tests.fuzzing import Known, Operation, documents, error_codes, known_values
from tests.graphql import GraphQLClient

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "19"))
# The most destructive callers last: an ADMIN may anonymise members and revoke keys.
CALLERS = ("anonymous", "member", "integration", "ANALYST", "MANAGER", "ADMIN")
STAFF = {"ANALYST", "MANAGER", "ADMIN"}

LOG_IN = """
mutation($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }
"""


class Callers:
    """One client per kind of caller of the demo program, made again if the fuzzer revoked it
    (a member who deleted their account, a key an ADMIN revoked), so every example is sent with
    credentials that work."""

    def __init__(self, gql: GraphQLClient, program: Program) -> None:
        self.gql = gql
        self.program = program
        self.clients: dict[str, GraphQLClient] = {}
        # Documents of which some root field answered with data: the fuzzer got past refusals.
        self.answered = 0
        # Operations sent, and those of them sent with variables.
        self.sent = self.with_variables = 0

    async def client(self, caller: str) -> GraphQLClient:
        if caller not in self.clients:
            self.clients[caller] = await self._make(caller, first=True)
        return self.clients[caller]

    async def renew(self, caller: str) -> None:
        self.clients[caller] = await self._make(caller, first=False)

    async def _make(self, caller: str, first: bool) -> GraphQLClient:
        if caller == "anonymous":
            return self.gql
        if caller == "member" and first:
            login = await self.gql.mutate(
                LOG_IN,
                {
                    "program": DEMO_SLUG,
                    "email": DEMO_MEMBER_EMAIL,
                    "password": DEMO_MEMBER_PASSWORD,
                },
            )
            assert login["errors"] == []
            return self.gql.as_token(login["accessToken"])
        if caller == "member":
            member = await sign_up(self.gql, self.program)
            await give_points(member.id, 5_000)
            return member.client
        if caller == "integration":
            if first:
                return self.gql.as_api_key(DEMO_API_KEY)
            return await integration_client(self.gql, self.program)
        assert caller in STAFF
        return await staff_client(self.gql, self.program, caller)


@pytest.fixture(scope="module")
async def demo(gql: GraphQLClient) -> tuple[Callers, Known]:
    await seed_demo()
    # Another program, so that ids of a program not the caller's are drawn too.
    other = await new_program()
    await give_points((await sign_up(gql, other)).id, 100)
    program = await Program.get(slug=DEMO_SLUG)
    known = await known_values(
        [DEMO_MEMBER_PASSWORD, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, DEMO_API_KEY, PASSWORD]
    )
    return Callers(gql, program), known


async def send(callers: Callers, caller: str, operation: Operation) -> list[str]:
    """Send one operation as `caller`, assert the answer is no failure of ours; its error codes."""
    client = await callers.client(caller)
    body: dict[str, Any] = {"query": operation.document}
    callers.sent += 1
    if operation.variables is not None:
        body["variables"] = operation.variables
        callers.with_variables += 1
    response = await client.http.post("/graphql", json=body, headers=client.headers())
    assert response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    codes = error_codes(body)
    assert None not in codes, body
    assert "INTERNAL_SERVER_ERROR" not in codes, body
    if caller != "anonymous" and "UNAUTHENTICATED" in codes:
        await callers.renew(caller)
    if any(value is not None for value in (body.get("data") or {}).values()):
        callers.answered += 1
    return [code for code in codes if code is not None]


async def callable_fields(callers: Callers, caller: str) -> list[str]:
    """The root fields this caller is not refused (as the authorization matrix finds them)."""
    client = await callers.client(caller)
    fields = []
    for name, document in root_fields(schema._schema).items():
        body = await client.raw(document)
        codes = {(error.get("extensions") or {}).get("code") for error in body.get("errors") or []}
        if not codes & {"UNAUTHENTICATED", "FORBIDDEN"}:
            fields.append(name)
    return fields


def fuzz(
    known: Known,
    preferred: list[str],
    caller_seed: int,
    run: Callable[[Coroutine[Any, Any, list[str]]], list[str]],
    send_operation: Callable[[Operation], Coroutine[Any, Any, list[str]]],
) -> None:
    """Run hypothesis over `documents`; each one is sent on the test's loop through `run`."""

    @seed(caller_seed)
    @settings(
        max_examples=FUZZ_EXAMPLES,
        database=None,  # nothing kept between runs: the seed alone says what is sent
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(operation=documents(known, preferred))
    def each(operation: Operation) -> None:
        run(send_operation(operation))

    each()


@pytest.mark.parametrize("caller", CALLERS)
async def test_no_document_is_a_failure_of_ours_and_the_books_balance_after(
    demo: tuple[Callers, Known], caller: str
) -> None:
    # given the demo program (every feature in use), and this caller's credentials
    callers, known = demo
    callers.answered = callers.sent = callers.with_variables = 0
    loop = asyncio.get_running_loop()

    def run(coroutine: Coroutine[Any, Any, list[str]]) -> list[str]:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    # when hypothesis sends its documents as this caller (from a thread: hypothesis drives the
    # examples synchronously, while the app answers on this loop)
    preferred = await callable_fields(callers, caller)
    await asyncio.to_thread(
        fuzz,
        known,
        preferred,
        FUZZ_SEED * 100 + CALLERS.index(caller),
        run,
        lambda operation: send(callers, caller, operation),
    )
    # then some documents got past the refusals to real answers
    assert callers.answered > 0
    # and both forms were sent, values as literals and as variables (a handful of examples
    # may draw only one)
    assert 0 < callers.with_variables < callers.sent or FUZZ_EXAMPLES < 10
    # and every balance equals its ledger, and no stock or prize count went below zero
    for member_id in await Member.all().values_list("id", flat=True):
        await assert_ledger_consistent(member_id)
    assert not await Reward.filter(stock__lt=0).exists()
    assert not await GamePrize.filter(remaining__lt=0).exists()
