"""Benchmark: `programReport` for a year, and the RFM segmentation job, on 200,000 members and
2,000,000 purchases on PostgreSQL.

    .venv/bin/python bench/program_report.py [--members 200000] [--purchases 2000000]

Creates a scratch PostgreSQL database (dropped at the end) and bulk-loads with COPY: the
members, the purchases spread over 400 days (a tenth of them partly refunded), one EARN ledger
entry and one PURCHASE_RECORDED event per purchase, and a REDEEM entry for every tenth. Then:
- the report over the last 365 days, computed as the GraphQL resolver does
  (`gamification.reporting.reports.program_report`), three times: seconds of the cold and warm runs;
- the segmentation job (`workers.segments.compute_segments`) in a fresh process: seconds and
  that process's peak memory (VmHWM).
Targets: the report under 2 s; the job under 60 s and 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.clock import clock
from core.database import close_database, init_database, migrate
from gamification.programs.models import Program
from gamification.programs.programs import create_program
from gamification.reporting import reports

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def load(database_url: str, n_members: int, n_purchases: int) -> int:
    await migrate(database_url)
    await init_database(database_url)
    program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR")
    await close_database()
    now = clock.now()
    rng = random.Random(11)
    raw = await asyncpg.connect(dsn(database_url))
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
                (
                    program.id,
                    f"m{i}@bench.example",
                    "x",
                    f"Member {i}",
                    f"R{i:015d}",
                    now - timedelta(days=rng.randrange(0, 800)),
                    0,
                    "",
                )
                for i in range(n_members)
            ),
        )
        first = await raw.fetchval("SELECT min(id) FROM member WHERE program_id = $1", program.id)
        # A skewed population, as real programs are: a few frequent buyers, many occasional.
        weights = [1 / (1 + i) ** 0.6 for i in range(n_members)]
        buyers = rng.choices(range(n_members), weights=weights, k=n_purchases)
        purchases = []
        for i, b in enumerate(buyers):
            total = Decimal(rng.randrange(200, 15_000)) / 100
            refunded = (total / 2).quantize(Decimal("0.01")) if i % 10 == 0 else Decimal(0)
            at = now - timedelta(seconds=rng.randrange(0, 400 * 86_400))
            purchases.append((first + b, f"o{i}", total, refunded, at, int(total)))
        await raw.copy_records_to_table(
            "purchase",
            columns=[
                "program_id",
                "member_id",
                "external_id",
                "fingerprint",
                "occurred_at",
                "recorded_at",
                "currency",
                "total",
                "points_earned",
                "first_purchase",
                "breakdown",
                "refunded_amount",
                "points_reversed",
                "points_unrecovered",
                "version",
            ],
            records=(
                (program.id, m, ext, "f", at, at, "EUR", total, pts, False, "[]", ref, 0, 0, 0)
                for m, ext, total, ref, at, pts in purchases
            ),
        )
        await raw.copy_records_to_table(
            "ledger_entry",
            columns=[
                "program_id",
                "member_id",
                "delta",
                "kind",
                "reason",
                "reference",
                "created_at",
                "remaining",
            ],
            records=(
                row
                for i, (m, _, _, _, at, pts) in enumerate(purchases)
                for row in (
                    [(program.id, m, pts, "EARN", "", None, at, pts)]
                    + ([(program.id, m, -pts, "REDEEM", "", None, at, None)] if i % 10 == 5 else [])
                )
            ),
        )
        await raw.copy_records_to_table(
            "event",
            columns=["program_id", "member_id", "type", "data", "occurred_at", "settled_at"],
            records=(
                (program.id, m, "PURCHASE_RECORDED", json.dumps({"purchase_id": i}), at, at)
                for i, (m, _, _, _, at, _) in enumerate(purchases)
            ),
        )
        await raw.execute("ANALYZE")
        print(
            f"loaded {n_members:,} members, {n_purchases:,} purchases, their ledger entries and "
            f"events in {time.perf_counter() - started:.1f} s"
        )
    finally:
        await raw.close()
    return program.id


async def report(database_url: str, program_id: int) -> None:
    await init_database(database_url)
    try:
        program = await Program.get(id=program_id)
        end = clock.now()
        start = end - timedelta(days=365)
        for attempt in ("cold", "warm", "warm"):
            started = time.perf_counter()
            result = await reports.program_report(program, start, end)
            elapsed = time.perf_counter() - started
            print(
                f"programReport over 365 days ({attempt}): {elapsed:.2f} s  "
                f"[purchases {result.purchases:,}, revenue {result.revenue}, active "
                f"{result.members_active:,}, repeat rate {result.repeat_purchase_rate}]"
            )
    finally:
        await close_database()


async def segment_only(database_url: str, program_id: int) -> None:
    from workers.segments import compute_segments

    await init_database(database_url)
    try:
        before = peak_rss_mb()
        started = time.perf_counter()
        scored = await compute_segments({}, program_id)
        elapsed = time.perf_counter() - started
        print(
            f"RFM job: {elapsed:.1f} s for {scored:,} members; peak RSS {peak_rss_mb():.0f} MB "
            f"(was {before:.0f} MB before the job)"
        )
    finally:
        await close_database()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--purchases", type=int, default=2_000_000)
    parser.add_argument("--segment-only", nargs=2, metavar=("DATABASE_URL", "PROGRAM_ID"))
    args = parser.parse_args()
    if args.segment_only:
        await segment_only(args.segment_only[0], int(args.segment_only[1]))
        return
    name = f"bench_report_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn(ADMIN_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        program_id = await load(database_url, args.members, args.purchases)
        await report(database_url, program_id)
        # A fresh process, so its peak memory is the job's own.
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, __file__, "--segment-only", database_url, str(program_id)],
            check=True,
        )
    finally:
        admin = await asyncpg.connect(dsn(ADMIN_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
