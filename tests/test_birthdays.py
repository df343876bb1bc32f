"""Birthday points: once per member and year, on the day, whatever the restarts and concurrent
scans; 29 February on the 28th in other years; never to an erased member, nor in a program
without a birthday action."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.clock import clock
from gamification.actions import birthdays
from gamification.actions.models import MemberAction
from tests.builders import new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes

PROFILE = """
mutation($input: UpdateMyProfileInput!) {
  updateMyProfile(input: $input) { member { birthDate } errors { code field } }
}
"""
CREATE = """
mutation($input: CreateActionTypeInput!) {
  createActionType(input: $input) { actionType { id } errors { code } }
}
"""
ERASE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id } errors { code } }
}
"""


async def granted(member_id: int) -> list[str]:
    rows = await MemberAction.filter(member_id=member_id).order_by("id")
    return [row.external_id or "" for row in rows]


async def test_a_birthday_is_granted_once_a_year_on_the_day(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    made = await admin.mutate(CREATE, {"code": "birthday", "name": "Birthday", "points": 50})
    assert made["errors"] == []
    ann, leap, gone = [await sign_up(gql, program) for _ in range(3)]
    for member, day in ((ann, "1990-06-15"), (leap, "2000-02-29"), (gone, "1985-06-15")):
        answer = await member.client.mutate(PROFILE, {"birthDate": day})
        assert answer["member"]["birthDate"] == day
    assert (await admin.mutate(ERASE, {"memberId": str(gone.id)}))["errors"] == []
    with clock.frozen_at(datetime(2026, 6, 14, 23, 0, tzinfo=UTC)) as time:
        assert await birthdays.grant_birthdays() == 0
        time.set(datetime(2026, 6, 15, 0, 9, tzinfo=UTC))
        # two workers' scans at once, then a restarted worker's
        assert sum(await asyncio.gather(*(birthdays.grant_birthdays() for _ in range(2)))) == 1
        assert await birthdays.grant_birthdays() == 0
        time.set(datetime(2027, 2, 28, 1, 9, tzinfo=UTC))
        assert await birthdays.grant_birthdays() == 1
        time.set(datetime(2027, 6, 15, 5, 9, tzinfo=UTC))
        assert await birthdays.grant_birthdays() == 1
    assert await granted(ann.id) == [f"birthday:{ann.id}:2026", f"birthday:{ann.id}:2027"]
    assert await granted(leap.id) == [f"birthday:{leap.id}:2027"]
    assert await granted(gone.id) == []


async def test_no_birthday_action_no_points_and_bad_dates_are_refused(gql: GraphQLClient) -> None:
    program = await new_program()
    ann = await sign_up(gql, program)
    await ann.client.mutate(PROFILE, {"birthDate": "1990-06-15"})
    with clock.frozen_at(datetime(2026, 6, 15, 9, 0, tzinfo=UTC)):
        await birthdays.grant_birthdays()
    assert await granted(ann.id) == []
    for wrong in ("1800-01-01", "2999-01-01"):
        refused = await ann.client.mutate(PROFILE, {"birthDate": wrong})
        assert codes(refused) == ["INVALID_INPUT"]
    cleared = await ann.client.mutate(PROFILE, {"birthDate": None})
    assert cleared["member"]["birthDate"] is None
