"""Badges: each criteria kind awards exactly at its threshold and never twice, under concurrency
too; levels, streak breaks, hidden badges, windows and staff management."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from badges.models import BadgeAward, BadgeProgress
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events import EventType
from gamification.events.models import Event
from gamification.events.payloads import ChallengeCompleted
from gamification.points.tiers import create_tier, set_member_tier
from tests.builders import (
    assert_ledger_consistent,
    emit_event,
    give_points,
    new_program,
    purchase_event,
    qualify_referral_event,
    sign_up,
    staff_client,
    unique,
)
from tests.graphql import GraphQLClient, codes

CREATE_BADGE = """
mutation($input: CreateBadgeInput!) {
  createBadge(input: $input) {
    badge { id name criteria thresholds points hidden eventType sku category }
    errors { code field message }
  }
}
"""
UPDATE_BADGE = """
mutation($input: UpdateBadgeInput!) {
  updateBadge(input: $input) { badge { id name thresholds } errors { code field } }
}
"""
ARCHIVE_BADGE = """
mutation($input: ArchiveBadgeInput!) {
  archiveBadge(input: $input) { badge { id archived } errors { code field } }
}
"""
MY_BADGES = "query { me { pointsBalance badges { badge { id name } awardedAt level } } }"
BADGES = """
query { badges { id name hidden myProgress { value level nextThreshold } } }
"""


async def create_badge(staff: GraphQLClient, **fields: Any) -> str:
    payload = await staff.mutate(CREATE_BADGE, {"name": unique("A badge"), **fields})
    assert payload["errors"] == [], payload["errors"]
    return payload["badge"]["id"]


async def levels_of(member_id: int, badge_id: str) -> list[int]:
    awards = await BadgeAward.filter(member_id=member_id, badge_id=int(badge_id))
    return sorted(a.level for a in awards)


async def setup(gql: GraphQLClient) -> tuple[Any, Any, GraphQLClient]:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    return program, member, staff


async def test_an_event_count_badge_is_awarded_exactly_at_the_threshold_and_never_twice(
    gql: GraphQLClient,
) -> None:
    program, member, staff = await setup(gql)
    badge = await create_badge(
        staff, criteria="EVENT_COUNT", eventType="PURCHASE_RECORDED", thresholds=["3"], points=25
    )
    for _ in range(2):
        await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == []

    await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == [1]
    await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == [1]

    me = (await member.client.query(MY_BADGES))["me"]
    assert [(b["badge"]["id"], b["level"]) for b in me["badges"]] == [(badge, 1)]
    assert me["pointsBalance"] == 25
    await assert_ledger_consistent(member.id)
    awarded = await Event.filter(member_id=member.id, type="BADGE_AWARDED")
    assert [(e.data["badge_id"], e.data["level"]) for e in awarded] == [(int(badge), 1)]


async def test_levels_are_awarded_one_by_one_as_their_thresholds_are_reached(
    gql: GraphQLClient,
) -> None:
    program, member, staff = await setup(gql)
    badge = await create_badge(
        staff,
        criteria="EVENT_COUNT",
        eventType="PURCHASE_RECORDED",
        thresholds=["1", "3", "5"],
        points=10,
    )
    await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == [1]
    await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == [1]
    await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == [1, 2]
    for _ in range(3):
        await purchase_event(member.id, program.id)
    assert await levels_of(member.id, badge) == [1, 2, 3]
    assert await assert_ledger_consistent(member.id) == 30

    listed = (await member.client.query(BADGES))["badges"]
    assert listed[0]["myProgress"] == {"value": "6", "level": 3, "nextThreshold": None}


async def test_a_spend_badge_counts_money_to_the_cent(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    badge = await create_badge(staff, criteria="SPEND", thresholds=["100.00"])
    await purchase_event(member.id, program.id, total="60.00")
    await purchase_event(member.id, program.id, total="39.99")
    assert await levels_of(member.id, badge) == []
    listed = (await member.client.query(BADGES))["badges"]
    assert listed[0]["myProgress"]["value"] == "99.99"
    assert listed[0]["myProgress"]["nextThreshold"] == "100.00"

    await purchase_event(member.id, program.id, total="0.01")
    assert await levels_of(member.id, badge) == [1]


async def test_a_points_earned_badge_sums_credited_points(gql: GraphQLClient) -> None:
    _program, member, staff = await setup(gql)
    badge = await create_badge(staff, criteria="POINTS_EARNED", thresholds=["50"])
    await give_points(member.id, 49)
    assert await levels_of(member.id, badge) == []
    await give_points(member.id, 1)
    assert await levels_of(member.id, badge) == [1]


async def test_a_category_badge_counts_units_of_that_category_only(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    badge = await create_badge(
        staff, criteria="PRODUCT_QUANTITY", category="coffee", thresholds=["3"]
    )
    sku_badge = await create_badge(
        staff, criteria="PRODUCT_QUANTITY", sku="TEA-1", thresholds=["5"]
    )
    lines = [
        {"sku": "ESP-1", "category": "coffee", "quantity": 2, "unit_price": "2.00"},
        {"sku": "TEA-1", "category": "tea", "quantity": 5, "unit_price": "1.00"},
    ]
    await purchase_event(member.id, program.id, total="9.00", lines=lines)
    assert await levels_of(member.id, badge) == []
    assert await levels_of(member.id, sku_badge) == [1]

    one_coffee = [{"sku": "LAT-1", "category": "coffee", "quantity": 1, "unit_price": "3.00"}]
    await purchase_event(member.id, program.id, total="3.00", lines=one_coffee)
    assert await levels_of(member.id, badge) == [1]


async def test_a_weekly_streak_breaks_after_a_week_without_activity(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    badge = await create_badge(staff, criteria="WEEKLY_STREAK", thresholds=["3"])
    monday = datetime(2026, 1, 5, 10, tzinfo=UTC)

    async def buy(week: int, day: int = 0) -> None:
        await purchase_event(
            member.id, program.id, occurred_at=monday + timedelta(weeks=week, days=day)
        )

    await buy(0)
    await buy(1)
    await buy(1, day=5)  # the same week again: still two
    await buy(3)  # week 2 was skipped: the streak starts again
    await buy(4)
    assert await levels_of(member.id, badge) == []
    progress = await BadgeProgress.get(member_id=member.id, badge_id=int(badge))
    assert progress.value == 2

    await buy(5)
    assert await levels_of(member.id, badge) == [1]


async def test_a_tier_badge_is_awarded_when_the_rank_is_reached(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    badge = await create_badge(staff, criteria="TIER_REACHED", thresholds=["2"])
    silver = await create_tier(SYSTEM, program.id, "Silver", 1)
    gold = await create_tier(SYSTEM, program.id, "Gold", 2)
    row = await Member.get(id=member.id)
    async with events.atomic():
        await set_member_tier(row, silver, "test")
    assert await levels_of(member.id, badge) == []
    async with events.atomic():
        await set_member_tier(row, gold, "test")
    assert await levels_of(member.id, badge) == [1]
    async with events.atomic():
        await set_member_tier(row, silver, "review")
        await set_member_tier(row, gold, "test")
    assert await levels_of(member.id, badge) == [1]


async def test_challenge_and_referral_badges_count_their_events(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    challenges = await create_badge(staff, criteria="CHALLENGES_COMPLETED", thresholds=["2"])
    referrals = await create_badge(staff, criteria="REFERRALS_QUALIFIED", thresholds=["1", "2"])
    await emit_event(ChallengeCompleted(challenge_id=1, name="A", points=0), member.id, program.id)
    await qualify_referral_event(member.id, program.id)
    assert await levels_of(member.id, challenges) == []
    assert await levels_of(member.id, referrals) == [1]
    await emit_event(ChallengeCompleted(challenge_id=2, name="B", points=0), member.id, program.id)
    await qualify_referral_event(member.id, program.id)
    assert await levels_of(member.id, challenges) == [1]
    assert await levels_of(member.id, referrals) == [1, 2]


async def test_20_concurrent_events_award_each_level_exactly_once(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    leveled = await create_badge(
        staff,
        criteria="EVENT_COUNT",
        eventType="PURCHASE_RECORDED",
        thresholds=["1", "10", "20"],
        points=5,
    )
    single = await create_badge(staff, criteria="SPEND", thresholds=["50"], points=7)
    await asyncio.gather(*(purchase_event(member.id, program.id, total="5.00") for _ in range(20)))
    assert await levels_of(member.id, leveled) == [1, 2, 3]
    assert await levels_of(member.id, single) == [1]
    progress = await BadgeProgress.get(member_id=member.id, badge_id=int(leveled))
    assert progress.value == 20
    assert await assert_ledger_consistent(member.id) == 3 * 5 + 7
    assert not await Event.filter(program_id=program.id, settled_at__isnull=True).exists()


async def test_a_hidden_badge_shows_only_once_earned(gql: GraphQLClient) -> None:
    program, member, staff = await setup(gql)
    hidden = await create_badge(
        staff,
        name="Secret",
        criteria="EVENT_COUNT",
        eventType="PURCHASE_RECORDED",
        thresholds=["2"],
        hidden=True,
    )
    visible = await create_badge(staff, name="Open", criteria="SPEND", thresholds=["1000"])
    other = await sign_up(gql, program)

    assert [b["id"] for b in (await member.client.query(BADGES))["badges"]] == [visible]
    await purchase_event(member.id, program.id)
    assert [b["id"] for b in (await member.client.query(BADGES))["badges"]] == [visible]
    await purchase_event(member.id, program.id)
    assert [b["id"] for b in (await member.client.query(BADGES))["badges"]] == [hidden, visible]
    assert [b["id"] for b in (await other.client.query(BADGES))["badges"]] == [visible]
    # staff see every active badge
    assert {b["id"] for b in (await staff.query(BADGES))["badges"]} == {hidden, visible}


async def test_events_outside_the_window_or_after_archiving_do_not_count(
    gql: GraphQLClient,
) -> None:
    program, member, staff = await setup(gql)
    now = datetime.now(UTC)
    windowed = await create_badge(
        staff,
        criteria="EVENT_COUNT",
        eventType="PURCHASE_RECORDED",
        thresholds=["1"],
        startsAt=now.isoformat(),
        endsAt=(now + timedelta(days=7)).isoformat(),
    )
    archived = await create_badge(
        staff, criteria="EVENT_COUNT", eventType="PURCHASE_RECORDED", thresholds=["1"]
    )
    payload = await staff.mutate(ARCHIVE_BADGE, {"badgeId": archived})
    assert payload["badge"]["archived"] is True
    assert codes(await staff.mutate(ARCHIVE_BADGE, {"badgeId": archived})) == ["ALREADY_ARCHIVED"]

    await purchase_event(member.id, program.id, occurred_at=now - timedelta(days=1))
    await purchase_event(member.id, program.id, occurred_at=now + timedelta(days=8))
    assert await levels_of(member.id, windowed) == []
    assert await levels_of(member.id, archived) == []
    await purchase_event(member.id, program.id, occurred_at=now + timedelta(days=1))
    assert await levels_of(member.id, windowed) == [1]
    assert await levels_of(member.id, archived) == []


async def test_bad_definitions_are_refused_with_codes(gql: GraphQLClient) -> None:
    _program, member, staff = await setup(gql)
    cases = [
        ({"criteria": "SPEND", "thresholds": []}, "INVALID_CRITERIA"),
        ({"criteria": "SPEND", "thresholds": ["10", "5"]}, "INVALID_CRITERIA"),
        (
            {"criteria": "EVENT_COUNT", "thresholds": ["1.5"], "eventType": "PURCHASE_RECORDED"},
            "INVALID_CRITERIA",
        ),
        # No event type to count (an unknown one is refused by GraphQL: test_schema_enums.py).
        ({"criteria": "EVENT_COUNT", "thresholds": ["1"]}, "INVALID_EVENT_TYPE"),
        ({"criteria": "PRODUCT_QUANTITY", "thresholds": ["1"]}, "INVALID_CRITERIA"),
        ({"criteria": "SPEND", "thresholds": ["1", "2", "3", "4"]}, "INVALID_CRITERIA"),
        ({"criteria": "SPEND", "thresholds": ["1"], "iconUrl": "javascript:x"}, "INVALID_URL"),
        ({"criteria": "SPEND", "thresholds": ["1"], "points": -1}, "INVALID_INPUT"),
        ({"criteria": "SPEND", "thresholds": ["1"], "name": ""}, "INVALID_INPUT"),
    ]
    for fields, code in cases:
        payload = await staff.mutate(CREATE_BADGE, {"name": "x", **fields})
        assert code in codes(payload), (fields, payload)
        assert payload["badge"] is None
    # a member cannot define badges
    assert (
        await member.client.error_code(
            CREATE_BADGE, {"input": {"name": "x", "criteria": "SPEND", "thresholds": ["1"]}}
        )
        == "FORBIDDEN"
    )


async def test_staff_of_another_program_cannot_touch_a_badge(gql: GraphQLClient) -> None:
    _program, _member, staff = await setup(gql)
    badge = await create_badge(staff, criteria="SPEND", thresholds=["10"])
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    payload = await stranger.mutate(UPDATE_BADGE, {"badgeId": badge, "name": "Mine"})
    assert codes(payload) == ["NOT_FOUND"]
    assert codes(await stranger.mutate(ARCHIVE_BADGE, {"badgeId": badge})) == ["NOT_FOUND"]
    assert codes(await staff.mutate(UPDATE_BADGE, {"badgeId": "abc", "name": "x"})) == ["NOT_FOUND"]
    # and the owner can rename it and change its levels
    payload = await staff.mutate(
        UPDATE_BADGE, {"badgeId": badge, "name": "Big spender", "thresholds": ["10", "20"]}
    )
    assert payload["badge"] == {
        "id": badge,
        "name": "Big spender",
        "thresholds": ["10.00", "20.00"],
    }


async def test_events_of_another_program_never_move_a_badge(gql: GraphQLClient) -> None:
    _program, _member, staff = await setup(gql)
    badge = await create_badge(
        staff, criteria="EVENT_COUNT", eventType="PURCHASE_RECORDED", thresholds=["1"]
    )
    elsewhere = await new_program()
    outsider = await sign_up(gql, elsewhere)
    await purchase_event(outsider.id, elsewhere.id)
    assert not await BadgeProgress.exists(badge_id=int(badge))
    assert EventType.BADGE_AWARDED.value not in {
        e.type for e in await Event.filter(program_id=elsewhere.id)
    }
