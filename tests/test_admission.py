"""The API's turns (api/graphql_view.py): at most `graphql_concurrency` GraphQL operations run at
once, and the rest take their turn strictly in the order they came. The turns are an asyncio
Semaphore: the first three tests hold it to the order the view relies on."""

from __future__ import annotations

import asyncio

from gamification.points.models import Purchase
from tests.builders import (
    RECORD_PURCHASE,
    assert_ledger_consistent,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
)
from tests.graphql import GraphQLClient, codes

SETTINGS_OVERRIDES = {"graphql_concurrency": 2}


async def _held(
    turns: asyncio.Semaphore, name: str, order: list[str], release: asyncio.Event
) -> None:
    async with turns:
        order.append(name)
        await release.wait()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_operations_beyond_the_limit_wait_and_enter_in_arrival_order() -> None:
    turns = asyncio.Semaphore(2)
    order: list[str] = []
    releases = {name: asyncio.Event() for name in "abcdef"}
    tasks = []
    for name in "abcdef":
        tasks.append(asyncio.create_task(_held(turns, name, order, releases[name])))
        await _settle()
    assert order == ["a", "b"] and turns.locked()
    # a slot freed goes to the oldest waiter, even when a newcomer asks in the same turn
    releases["b"].set()
    late = asyncio.create_task(_held(turns, "late", order, asyncio.Event()))
    await _settle()
    assert order == ["a", "b", "c"] and turns.locked()
    for name in "acdef":
        releases[name].set()
        await _settle()
    assert order == ["a", "b", "c", "d", "e", "f", "late"]
    late.cancel()
    await asyncio.gather(*tasks, late, return_exceptions=True)
    assert not turns.locked()


async def test_a_waiter_cancelled_in_the_queue_loses_its_place_and_the_queue_moves_on() -> None:
    turns = asyncio.Semaphore(1)
    order: list[str] = []
    first, last = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_held(turns, "first", order, first))
    await _settle()
    gone = asyncio.create_task(_held(turns, "gone", order, asyncio.Event()))
    after = asyncio.create_task(_held(turns, "after", order, last))
    await _settle()
    gone.cancel()
    await _settle()
    first.set()
    await _settle()
    assert order == ["first", "after"] and turns.locked()
    last.set()
    await asyncio.gather(holder, after)
    assert not turns.locked()


async def test_a_waiter_cancelled_as_its_turn_comes_passes_the_slot_on() -> None:
    turns = asyncio.Semaphore(1)
    order: list[str] = []
    last = asyncio.Event()
    async with turns:
        unlucky = asyncio.create_task(_held(turns, "unlucky", order, asyncio.Event()))
        after = asyncio.create_task(_held(turns, "after", order, last))
        await _settle()
    # leaving handed the slot to `unlucky`, which is cancelled before it runs
    unlucky.cancel()
    await _settle()
    assert order == ["after"] and turns.locked()
    last.set()
    await asyncio.gather(after, unlucky, return_exceptions=True)
    assert not turns.locked()


async def test_fifty_concurrent_purchases_taking_two_turns_at_a_time_all_earn_once(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    inputs = [purchase_input(member.id) for _ in range(50)]
    results = await asyncio.gather(*(till.mutate(RECORD_PURCHASE, i) for i in inputs))
    assert all(codes(r) == [] for r in results)
    # retried, each gives its first answer back
    again = await asyncio.gather(*(till.mutate(RECORD_PURCHASE, i) for i in inputs))
    first = sorted(r["purchase"]["id"] for r in results)
    assert sorted(r["purchase"]["id"] for r in again) == first
    assert await Purchase.filter(member_id=member.id).count() == 50
    await assert_ledger_consistent(member.id)
