"""Benchmark: a campaign simulation's replay over 100,000 and 1,000,000 purchases from 100,000
members on PostgreSQL.

    .venv/bin/python bench/simulation.py [--members 100000] [--purchases 100000 1000000]

For each size: a scratch PostgreSQL database (dropped at the end), bulk-loaded with COPY: the
members, the purchases spread over the last 90 days with 1 to 3 lines each (coffee, tea,
bakery, 40 SKUs each with its price), their tiers and first-purchase flags as the live path
records them. The program has a base rate, coffee x2, a first-purchase bonus and three tiers.
Then, in a fresh process (so its peak memory is the replay's own), a simulation of "double
points on tea for the whole window, and Gold from 1,500 instead of 2,000" is asked for and run
as the worker runs it (`gamification.simulations.simulations.run_simulation`): its seconds and
that process's peak memory (VmHWM), printed side by side for the sizes. Target for 1,000,000:
under 60 s and 1 GB.
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
from decimal import Decimal
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.clock import clock
from core.database import close_database, init_database, migrate
from gamification.audit import SYSTEM
from gamification.points import earning_rules, tiers
from gamification.points.models import EarningRuleKind
from gamification.programs.programs import create_program

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CATEGORIES = ("coffee", "tea", "bakery")
# A SKU has its price, as in a shop: 1.50 to 8.90.
PRICES = [Decimal(150 + 19 * i) / 100 for i in range(40)]


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
    program = await create_program(
        f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR", {"point_value": "0.01"}
    )
    await earning_rules.create_rule(
        SYSTEM, program.id, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1
    )
    await earning_rules.create_rule(
        SYSTEM,
        program.id,
        name="Coffee x2",
        kind=EarningRuleKind.PRODUCT,
        category="coffee",
        multiplier=2,
    )
    await earning_rules.create_rule(
        SYSTEM, program.id, name="Welcome", kind=EarningRuleKind.FIRST_PURCHASE, fixed_points=50
    )
    made = [
        await tiers.create_tier(SYSTEM, program.id, name, rank, threshold, Decimal(multiplier))
        for name, rank, threshold, multiplier in (
            ("Bronze", 0, 0, "1"),
            ("Silver", 1, 500, "1.25"),
            ("Gold", 2, 2_000, "1.5"),
        )
    ]
    await close_database()
    now = clock.now()
    rng = random.Random(25)
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
                "points_held",
                "blocked_reason",
            ],
            records=(
                (
                    program.id,
                    f"m{i}@bench.example",
                    "x",
                    f"Member {i}",
                    f"R{i:015d}",
                    now - timedelta(days=400),
                    0,
                    0,
                    "",
                )
                for i in range(n_members)
            ),
        )
        first = await raw.fetchval("SELECT min(id) FROM member WHERE program_id = $1", program.id)
        weights = [1 / (1 + i) ** 0.6 for i in range(n_members)]
        buyers = rng.choices(range(n_members), weights=weights, k=n_purchases)
        seen: set[int] = set()
        records = []
        for i, b in enumerate(buyers):
            at = now - timedelta(seconds=rng.randrange(60, 90 * 86_400))
            is_first = b not in seen
            seen.add(b)
            tier = made[0 if i % 5 < 3 else 1 if i % 5 == 3 else 2]
            records.append(
                (
                    program.id,
                    first + b,
                    f"o{i}",
                    "f",
                    at,
                    at,
                    "EUR",
                    Decimal(0),
                    rng.randrange(5, 60),
                    is_first,
                    tier.id,
                    "[]",
                    Decimal(0),
                    0,
                    0,
                    0,
                )
            )
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
                "tier_id",
                "breakdown",
                "refunded_amount",
                "points_reversed",
                "points_unrecovered",
                "version",
            ],
            records=records,
        )
        del records
        ids = await raw.fetch(
            "SELECT id FROM purchase WHERE program_id = $1 ORDER BY id", program.id
        )
        lines = []
        for row in ids:
            for position in range(rng.randrange(1, 4)):
                category = CATEGORIES[rng.randrange(3)]
                sku = rng.randrange(40)
                lines.append(
                    (
                        row["id"],
                        position,
                        f"{category}-{sku}",
                        category,
                        rng.randrange(1, 3),
                        PRICES[sku],
                        0,
                    )
                )
        await raw.copy_records_to_table(
            "purchase_line",
            columns=[
                "purchase_id",
                "position",
                "sku",
                "category",
                "quantity",
                "unit_price",
                "refunded_quantity",
            ],
            records=lines,
        )
        await raw.execute(
            "UPDATE purchase p SET total = s.t FROM (SELECT purchase_id, SUM(quantity * unit_price)"
            " AS t FROM purchase_line GROUP BY purchase_id) s WHERE s.purchase_id = p.id"
        )
        await raw.execute("ANALYZE")
        print(
            f"loaded {n_members:,} members, {n_purchases:,} purchases and {len(lines):,} lines "
            f"in {time.perf_counter() - started:.1f} s"
        )
    finally:
        await raw.close()
    return program.id


async def replay_only(database_url: str, program_id: int) -> None:
    from gamification.simulations import simulations
    from gamification.simulations.drafts import Draft, RuleDraft, TierDraft

    await init_database(database_url)
    try:
        now = clock.now()
        gold = (await tiers.tiers_of(program_id))[2]
        draft = Draft(
            rules=(
                RuleDraft(
                    values={
                        "name": "Double tea",
                        "kind": EarningRuleKind.CAMPAIGN,
                        "category": "tea",
                        "multiplier": Decimal(2),
                        "starts_at": now - timedelta(days=91),
                        "ends_at": now,
                    }
                ),
            ),
            tiers=(TierDraft(tier_id=gold.id, qualifying_threshold=1_500),),
        )
        simulation = await simulations.request_simulation(
            SYSTEM,
            program_id,
            name="Bench",
            starts_at=now - timedelta(days=91),
            ends_at=now,
            draft=draft,
        )
        before = peak_rss_mb()
        started = time.perf_counter()
        status = await simulations.run_simulation(simulation.id)
        elapsed = time.perf_counter() - started
        await simulation.refresh_from_db()
        results = simulation.results or {}
        print(
            f"RESULT {elapsed:.1f} {peak_rss_mb():.0f} {before:.0f} {status} "
            f"{results.get('purchases')} {results.get('points_difference')} "
            f"{results.get('tiers', {}).get('moved_up')}"
        )
    finally:
        await close_database()


async def one_size(n_members: int, n_purchases: int) -> list[str]:
    name = f"bench_simulation_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn(ADMIN_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        program_id = await load(database_url, n_members, n_purchases)
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, __file__, "--replay-only", database_url, str(program_id)],
            check=True,
            capture_output=True,
            text=True,
        )
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
        return line.split()[1:]
    finally:
        admin = await asyncpg.connect(dsn(ADMIN_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--replay-only", nargs=2, metavar=("DATABASE_URL", "PROGRAM_ID"))
    args = parser.parse_args()
    if args.replay_only:
        await replay_only(args.replay_only[0], int(args.replay_only[1]))
        return
    rows = []
    for n in args.purchases:
        seconds, peak, before, status, replayed, difference, moved_up = await one_size(
            args.members, n
        )
        rows.append((n, seconds, peak, before, status, replayed, difference, moved_up))
    print()
    print(
        "| purchases | replay s | µs per purchase | peak RSS MB (before) | status | extra points"
        " | moved up |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, seconds, peak, before, status, _, difference, moved_up in rows:
        per = float(seconds) * 1e6 / n
        print(
            f"| {n:,} | {seconds} | {per:.0f} | {peak} ({before}) | {status} | {difference} "
            f"| {moved_up} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
