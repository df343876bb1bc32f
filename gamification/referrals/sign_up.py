"""A member's own sign-up, maybe referred: the member, their entry tier and their referral are
recorded in one transaction, or none is."""

from __future__ import annotations

from gamification.accounts import members
from gamification.accounts.login_throttle import LoginThrottle
from gamification.accounts.models import Member
from gamification.points import tiers
from gamification.programs.models import Program
from gamification.referrals import referrals


async def sign_up(
    *,
    program: Program,
    email: str,
    password: str,
    display_name: str,
    referral_code: str | None,
    throttle: LoginThrottle,
    client_address: str,
) -> Member:
    """A member's own sign-up: validated, throttled per client address, maybe referred."""
    members.validate_new_member(email, password, display_name)
    referrer: Member | None = None
    if referral_code:
        referrer = await referrals.member_by_code(program.id, referral_code)
    await throttle.count_signup(program.id, client_address)
    return await register_referred(program, email, password, display_name, referrer)


async def register_referred(
    program: Program,
    email: str,
    password: str,
    display_name: str,
    referrer: Member | None,
) -> Member:
    """Create a member in the program's entry tier (the best tier a member with nothing earned
    qualifies for, such as a Bronze from 0) and, when `referrer` is given, their PENDING
    referral, all with the member."""

    async def join(member: Member) -> None:
        await tiers.enter_first_tier(member, program)
        if referrer is not None:
            await referrals.record_referral(program, referrer, member)

    return await members.register_member(
        program, email, password, display_name, referrer, with_member=join
    )
