"""The arq worker (a process of its own) SIGKILLed halfway through a draw of 200,000 entries and
halfway through the points expiry scan: once a worker runs again, the draw has the winners its
seed and entry list give, every prize is paid once and every due lot expired once, with no
manual step (a draw whose worker died is enqueued again once its lease lapses; the expiry scan
runs at start-up)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from arq.connections import ArqRedis
from starlette.applications import Starlette
from tortoise import connections

from core.clock import clock
from core.settings import Settings
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events.models import Event
from gamification.games import contests, draws, prizes
from gamification.games.models import Contest, ContestWinner, PrizeKind
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from tests.builders import assert_ledger_consistent, new_program, sign_up
from tests.faults import Service, process_env, running, worker
from tests.graphql import GraphQLClient
from workers.contests import enqueue_draw

ENTRIES = 200_000
SLOTS = 80
LOTS = 400


def lease_env(settings: Settings) -> dict[str, str]:
    # A short lease: the next scan (at the restarted worker's start-up) finds it lapsed.
    return process_env(settings, DRAW_LEASE_SECONDS="1")


async def kill_when(service: Service, halfway: object, done: object) -> None:
    """SIGKILL the service once `halfway()` holds, checking it has not finished yet."""
    for _ in range(12_000):  # bounded polling, not a timed assertion
        if await halfway():  # type: ignore[operator]  # an async predicate
            break
        assert service.alive(), service.log()
        await asyncio.sleep(0.01)
    service.kill()
    assert not await done(), "the work ended before the kill"  # type: ignore[operator]  # an async predicate


async def wait_for(condition: object, service: Service) -> None:
    for _ in range(3_000):
        if await condition():  # type: ignore[operator]  # an async predicate
            return
        assert service.alive(), service.log()
        await asyncio.sleep(0.05)
    raise AssertionError(service.log())


async def test_a_draw_killed_halfway_resumes_with_the_same_winners_paying_each_slot_once(
    gql: GraphQLClient, app: Starlette, settings: Settings, tmp_path: Path
) -> None:
    # given a contest with 200,000 entries from 8 members and 80 prizes of 10 points
    program = await new_program()
    members = [await sign_up(gql, program) for _ in range(8)]
    now = clock.now()
    contest = await contests.create_contest(
        SYSTEM,
        program.id,
        name="Big draw",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        prizes_in=[prizes.PrizeInput("Ten points", PrizeKind.POINTS, SLOTS, points=10)],
        max_entries_per_member=contests.MAX_ENTRIES_PER_MEMBER,
        allow_multiple_wins=True,
    )
    # The entries are written by one INSERT ... SELECT (the same on both databases):
    # 200,000 entries through `contests.enter`, a transaction each, would take minutes, and even
    # rows built in Python take 15 s; the draw reads the entry rows, not how they came.
    last = ENTRIES // len(members) - 1
    await connections.get("default").execute_query(
        f"""
        INSERT INTO contest_entry
            (program_id, contest_id, member_id, entries, idempotency_key, created_at)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
        SELECT c.program_id, c.id, m.id, 1, 'bulk-' || n.i, c.created_at
        FROM n CROSS JOIN member m CROSS JOIN contest c
        WHERE c.id = {contest.id} AND m.program_id = c.program_id
        ORDER BY n.i, m.id
        """
    )
    # and the contest closes (its window's end moved to the past: the worker runs on real time)
    await Contest.filter(id=contest.id).update(closes_at=clock.now() - timedelta(seconds=1))
    first = worker(lease_env(settings), tmp_path / "worker.log")
    first.start()
    pool: ArqRedis = app.state.arq

    async def paid() -> int:
        return await ContestWinner.filter(contest_id=contest.id).count()

    async def halfway() -> bool:
        return await paid() >= 10

    async def drawn() -> bool:
        return await Contest.filter(id=contest.id, drawn_at__isnull=False).exists()

    with running(first):
        # when the draw runs and its worker is SIGKILLed after paying some slots
        assert await enqueue_draw(pool, contest.id)
        await kill_when(first, halfway, drawn)
        assert 10 <= await paid() < SLOTS
        # and a worker starts again
        second = worker(lease_env(settings), tmp_path / "worker-2.log")
        second.start()
        with running(second):
            await wait_for(drawn, second)

    # then the winners are those the seed and the published entry list give
    model = await Contest.get(id=contest.id)
    expected = draws.draw_winners(
        bytes.fromhex(model.seed),
        await contests.load_entry_list(contest.id),
        await contests.prize_slots(contest.id),
        allow_multiple_wins=True,
    )
    assert model.entry_count == ENTRIES
    rows = await ContestWinner.filter(contest_id=contest.id).order_by("slot")
    assert [(r.slot, r.entry_id, r.member_id) for r in rows] == [
        (w.slot, w.entry_id, w.member_id) for w in expected
    ]
    # and every slot was paid once: one prize entry and one PRIZE_WON each, balances = ledgers
    references = await LedgerEntry.filter(kind=LedgerKind.PRIZE, program_id=program.id).values_list(
        "reference", flat=True
    )
    assert sorted(references) == sorted(f"contest:{contest.id}:slot:{w.slot}" for w in expected)
    won = await Event.filter(program_id=program.id, type="PRIZE_WON").values_list("data", flat=True)
    assert sorted(d["slot"] for d in won) == [w.slot for w in expected]
    for member in members:
        await assert_ledger_consistent(member.id)


async def test_an_expiry_scan_killed_halfway_expires_every_lot_once_after_a_restart(
    gql: GraphQLClient, settings: Settings, tmp_path: Path
) -> None:
    # given 400 lots of 3 points that expired yesterday, over 4 members who also hold 5 points
    # that do not expire
    program = await new_program()
    members = [await sign_up(gql, program) for _ in range(4)]
    yesterday = clock.now() - timedelta(days=1)
    for member in members:
        async with events.atomic():
            row = await Member.get(id=member.id)
            await ledger.credit(row, 5, LedgerKind.BONUS, expires_at=None, reason="keeps")
            for _ in range(LOTS // 4):
                await ledger.credit(row, 3, LedgerKind.BONUS, expires_at=yesterday, reason="lot")
    lots = await LedgerEntry.filter(program_id=program.id, expires_at=yesterday).values_list(
        "id", flat=True
    )
    assert len(lots) == LOTS

    async def expired() -> int:
        return await LedgerEntry.filter(program_id=program.id, kind=LedgerKind.EXPIRE).count()

    async def halfway() -> bool:
        return await expired() >= 30

    async def finished() -> bool:
        return await expired() == LOTS

    # when a worker starts (the scan runs at start-up) and is SIGKILLed halfway through it
    first = worker(process_env(settings), tmp_path / "worker.log")
    first.start()
    with running(first):
        await kill_when(first, halfway, finished)
    # and a worker starts again
    second = worker(process_env(settings), tmp_path / "worker-2.log")
    second.start()
    with running(second):
        await wait_for(finished, second)

    # then every lot expired exactly once, for what it held, and each balance is its ledger
    expiries = await LedgerEntry.filter(program_id=program.id, kind=LedgerKind.EXPIRE)
    assert sorted(e.reference for e in expiries) == sorted(f"lot:{lot}" for lot in lots)
    assert {e.delta for e in expiries} == {-3}
    assert not await LedgerEntry.filter(id__in=lots, remaining__gt=0).exists()
    for member in members:
        assert await assert_ledger_consistent(member.id) == 5
    assert await Event.filter(program_id=program.id, type="POINTS_EXPIRED").count() == LOTS
