"""Birthday points: once a year, on the day, to each member of a program that has an active
action type of code `birthday` and whose birth date is known.

The worker's scan runs every hour; each grant is `record_action` with the external id
`birthday:<member>:<year>`, unique in the program, so a second scan, a second worker or a scan
after a restart grants nothing twice. A member born on 29 February has theirs on the 28th in
years without one. The action type's own limits and window apply as to any action.
"""

from __future__ import annotations

import calendar

import structlog

from core.clock import clock
from core.errors import DomainError
from gamification.accounts.models import Member
from gamification.actions import recording
from gamification.actions.models import ActionType
from gamification.programs.models import Program

BIRTHDAY = "birthday"
log = structlog.get_logger("gamification.actions.birthdays")


def todays_keys() -> list[str]:
    """The `birthday` values ("MM-DD") celebrated today (UTC)."""
    today = clock.now().date()
    keys = [f"{today:%m-%d}"]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        keys.append("02-29")
    return keys


async def grant_birthdays(batch_size: int = 500) -> int:
    """Grant today's birthday actions in every program that has one. Returns the grants made."""
    now = clock.now()
    granted = 0
    for action_type in await ActionType.filter(code=BIRTHDAY, archived=False):
        program = await Program.get(id=action_type.program_id)
        after = 0
        while True:
            members = (
                await Member.filter(
                    program_id=program.id,
                    birthday__in=todays_keys(),
                    anonymised_at__isnull=True,
                    blocked_at__isnull=True,
                    id__gt=after,
                )
                .order_by("id")
                .limit(batch_size)
            )
            if not members:
                break
            after = members[-1].id
            for member in members:
                try:
                    result = await recording.record_action(
                        program,
                        member,
                        BIRTHDAY,
                        external_id=f"birthday:{member.id}:{now.year}",
                        occurred_at=now,
                    )
                except DomainError as refused:
                    # A limit or window of the action type; the next member is not concerned.
                    log.info("birthday not granted", member=member.id, code=str(refused.code))
                    continue
                granted += not result.replayed
    return granted
