"""The points ledger under concurrency, retries and time: invariants 1, 2 and 3."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.clock import clock
from core.errors import DomainError
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from tests.builders import (
    assert_ledger_consistent,
    give_points,
    new_program,
    sign_up,
    spend_points,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

ADJUST = """
mutation Adjust($input: AdjustPointsInput!) {
  adjustPoints(input: $input) {
    entry { id delta kind reason } pointsBalance errors { code field }
  }
}
"""

ME_POINTS = """
query($first: Int, $after: String) {
  me {
    pointsBalance
    expiringPoints { points expiresAt }
    ledger(first: $first, after: $after) {
      edges { cursor node { delta kind reason expiresAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def lots_left(member_id: int) -> list[int]:
    """What is left of each of the member's lots, oldest first."""
    lots = await LedgerEntry.filter(member_id=member_id, delta__gt=0).order_by("id")
    return [lot.remaining for lot in lots]


async def test_200_concurrent_spends_on_a_balance_covering_50_let_exactly_50_through(
    gql: GraphQLClient,
) -> None:
    # given a member with 500 points and a manager
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    await give_points(member.id, 500)
    # when 200 adjustments of -10 race
    results = await asyncio.gather(
        *(
            manager.mutate(
                ADJUST,
                {
                    "memberId": str(member.id),
                    "delta": -10,
                    "reason": "race",
                    "idempotencyKey": f"race-{i}",
                },
            )
            for i in range(200)
        )
    )
    # then exactly 50 pass, the rest are refused, and the ledger adds up to zero
    assert sum(1 for r in results if not r["errors"]) == 50
    assert all(codes(r) == ["INSUFFICIENT_POINTS"] for r in results if r["errors"])
    assert await assert_ledger_consistent(member.id) == 0


async def test_the_same_adjustment_key_applies_once_even_concurrently(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    input = {"memberId": str(member.id), "delta": 75, "reason": "goodwill", "idempotencyKey": "k1"}
    results = await asyncio.gather(*(manager.mutate(ADJUST, input) for _ in range(20)))
    assert all(r["errors"] == [] for r in results)
    assert len({r["entry"]["id"] for r in results}) == 1
    assert await assert_ledger_consistent(member.id) == 75


async def test_reusing_an_adjustment_key_for_another_delta_is_refused(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    base = {"memberId": str(member.id), "reason": "fix", "idempotencyKey": "same"}
    assert (await manager.mutate(ADJUST, {**base, "delta": 10}))["errors"] == []
    payload = await manager.mutate(ADJUST, {**base, "delta": 20})
    assert codes(payload) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await assert_ledger_consistent(member.id) == 10


async def test_a_negative_adjustment_cannot_go_below_zero(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    await give_points(member.id, 30)
    payload = await manager.mutate(
        ADJUST,
        {"memberId": str(member.id), "delta": -31, "reason": "too much", "idempotencyKey": "n1"},
    )
    assert codes(payload) == ["INSUFFICIENT_POINTS"]
    assert payload["entry"] is None
    assert await assert_ledger_consistent(member.id) == 30


async def test_adjustments_are_audited_with_the_staff_user(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    await manager.mutate(
        ADJUST, {"memberId": str(member.id), "delta": 5, "reason": "audit", "idempotencyKey": "a"}
    )
    entry = await LedgerEntry.get(member_id=member.id, kind=LedgerKind.ADJUST)
    manager_id = (await manager.query("{ staffMe { id } }"))["staffMe"]["id"]
    assert entry.staff_id == int(manager_id)


async def test_bad_adjustments_have_codes(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    member = await sign_up(gql, program)
    outsider = await sign_up(gql, other)
    manager = await staff_client(gql, program, "MANAGER")
    cases = [
        ({"delta": 0}, "INVALID_INPUT", "delta"),
        ({"reason": " "}, "INVALID_INPUT", "reason"),
        ({"idempotencyKey": ""}, "INVALID_INPUT", "idempotencyKey"),
        ({"delta": 2_000_000_000}, "INVALID_INPUT", "points"),
        ({"memberId": str(outsider.id)}, "MEMBER_NOT_FOUND", "memberId"),
        ({"memberId": "nope"}, "NOT_FOUND", "memberId"),
    ]
    for change, code, field in cases:
        input = {
            "memberId": str(member.id),
            "delta": 5,
            "reason": "r",
            "idempotencyKey": f"bad-{code}-{field}",
            **change,
        }
        payload = await manager.mutate(ADJUST, input)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], change


async def test_an_analyst_cannot_adjust_points(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    input = {"memberId": str(member.id), "delta": 5, "reason": "r", "idempotencyKey": "x"}
    assert await analyst.error_code(ADJUST, {"input": input}) == "FORBIDDEN"


async def test_spending_takes_the_soonest_expiring_lots_first(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    now = clock.now()
    await give_points(member.id, 100, now + timedelta(days=300))
    await give_points(member.id, 50, now + timedelta(days=10))
    await give_points(member.id, 70, None)
    await spend_points(member.id, 120)
    assert await lots_left(member.id) == [30, 0, 70]
    assert await assert_ledger_consistent(member.id) == 100


async def test_a_spend_one_lot_covers_takes_it_from_the_soonest_expiring_lot(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    now = clock.now()
    await give_points(member.id, 70, None)  # the oldest lot, but it never expires: taken last
    await give_points(member.id, 100, now + timedelta(days=300))
    await give_points(member.id, 50, now + timedelta(days=10))
    await spend_points(member.id, 30)
    await spend_points(member.id, 20)
    await spend_points(member.id, 60)
    assert await lots_left(member.id) == [70, 40, 0]
    assert await assert_ledger_consistent(member.id) == 110


async def lots_of_40_and_60(member_id: int, start: datetime) -> datetime:
    """40 points lapsing 30 days after `start` and 60 lapsing after 60 days; returns the first
    lot's lapse."""
    await give_points(member_id, 40, start + timedelta(days=30))
    await give_points(member_id, 60, start + timedelta(days=60))
    return start + timedelta(days=30)


async def test_a_spend_at_the_instant_its_lot_lapses_expires_it_and_takes_the_next(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    start = datetime(2026, 2, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        lapse = await lots_of_40_and_60(member.id, start)
        time.set(lapse - timedelta(microseconds=1))
        await spend_points(member.id, 10)  # the first lot is still live
        time.set(lapse)
        await spend_points(member.id, 10)  # now it has lapsed: expired, and the next one pays
    assert await lots_left(member.id) == [0, 50]
    expired = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.EXPIRE)
    assert [e.delta for e in expired] == [-30]
    assert await assert_ledger_consistent(member.id) == 50


async def test_points_expire_at_the_exact_boundary_and_only_once(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        lapse = await lots_of_40_and_60(member.id, start)
        time.set(lapse - timedelta(microseconds=1))
        assert await ledger.expire_due_lots() == 0
        time.set(lapse)
        # two workers at once, then a rerun
        results = await asyncio.gather(ledger.expire_due_lots(), ledger.expire_due_lots())
        assert sum(results) == 40
        assert await ledger.expire_due_lots() == 0
    expired = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.EXPIRE)
    assert [e.delta for e in expired] == [-40]
    assert await assert_ledger_consistent(member.id) == 60


async def test_a_spend_never_uses_points_that_have_lapsed(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        await give_points(member.id, 100, start + timedelta(days=1))
        await give_points(member.id, 20, None)
        time.advance(timedelta(days=2))  # the cron has not run yet
        try:
            await spend_points(member.id, 50)
        except Exception as error:
            assert getattr(error, "code", None) == "INSUFFICIENT_POINTS"
        else:
            raise AssertionError("spent lapsed points")
    # the refusal rolled back everything, the lapsed lot included; the cron expires it later
    assert await assert_ledger_consistent(member.id) == 120


async def test_a_spend_expires_lapsed_lots_first_and_takes_the_rest_from_live_ones(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        await give_points(member.id, 100, start + timedelta(days=1))
        await give_points(member.id, 80, None)
        time.advance(timedelta(days=2))  # the cron has not run yet
        await spend_points(member.id, 50)
    assert await lots_left(member.id) == [0, 30]
    expired = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.EXPIRE)
    assert [e.delta for e in expired] == [-100]
    assert await assert_ledger_consistent(member.id) == 30


async def test_spends_racing_the_expiry_scan_expire_once_and_never_deadlock(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        for _ in range(3):
            await give_points(member.id, 10, start + timedelta(days=1))
        await give_points(member.id, 100, None)
        time.advance(timedelta(days=2))

        async def spend_5() -> bool:
            try:
                await spend_points(member.id, 5)
            except DomainError:
                return False
            return True

        results = await asyncio.gather(
            *(spend_5() for _ in range(30)), ledger.expire_due_lots(), ledger.expire_due_lots()
        )
    spent = sum(1 for r in results[:30] if r)
    assert spent == 20  # 100 live points, 5 at a time; the 30 lapsed ones never counted
    expired = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.EXPIRE)
    assert sorted(e.delta for e in expired) == [-10, -10, -10]
    assert await assert_ledger_consistent(member.id) == 0


async def test_me_shows_balance_ledger_pages_and_next_expiry(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    now = clock.now()
    for i in range(5):
        await give_points(member.id, 10 + i, now + timedelta(days=100 + i))
    first = (await member.client.query(ME_POINTS, {"first": 3}))["me"]
    assert first["pointsBalance"] == 60
    assert first["expiringPoints"]["points"] == 10
    assert [e["node"]["delta"] for e in first["ledger"]["edges"]] == [14, 13, 12]
    assert first["ledger"]["pageInfo"]["hasNextPage"] is True
    after = first["ledger"]["pageInfo"]["endCursor"]
    rest = (await member.client.query(ME_POINTS, {"first": 3, "after": after}))["me"]
    assert [e["node"]["delta"] for e in rest["ledger"]["edges"]] == [11, 10]
    assert rest["ledger"]["pageInfo"]["hasNextPage"] is False


async def test_a_bad_cursor_or_page_size_is_a_coded_error(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    body = await member.client.raw(ME_POINTS, {"first": 1000})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await member.client.raw(ME_POINTS, {"first": 2, "after": "garbage!"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
