"""The demo program, its settings, its staff, its member and its API key.

The demo credentials are public. They exist for development only. Each is found by what stays
stable (the program's slug, an account's email, the key's prefix), never by a display name.
"""

from __future__ import annotations

from datetime import timedelta

from api.demo import languages
from api.demo.actor import DEMO
from core.clock import clock
from gamification.accounts.api_keys import create_api_key
from gamification.accounts.models import ApiKey, Member, StaffUser
from gamification.accounts.staff import create_staff
from gamification.programs import seed_keys, settings
from gamification.programs.models import Program
from gamification.programs.programs import create_program
from gamification.referrals import sign_up

DEMO_SLUG = "demo"
DEMO_STAFF_EMAIL = "admin@demo.example"
DEMO_STAFF_PASSWORD = "demo-admin-password"
DEMO_MEMBER_EMAIL = "member@demo.example"
DEMO_MEMBER_PASSWORD = "demo-member-password"
# A fixed key so that every run can print it; a real key is only ever shown once.
DEMO_API_KEY_PREFIX = "de0de0de0de0"
DEMO_API_KEY_SECRET = "demo-integration-secret-not-for-production"
DEMO_API_KEY = f"lk_{DEMO_API_KEY_PREFIX}_{DEMO_API_KEY_SECRET}"
# Points last a year and are worth a cent each, so the report shows a liability and the member
# sees points about to expire. Set once: what staff change afterwards stays.
DEMO_SETTINGS = {
    "points_validity_days": 365,
    "point_value": "0.01",
    "default_language": languages.DEMO_LANGUAGE,
}
SETTINGS_KEY = "settings:demo"
# The demo member joined a while ago: their oldest points are close to expiring.
MEMBER_SINCE_DAYS = 400


async def seed(program: Program | None = None) -> tuple[Program, Member]:
    """Create what is missing; return the demo program and the demo member."""
    program = (
        program
        or await Program.get_or_none(slug=DEMO_SLUG)
        or await create_program(DEMO_SLUG, "Demo Coffee Club", "EUR")
    )
    if not await seed_keys.known(program.id, SETTINGS_KEY):
        missing = {k: v for k, v in DEMO_SETTINGS.items() if k not in (program.settings or {})}
        program = await settings.update_settings(DEMO, program.id, missing)
        await seed_keys.remember(program.id, SETTINGS_KEY, program.id)
    if not await StaffUser.exists(program_id=program.id, email=DEMO_STAFF_EMAIL):
        await create_staff(DEMO, DEMO_SLUG, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, "ADMIN")
    member = await Member.get_or_none(program_id=program.id, email=DEMO_MEMBER_EMAIL)
    if member is None:
        with clock.frozen_at(clock.now() - timedelta(days=MEMBER_SINCE_DAYS)):
            member = await sign_up.register_referred(
                program, DEMO_MEMBER_EMAIL, DEMO_MEMBER_PASSWORD, "Dana Demo", None
            )
    if not await ApiKey.exists(prefix=DEMO_API_KEY_PREFIX):
        await create_api_key(
            DEMO,
            program.id,
            "Demo point of sale",
            prefix=DEMO_API_KEY_PREFIX,
            secret=DEMO_API_KEY_SECRET,
        )
    return program, member


def credentials() -> str:
    return "\n".join(
        [
            f"Demo program '{DEMO_SLUG}' is ready.",
            f"  member login: {DEMO_MEMBER_EMAIL} / {DEMO_MEMBER_PASSWORD}",
            f"  staff login:  {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD} (ADMIN)",
            f"  API key:      {DEMO_API_KEY}",
        ]
    )
