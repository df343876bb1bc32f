"""`python -m api seed-demo`: a demo program to explore in GraphiQL. Idempotent: run it again and
it refreshes what is missing without duplicating anything.

The demo credentials are public. They exist for development only.
"""

from __future__ import annotations

import hashlib

from core.clock import clock
from gamification import members, passwords
from gamification.models import ApiKey, Member, Program, StaffUser
from gamification.programs import create_program
from gamification.staff import create_staff

DEMO_SLUG = "demo"
DEMO_STAFF_EMAIL = "admin@demo.example"
DEMO_STAFF_PASSWORD = "demo-admin-password"
DEMO_MEMBER_EMAIL = "member@demo.example"
DEMO_MEMBER_PASSWORD = "demo-member-password"
# A fixed key so that every run can print it; a real key is only ever shown once.
DEMO_API_KEY_PREFIX = "de0de0de0de0"
DEMO_API_KEY_SECRET = "demo-integration-secret-not-for-production"
DEMO_API_KEY = f"lk_{DEMO_API_KEY_PREFIX}_{DEMO_API_KEY_SECRET}"


async def seed_demo() -> None:
    program = await Program.get_or_none(slug=DEMO_SLUG) or await create_program(
        DEMO_SLUG, "Demo Coffee Club", "EUR"
    )
    if not await StaffUser.exists(program_id=program.id, email=DEMO_STAFF_EMAIL):
        await create_staff(DEMO_SLUG, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, "ADMIN")
    member = await Member.get_or_none(program_id=program.id, email=DEMO_MEMBER_EMAIL)
    if member is None:
        member = await Member.create(
            program_id=program.id,
            email=DEMO_MEMBER_EMAIL,
            password_hash=await passwords.hash_password(DEMO_MEMBER_PASSWORD),
            display_name="Dana Demo",
            referral_code=members.new_referral_code(),
            created_at=clock.now(),
        )
    if not await ApiKey.exists(prefix=DEMO_API_KEY_PREFIX):
        await ApiKey.create(
            program_id=program.id,
            name="Demo point of sale",
            prefix=DEMO_API_KEY_PREFIX,
            key_hash=hashlib.sha256(DEMO_API_KEY_SECRET.encode()).hexdigest(),
            created_at=clock.now(),
        )
    print(
        "\n".join(
            [
                f"Demo program '{DEMO_SLUG}' is ready.",
                f"  member login: {DEMO_MEMBER_EMAIL} / {DEMO_MEMBER_PASSWORD}",
                f"  staff login:  {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD} (ADMIN)",
                f"  API key:      {DEMO_API_KEY}",
            ]
        )
    )
