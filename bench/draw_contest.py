"""Benchmark: drawing a contest of 1,000,000 entries from 200,000 members in the worker code path.

    .venv/bin/python bench/draw_contest.py [--entries 1000000] [--members 200000]

Creates a scratch PostgreSQL database (dropped at the end), bulk-inserts the members and entries
with COPY, then runs the arq job function `workers.contests.draw_contest` as the worker would
(after the contest closed) and prints its wall time and its peak memory (the peak RSS of a
fresh process doing only the draw, and its growth during the draw). Then verifies the draw
from the public record.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.clock import clock
from core.database import close_database, init_database, migrate
from gamification.audit import SYSTEM
from gamification.games import contests, draws
from gamification.games.models import Contest, PrizeKind
from gamification.games.prizes import PrizeInput
from gamification.programs.programs import create_program
from workers.contests import draw_contest

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def peak_rss_mb() -> float:
    # VmHWM, not getrusage: ru_maxrss survives exec and would report the parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def load(database_url: str, n_entries: int, n_members: int) -> int:
    await migrate(database_url)
    await init_database(database_url)
    program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR")
    now = clock.now()
    contest = await contests.create_contest(
        SYSTEM,
        program.id,
        name="Bench draw",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=1),
        max_entries_per_member=100,
        prizes_in=[
            PrizeInput("Car", PrizeKind.PRIZE, quantity=1),
            PrizeInput("1,000 points", PrizeKind.POINTS, quantity=20, points=1000),
            PrizeInput("Mug", PrizeKind.PRIZE, quantity=79),
        ],
    )
    await close_database()
    raw = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        started = time.perf_counter()
        await raw.copy_records_to_table(
            "member",
            columns=[
                "program_id",
                "email",
                "password_hash",
                "display_name",
                "referral_code",
                "created_at",
                "points_balance",
                "blocked_reason",
            ],
            records=(
                (program.id, f"m{i}@bench.example", "x", f"Member {i}", f"B{i:015d}", now, 0, "")
                for i in range(n_members)
            ),
        )
        first_member = await raw.fetchval(
            "SELECT min(id) FROM member WHERE program_id = $1", program.id
        )
        rng = random.Random(7)
        # One entry per row (the worst case: a million rows), every member at least once, the
        # rest at random members; written in random member order, as entries arrive.
        members = [first_member + i for i in range(n_members)]
        members += [first_member + rng.randrange(n_members) for _ in range(n_entries - n_members)]
        rng.shuffle(members)
        rows = [(program.id, contest.id, m, 1, f"k{i}", now) for i, m in enumerate(members)]
        total = len(rows)
        await raw.copy_records_to_table(
            "contest_entry",
            columns=[
                "program_id",
                "contest_id",
                "member_id",
                "entries",
                "idempotency_key",
                "created_at",
            ],
            records=rows,
        )
        print(
            f"loaded {n_members} members, {len(rows)} entry rows, {total} entries "
            f"in {time.perf_counter() - started:.1f} s"
        )
    finally:
        await raw.close()
    return contest.id


async def draw(database_url: str, contest_id: int) -> None:
    await init_database(database_url)
    try:
        contest = await Contest.get(id=contest_id)
        before = peak_rss_mb()
        with clock.frozen_at(contest.closes_at + timedelta(seconds=30)):
            started = time.perf_counter()
            awarded = await draw_contest({}, contest_id)
            elapsed = time.perf_counter() - started
        after = peak_rss_mb()
        contest = await Contest.get(id=contest_id)
        print(
            f"draw: {elapsed:.2f} s for {contest.entry_count} entry rows "
            f"({contest.total_weight} entries), {awarded} prizes awarded; peak RSS "
            f"{after:.0f} MB (grew {after - before:.0f} MB during the draw)"
        )
        # The same winners again from the published record (seed + entry list).
        rows = await contests.entry_list_rows(contest_id)
        record = {
            "seed": contest.seed,
            "seedCommitment": contest.seed_commitment,
            "entryListHash": contest.entry_list_hash,
            "prizes": [{"id": p, "quantity": q} for p, q in await contests.prize_slots(contest_id)],
            "entryList": [{"id": e, "memberId": m, "entries": w} for e, m, w in rows],
            "winners": [
                {"slot": w.slot, "entryId": w.entry_id, "prize": {"id": w.prize_id}}
                for w in await contests.winners_of(contest_id)
            ],
        }
        del rows
        print("verify:", draws.verify(record)["checks"])
    finally:
        await close_database()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--draw-only", nargs=2, metavar=("DATABASE_URL", "CONTEST_ID"))
    args = parser.parse_args()
    if args.draw_only:
        asyncio.run(draw(args.draw_only[0], int(args.draw_only[1])))
        return 0
    name = f"bench_draw_{uuid.uuid4().hex[:8]}"
    admin = ADMIN_URL.replace("postgres://", "postgresql://", 1)
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        contest_id = asyncio.run(load(database_url, args.entries, args.members))
        # The draw in a fresh process, so that its peak memory is the draw's alone.
        subprocess.run(
            [sys.executable, __file__, "--draw-only", database_url, str(contest_id)], check=True
        )
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


if __name__ == "__main__":
    sys.exit(main())
