"""`python -m api seed-demo`: a demo program to explore in GraphiQL, with every feature in use.

Idempotent: run it again and it adds what is missing without duplicating anything. Each feature
seeds itself in its own module, in the order below (later parts may use earlier ones).
"""

from __future__ import annotations

import bootstrap
from api.demo import accounts, draws, engagement, games, points, referrals, rewards


async def seed_demo() -> None:
    # The demo's purchases and plays feed badges, challenges and boards like any others.
    bootstrap.ensure_wired()
    program, member = await accounts.seed()
    # Points first: tiers, rules and purchases are what the other parts build on; badges and
    # challenges come before the purchases of the referrals part, so those count toward them.
    for part in (points, rewards, games, engagement, referrals, draws):
        await part.seed(program, member)
    print(accounts.credentials())
