"""POINTS_EXPIRING: once per lot and threshold, whatever the restarts and concurrent scans; the
smallest threshold crossed at once is the one told; spent or lapsed points are not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.clock import clock
from gamification.events import EventType
from gamification.events.models import Event
from gamification.points import expiry_reminders
from tests.builders import give_points, new_program, sign_up, spend_points, staff_client
from tests.graphql import GraphQLClient, codes

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SETTINGS = """
mutation($input: UpdateProgramSettingsInput!) {
  updateProgramSettings(input: $input) { settings { expiryReminderDays } errors { code field } }
}
"""
FEED = "query { me { activity(first: 10) { edges { node { type text } } } } }"


async def reminders(member_id: int) -> list[tuple[int, int]]:
    """(days, points) of each reminder the member got, oldest first."""
    rows = await Event.filter(member_id=member_id, type=EventType.POINTS_EXPIRING).order_by("id")
    return [(row.data["days"], row.data["points"]) for row in rows]


async def scan_twice_at_once() -> None:
    # two workers scanning at the same moment
    await asyncio.gather(expiry_reminders.send_reminders(), expiry_reminders.send_reminders())


async def test_each_threshold_is_told_once_across_concurrent_scans(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    with clock.frozen_at(T0) as time:
        await give_points(member.id, 120, expires_at=T0 + timedelta(days=40))
        await scan_twice_at_once()
        assert await reminders(member.id) == []
        # 29 days before the end: the 30-day reminder, once
        time.advance(timedelta(days=11))
        await scan_twice_at_once()
        await scan_twice_at_once()
        assert await reminders(member.id) == [(30, 120)]
        # 6 days before, after some were spent: the 7-day one, with what is left
        await spend_points(member.id, 20)
        time.advance(timedelta(days=23))
        await scan_twice_at_once()
        assert await reminders(member.id) == [(30, 120), (7, 100)]
        # past the end, nothing more
        time.advance(timedelta(days=10))
        await scan_twice_at_once()
        assert await reminders(member.id) == [(30, 120), (7, 100)]
    feed = (await member.client.query(FEED))["me"]["activity"]["edges"]
    assert "expire within 7 days" in next(
        e["node"]["text"] for e in feed if e["node"]["type"] == "POINTS_EXPIRING"
    )


async def test_a_lot_already_inside_both_thresholds_gets_the_nearest_reminder_only(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    with clock.frozen_at(T0) as time:
        await give_points(member.id, 50, expires_at=T0 + timedelta(days=5))
        await expiry_reminders.send_reminders()
        time.advance(timedelta(days=1))
        await expiry_reminders.send_reminders()
    assert await reminders(member.id) == [(7, 50)]


async def test_spent_points_and_programs_without_reminders_get_none(gql: GraphQLClient) -> None:
    program = await new_program()
    spender = await sign_up(gql, program)
    quiet_program = await new_program(expiry_reminder_days=[])
    quiet = await sign_up(gql, quiet_program)
    with clock.frozen_at(T0):
        await give_points(spender.id, 30, expires_at=T0 + timedelta(days=3))
        await spend_points(spender.id, 30)
        await give_points(quiet.id, 30, expires_at=T0 + timedelta(days=3))
        await expiry_reminders.send_reminders()
    assert await reminders(spender.id) == []
    assert await reminders(quiet.id) == []


async def test_admins_choose_the_thresholds(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    changed = await admin.mutate(SETTINGS, {"expiryReminderDays": [3, 14]})
    assert changed["settings"]["expiryReminderDays"] == [14, 3]
    for wrong in ([0], [400], [7, 7], [1, 2, 3, 4, 5, 6]):
        refused = await admin.mutate(SETTINGS, {"expiryReminderDays": wrong})
        assert codes(refused) == ["INVALID_INPUT"]
        assert refused["errors"][0]["field"] == "expiryReminderDays"
    reset = await admin.mutate(SETTINGS, {"expiryReminderDays": None})
    assert reset["settings"]["expiryReminderDays"] == [30, 7]
