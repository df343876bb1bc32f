"""What badge and challenge evaluation costs per purchase event, on PostgreSQL.

Each "purchase" is what the purchase service does in one `events.atomic()`: credit the points
through the ledger (POINTS_EARNED) and emit PURCHASE_RECORDED; the handlers then run after the
commit, in the caller's task, as in a real request. Three set-ups, same work:

  bare       no event handlers at all (the points engine alone)
  handlers   badges, challenges and webhooks subscribed, but nothing defined
  loaded     20 active badges and 10 active challenges (6 individual, 4 collective)
  loaded-ind the same with the 10 challenges all individual (no shared hot row)

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
       .venv/bin/python bench/engagement_cost.py [--purchases 600] [--concurrency 8]
It creates a scratch database next to DATABASE_URL's and drops it at the end. Redis
(BENCH_REDIS_URL, default db 12; flushed at the end) is bound as the API binds it: the boards and
the community counters are fed after each commit, as in a real request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
from tortoise import Tortoise

from gamification.audit import SYSTEM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bootstrap
from badges.definitions import BadgeFields, create_badge
from badges.models import BadgeCriteria
from challenges.definitions import ChallengeFields, create_challenge
from challenges.models import ChallengeKind, ChallengeMetric, Enrolment
from core.clock import clock
from core.database import init_database, migrate, normalise_url
from core.redis import create_redis
from gamification import events
from gamification.accounts import members
from gamification.accounts.models import Member
from gamification.events import EventType
from gamification.events.payloads import LineItem, PurchaseRecorded
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs.models import Program
from gamification.programs.programs import create_program
from gamification.webhooks import webhooks

LINES = (
    LineItem(sku="ESP-1", category="coffee", quantity=2, unit_price=Decimal("2.50")),
    LineItem(sku="CAKE-1", category="food", quantity=1, unit_price=Decimal("4.00")),
)


def remove_handlers() -> None:
    for event_type in EventType:
        events.unsubscribe(event_type, "badges.awarding.on_events")
        events.unsubscribe(event_type, "challenges.progress.on_events")
        events.unsubscribe(event_type, webhooks.HANDLER_NAME)


async def purchase(member: Member, program: Program, n: int) -> None:
    async with events.atomic():
        await ledger.credit(
            member,
            9,
            LedgerKind.EARN,
            expires_at=ledger.points_expiry(program, clock.now()),
            reference=f"purchase:{n}",
        )
        await events.emit(
            PurchaseRecorded(
                purchase_id=n,
                external_id=f"bench-{n}",
                total=Decimal("9.00"),
                currency="EUR",
                points=9,
                first_purchase=False,
                referred=False,  # as record_purchase says of a member nobody referred
                lines=LINES,
            ),
            program_id=program.id,
            member_id=member.id,
        )


async def define_engagement(program: Program, collective: bool = True) -> None:
    kinds: list[tuple[BadgeCriteria, dict[str, str]]] = [
        (BadgeCriteria.EVENT_COUNT, {"event_type": "PURCHASE_RECORDED"}),
        (BadgeCriteria.SPEND, {}),
        (BadgeCriteria.POINTS_EARNED, {}),
        (BadgeCriteria.PRODUCT_QUANTITY, {"category": "coffee"}),
        (BadgeCriteria.WEEKLY_STREAK, {}),
    ]
    for i in range(20):
        criteria, params = kinds[i % len(kinds)]
        await create_badge(
            SYSTEM,
            program.id,
            criteria,
            BadgeFields(
                name=f"Badge {i}",
                # High enough that the run measures evaluation, not a cascade of awards (a
                # recordPurchase of the HTTP bench earns about 2,000 points).
                thresholds=[Decimal(5_000_000 + i), Decimal(50_000_000 + i), Decimal(10**9 + i)],
                points=10,
            ),
            event_type=params.get("event_type"),
            category=params.get("category"),
        )
    metrics = [
        ChallengeMetric.PURCHASES,
        ChallengeMetric.SPEND,
        ChallengeMetric.QUANTITY,
        ChallengeMetric.POINTS_EARNED,
    ]
    now = clock.now()
    for i in range(10):
        metric = metrics[i % len(metrics)]
        await create_challenge(
            SYSTEM,
            program.id,
            metric,
            ChallengeKind.COLLECTIVE if collective and i % 3 == 0 else ChallengeKind.INDIVIDUAL,
            Enrolment.AUTOMATIC,
            ChallengeFields(
                name=f"Challenge {i}",
                target=Decimal(10_000_000),
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=30),
                reward_points=20,
            ),
            category="coffee" if metric == ChallengeMetric.QUANTITY else None,
        )


async def measure(
    label: str, purchases: int, concurrency: int, load: bool, collective: bool = True
) -> float:
    program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR", {})
    if load:
        await define_engagement(program, collective)
    team = [
        await members.register_member(program, f"m{i}@bench.example", "bench-password-1", "M")
        for i in range(concurrency * 4)
    ]
    counter = iter(range(purchases))

    async def worker(k: int) -> None:
        for n in counter:
            await purchase(team[(n * concurrency + k) % len(team)], program, n)

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    rate = purchases / (time.perf_counter() - started)
    print(f"{label:<10} {rate:8.1f} purchase events/s  ({purchases}, concurrency {concurrency})")
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--purchases", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    admin_url = normalise_url(base).split("?", 1)[0]
    if not admin_url.startswith("postgres://"):
        raise SystemExit("This benchmark runs on PostgreSQL: set DATABASE_URL.")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = admin_url.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        await migrate(url)
        await init_database(url)
        redis = create_redis(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
        from gamification.accounts import passwords

        passwords.configure("fast")
        for concurrency in (1, args.concurrency):
            remove_handlers()
            bare = await measure("bare", args.purchases, concurrency, load=False)
            bootstrap.wire(redis=redis)
            idle = await measure("handlers", args.purchases, concurrency, load=False)
            loaded = await measure("loaded", args.purchases, concurrency, load=True)
            individual = await measure(
                "loaded-ind", args.purchases, concurrency, load=True, collective=False
            )
            print(
                f"  concurrency {concurrency}: handlers/bare {idle / bare:.0%}, "
                f"loaded/bare {loaded / bare:.0%}, "
                f"loaded without collective challenges/bare {individual / bare:.0%}"
            )
        await Tortoise.close_connections()
        bootstrap.wire()
        await redis.flushdb()
        await redis.aclose()
    finally:
        admin = await asyncpg.connect(admin_dsn)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
