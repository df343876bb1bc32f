"""`python -m api seed-demo`: a demo program to explore in GraphiQL, with every feature in use.

Idempotent: run it again and it adds what is missing without duplicating anything. Each feature
seeds itself in its own module, in the order below (later parts may use earlier ones).
"""

from __future__ import annotations

from api.demo import accounts, engagement


async def seed_demo() -> None:
    program, member = await accounts.seed()
    for part in (engagement,):  # each feature's `seed(program, member)`, in order
        await part.seed(program, member)
    print(accounts.credentials())
