"""An answered request is freed by reference counting alone: nothing of it waits for the cyclic
garbage collector, whose full collections pause every request in flight (api/execution.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from graphql.execution.executor import Executor

from api.context import Context
from gamification.points.models import EarningRuleKind
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
)
from tests.graphql import GraphQLClient


@contextmanager
def cyclic_garbage() -> Iterator[list[object]]:
    """Gathers what, of the block's work, only the cycle collector could free."""
    gc.collect()
    gc.disable()
    found: list[object] = []
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def test_answered_queries_and_mutations_leave_no_cycle_behind(gql: GraphQLClient) -> None:
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    with cyclic_garbage() as garbage:
        for _ in range(3):
            await member.client.query(
                "query { me { pointsBalance ledger(first: 5) { edges { cursor } } } }"
            )
            payload = await till.mutate(RECORD_PURCHASE, purchase_input(member.id))
            assert payload["errors"] == [] and payload["purchase"]["pointsEarned"] == 10
    assert [o for o in garbage if isinstance(o, Executor | Context)] == []
