"""What a member says about themselves beyond their sign-up: their birth date, for birthday
points (actions/birthdays.py)."""

from __future__ import annotations

from datetime import date

from core.clock import clock
from core.errors import ErrorCode, ValidationFailed
from gamification.accounts.models import Member


def check_birth_date(birth_date: date) -> date:
    today = clock.now().date()
    if not date(1900, 1, 1) <= birth_date <= today:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A birth date is between 1900 and today.", "birthDate"
        )
    return birth_date


async def set_birth_date(member: Member, birth_date: date | None) -> Member:
    """Set (or, with None, clear) the member's birth date."""
    if birth_date is not None:
        check_birth_date(birth_date)
    birthday = f"{birth_date:%m-%d}" if birth_date is not None else None
    await Member.filter(id=member.id).update(birth_date=birth_date, birthday=birthday)
    member.birth_date, member.birthday = birth_date, birthday
    return member
