"""`python -m api seed-demo`: a demo program to explore in GraphiQL, with every feature in use.

Idempotent: run it again and it adds what is missing without duplicating anything, whatever staff
renamed, archived or added meanwhile: the demo finds its own objects by stable keys
(api/demo/keys.py), never by display name. Each feature seeds itself in its own module, in the
order below (later parts may use earlier ones).
"""

from __future__ import annotations

from arq import create_pool
from arq.connections import RedisSettings

import bootstrap
from api.demo import (
    accounts,
    actions,
    auctions,
    draws,
    engagement,
    games,
    points,
    referrals,
    rewards,
    segments,
    simulations,
    webhooks,
)
from core.redis import create_redis
from core.settings import get_settings


async def seed_demo() -> None:
    # The demo's purchases and plays feed badges, challenges and boards like any others.
    bootstrap.ensure_wired()
    program, member = await accounts.seed()
    # The webhook first, so the demo's events are delivered to it; then points: tiers, rules and
    # purchases are what the other parts build on; badges and challenges come before the
    # purchases of the referrals part, so those count toward them; segments over it all, then
    # a simulation, whose report splits by segment.
    parts = (
        webhooks,
        points,
        rewards,
        games,
        auctions,
        engagement,
        actions,
        referrals,
        draws,
        segments,
        simulations,
    )
    for part in parts:
        await part.seed(program, member)
    print(accounts.credentials())


async def seed_demo_from_cli() -> None:
    """`python -m api seed-demo`: wired to Redis and the job queue as the app is, so the demo's
    webhook deliveries wait in the queue for the worker (sent the moment `make run` starts it),
    not for the scan of lost deliveries minutes later."""
    settings = get_settings()
    redis = create_redis(settings.redis_url, settings.redis_cluster)
    queue = await create_pool(RedisSettings.from_dsn(settings.queue_url))
    wiring = bootstrap.wire(redis=redis, queue=queue)
    try:
        await seed_demo()
    finally:
        bootstrap.unwire(wiring)
        await queue.aclose()
        await redis.aclose()
