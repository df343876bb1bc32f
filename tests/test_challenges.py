"""Challenges: progress only inside the window and after joining, individual and collective
completion rewarded once (under concurrency too), joining rules, and idempotent closing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from arq import Worker
from redis.asyncio import Redis
from starlette.applications import Starlette

from badges.models import BadgeAward
from challenges import community
from challenges.models import Challenge, ChallengeParticipant
from challenges.progress import standings
from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events.models import Event
from gamification.points.models import EarningRuleKind, LedgerEntry
from gamification.points.tiers import create_tier, set_member_tier
from gamification.programs.models import Program
from tests.builders import (
    RECORD_PURCHASE,
    SignedUpMember,
    add_rule,
    assert_ledger_consistent,
    give_points,
    integration_client,
    new_program,
    purchase_event,
    purchase_input,
    qualify_referral_event,
    sign_up,
    staff_client,
    unique,
)
from tests.graphql import GraphQLClient, codes
from tests.workers import run_burst_worker

CREATE_CHALLENGE = """
mutation($input: CreateChallengeInput!) {
  createChallenge(input: $input) {
    challenge { id name kind metric enrolment target status }
    errors { code field message }
  }
}
"""
UPDATE_CHALLENGE = """
mutation($input: UpdateChallengeInput!) {
  updateChallenge(input: $input) { challenge { id target name } errors { code field } }
}
"""
ARCHIVE_CHALLENGE = """
mutation($input: ArchiveChallengeInput!) {
  archiveChallenge(input: $input) { challenge { id status } errors { code field } }
}
"""
JOIN = """
mutation($input: JoinChallengeInput!) {
  joinChallenge(input: $input) {
    challenge { id participants myProgress { value completed } }
    errors { code field }
  }
}
"""
CHALLENGES = """
query {
  challenges {
    id name kind startsAt endsAt target status
    myProgress { value completed } communityProgress results participants
  }
}
"""
LEADERBOARD = """
query($board: String!) { leaderboard(board: $board) { me { rank score } } }
"""
CREATE_BADGE = """
mutation($input: CreateBadgeInput!) {
  createBadge(input: $input) { badge { id } errors { code } }
}
"""

NOW = datetime.now(UTC).replace(microsecond=0)


async def create_challenge(staff: GraphQLClient, **fields: Any) -> str:
    values = {
        # Names are unique per program: each challenge of a test gets its own by default.
        "name": unique("Buy three"),
        "metric": "PURCHASES",
        "kind": "INDIVIDUAL",
        "target": "3",
        "startsAt": (NOW - timedelta(days=1)).isoformat(),
        "endsAt": (NOW + timedelta(days=1)).isoformat(),
        "enrolment": "OPT_IN",
        **fields,
    }
    payload = await staff.mutate(CREATE_CHALLENGE, values)
    assert payload["errors"] == [], payload["errors"]
    return payload["challenge"]["id"]


async def mine(client: GraphQLClient, challenge_id: str) -> dict[str, Any]:
    rows = (await client.query(CHALLENGES))["challenges"]
    return next(c for c in rows if c["id"] == challenge_id)


async def completions(challenge_id: str) -> list[int]:
    rows = await Event.filter(type="CHALLENGE_COMPLETED")
    return sorted(e.member_id for e in rows if e.data["challenge_id"] == int(challenge_id))


async def run_worker(app: Starlette, redis_url: str, *jobs: str) -> Worker:
    for job in jobs:
        await app.state.arq.enqueue_job(job)
    worker = await run_burst_worker(redis_url)
    return worker


async def test_an_opt_in_challenge_counts_only_after_joining_and_rewards_once(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    badge = (await staff.mutate(CREATE_BADGE, {"name": "Finisher", "criteria": "MANUAL"}))["badge"][
        "id"
    ]
    challenge = await create_challenge(staff, rewardPoints=50, rewardBadgeId=badge)

    # a purchase before joining does not count
    await purchase_event(member.id, program.id, occurred_at=NOW - timedelta(hours=1))
    assert (await mine(member.client, challenge))["myProgress"] is None
    payload = await member.client.mutate(JOIN, {"challengeId": challenge})
    assert payload["errors"] == []
    assert payload["challenge"]["myProgress"] == {"value": "0", "completed": False}
    # joining again is harmless
    again = await member.client.mutate(JOIN, {"challengeId": challenge})
    assert again["errors"] == [] and again["challenge"]["participants"] == 1
    await purchase_event(member.id, program.id, occurred_at=NOW - timedelta(minutes=30))

    for _ in range(3):
        await purchase_event(member.id, program.id)
    view = await mine(member.client, challenge)
    assert view["myProgress"] == {"value": "3", "completed": True}
    await purchase_event(member.id, program.id)
    view = await mine(member.client, challenge)
    assert view["myProgress"] == {"value": "3", "completed": True}

    assert await completions(challenge) == [member.id]
    assert await assert_ledger_consistent(member.id) == 50
    assert await BadgeAward.filter(member_id=member.id, badge_id=int(badge)).count() == 1
    joined = await Event.filter(member_id=member.id, type="CHALLENGE_JOINED").count()
    assert joined == 1


async def test_events_outside_the_window_do_not_count(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    challenge = await create_challenge(
        staff,
        enrolment="AUTOMATIC",
        metric="SPEND",
        target="100.00",
        startsAt=NOW.isoformat(),
        endsAt=(NOW + timedelta(days=2)).isoformat(),
    )
    await purchase_event(member.id, program.id, "80.00", occurred_at=NOW - timedelta(seconds=1))
    await purchase_event(member.id, program.id, "80.00", occurred_at=NOW + timedelta(days=2))
    assert (await mine(member.client, challenge))["myProgress"] is None

    await purchase_event(member.id, program.id, "60.50", occurred_at=NOW)
    await purchase_event(member.id, program.id, "39.49", occurred_at=NOW + timedelta(days=1))
    view = await mine(member.client, challenge)
    assert view["myProgress"] == {"value": "99.99", "completed": False}
    assert view["communityProgress"] == "99.99"
    await purchase_event(member.id, program.id, "0.01", occurred_at=NOW + timedelta(days=1))
    assert (await mine(member.client, challenge))["myProgress"]["completed"] is True


async def test_quantity_points_and_referral_metrics(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    coffee = await create_challenge(
        staff, enrolment="AUTOMATIC", metric="QUANTITY", category="coffee", target="4"
    )
    points = await create_challenge(
        staff, enrolment="AUTOMATIC", metric="POINTS_EARNED", target="100"
    )
    referrals = await create_challenge(staff, enrolment="AUTOMATIC", metric="REFERRALS", target="2")
    lines = [
        {"sku": "ESP", "category": "coffee", "quantity": 3, "unit_price": "2.00"},
        {"sku": "CAKE", "category": "food", "quantity": 2, "unit_price": "4.00"},
    ]
    await purchase_event(member.id, program.id, "14.00", lines=lines)
    await give_points(member.id, 60)
    await qualify_referral_event(member.id, program.id)
    assert (await mine(member.client, coffee))["myProgress"]["value"] == "3"
    assert (await mine(member.client, points))["myProgress"]["value"] == "60"
    assert (await mine(member.client, referrals))["myProgress"]["value"] == "1"

    await purchase_event(member.id, program.id, "2.00", lines=lines[:1])
    await give_points(member.id, 40)
    await qualify_referral_event(member.id, program.id)
    assert await completions(coffee) == [member.id]
    assert await completions(points) == [member.id]
    assert await completions(referrals) == [member.id]


async def test_20_concurrent_events_complete_an_individual_challenge_once(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    challenge = await create_challenge(staff, enrolment="AUTOMATIC", target="5", rewardPoints=30)
    await asyncio.gather(*(purchase_event(member.id, program.id) for _ in range(20)))
    assert await completions(challenge) == [member.id]
    assert await assert_ledger_consistent(member.id) == 30
    assert not await Event.filter(program_id=program.id, settled_at__isnull=True).exists()
    participant = await ChallengeParticipant.get(member_id=member.id, challenge_id=int(challenge))
    assert participant.progress == 5  # nothing counts once completed


async def test_a_collective_challenge_rewards_every_contributor_once_when_reached(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    members = [await sign_up(gql, program) for _ in range(4)]
    bystander = await sign_up(gql, program)
    challenge = await create_challenge(
        staff,
        kind="COLLECTIVE",
        enrolment="AUTOMATIC",
        metric="SPEND",
        target="100.00",
        rewardPoints=20,
    )
    await purchase_event(members[0].id, program.id, "40.00")
    await purchase_event(members[1].id, program.id, "40.00")
    view = await mine(members[0].client, challenge)
    assert view["communityProgress"] == "80.00"
    assert view["myProgress"] == {"value": "40.00", "completed": False}
    assert await completions(challenge) == []

    # the last two race to the target
    await asyncio.gather(
        purchase_event(members[2].id, program.id, "15.00"),
        purchase_event(members[3].id, program.id, "15.00"),
    )
    contributors = sorted(m.id for m in members)
    assert await completions(challenge) == contributors
    for m in members:
        assert await assert_ledger_consistent(m.id) == 20
        assert (await mine(m.client, challenge))["myProgress"]["completed"] is True
    assert await assert_ledger_consistent(bystander.id) == 0
    assert (await mine(bystander.client, challenge))["myProgress"] is None

    # after the target is reached nothing more counts or pays
    await purchase_event(bystander.id, program.id, "50.00")
    assert await completions(challenge) == contributors
    row = await Challenge.get(id=int(challenge))
    assert row.reached_at is not None
    assert (await community.totals([row.id]))[row.id] == 11000


async def test_20_members_racing_a_collective_target_are_each_rewarded_once(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    members = [await sign_up(gql, program) for _ in range(20)]
    challenge = await create_challenge(
        staff, kind="COLLECTIVE", enrolment="AUTOMATIC", target="10", rewardPoints=5
    )
    await asyncio.gather(*(purchase_event(m.id, program.id) for m in members))
    rewarded = await completions(challenge)
    assert len(rewarded) == len(set(rewarded)) >= 10
    for m in members:
        assert await assert_ledger_consistent(m.id) == (5 if m.id in rewarded else 0)
    # no handler failed (a deadlock would leave its event unsettled)
    assert not await Event.filter(program_id=program.id, settled_at__isnull=True).exists()


async def test_joining_rules(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    first, second = await sign_up(gql, program), await sign_up(gql, program)
    small = await create_challenge(staff, maxParticipants=1)
    assert (await first.client.mutate(JOIN, {"challengeId": small}))["errors"] == []
    assert codes(await second.client.mutate(JOIN, {"challengeId": small})) == ["CHALLENGE_FULL"]

    gold_only = await create_challenge(staff, minTierRank=2)
    assert codes(await first.client.mutate(JOIN, {"challengeId": gold_only})) == [
        "CHALLENGE_NOT_ELIGIBLE"
    ]
    gold = await create_tier(SYSTEM, program.id, "Gold", 2)
    row = await Member.get(id=first.id)
    async with events.atomic():
        await set_member_tier(row, gold, "test")
    assert (await first.client.mutate(JOIN, {"challengeId": gold_only}))["errors"] == []

    over = await create_challenge(
        staff,
        startsAt=(NOW - timedelta(days=3)).isoformat(),
        endsAt=(NOW - timedelta(days=2)).isoformat(),
    )
    assert codes(await first.client.mutate(JOIN, {"challengeId": over})) == ["CHALLENGE_NOT_OPEN"]
    archived = await create_challenge(staff)
    await staff.mutate(ARCHIVE_CHALLENGE, {"challengeId": archived})
    assert codes(await first.client.mutate(JOIN, {"challengeId": archived})) == [
        "CHALLENGE_NOT_OPEN"
    ]

    elsewhere = await create_challenge(await staff_client(gql, await new_program(), "MANAGER"))
    assert codes(await first.client.mutate(JOIN, {"challengeId": elsewhere})) == ["NOT_FOUND"]
    assert codes(await first.client.mutate(JOIN, {"challengeId": "x"})) == ["NOT_FOUND"]
    assert await staff.error_code(JOIN, {"input": {"challengeId": small}}) == "FORBIDDEN"


async def test_bad_definitions_are_refused_with_codes(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    cases = [
        ({"target": "0"}, "INVALID_INPUT"),
        ({"target": "1.5"}, "INVALID_INPUT"),
        ({"endsAt": (NOW - timedelta(days=2)).isoformat()}, "INVALID_WINDOW"),
        ({"metric": "QUANTITY"}, "INVALID_CRITERIA"),
        ({"rewardPoints": -5}, "INVALID_INPUT"),
        ({"maxParticipants": 0}, "INVALID_INPUT"),
        ({"rewardBadgeId": "999999"}, "NOT_FOUND"),
        ({"name": " "}, "INVALID_INPUT"),
    ]
    for fields, code in cases:
        values = {
            "name": "x",
            "metric": "PURCHASES",
            "kind": "INDIVIDUAL",
            "target": "3",
            "startsAt": NOW.isoformat(),
            "endsAt": (NOW + timedelta(days=1)).isoformat(),
            **fields,
        }
        payload = await staff.mutate(CREATE_CHALLENGE, values)
        assert code in codes(payload), (fields, payload)
    challenge = await create_challenge(staff)
    payload = await staff.mutate(UPDATE_CHALLENGE, {"challengeId": challenge, "target": "5"})
    assert payload["challenge"]["target"] == "5"
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    payload = await stranger.mutate(UPDATE_CHALLENGE, {"challengeId": challenge, "name": "x"})
    assert codes(payload) == ["NOT_FOUND"]


async def test_ranking_goes_to_progress_then_to_whoever_got_there_first(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    a, b, c = [await sign_up(gql, program) for _ in range(3)]
    challenge = await create_challenge(staff, enrolment="AUTOMATIC", target="100")
    with clock.frozen_at(NOW) as time:
        await purchase_event(b.id, program.id)
        time.advance(timedelta(seconds=1))
        await purchase_event(a.id, program.id)
        time.advance(timedelta(seconds=1))
        await purchase_event(c.id, program.id)
        await purchase_event(c.id, program.id)
    ranked = await standings(int(challenge))
    assert [s.member_id for s in ranked] == [c.id, b.id, a.id]
    assert [s.progress for s in ranked] == [2, 1, 1]
    board = await a.client.query(LEADERBOARD, {"board": f"challenge:{challenge}"})
    assert board["leaderboard"]["me"]["rank"] == 3


async def test_the_closing_scan_ends_challenges_once_and_stores_results(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    challenge = await create_challenge(staff, enrolment="AUTOMATIC", target="2")
    running = await create_challenge(
        staff, enrolment="AUTOMATIC", endsAt=(NOW + timedelta(days=30)).isoformat()
    )
    await purchase_event(member.id, program.id)
    with clock.frozen_at(NOW + timedelta(days=2)):
        first = await run_worker(app, redis_url, "close_challenges")
        second = await run_worker(app, redis_url, "close_challenges")
    assert first.jobs_failed == 0 and second.jobs_failed == 0
    view = await mine(member.client, challenge)
    assert view["status"] == "ENDED"
    results = view["results"]
    assert results["participants"] == 1 and results["completed"] == 0
    assert results["top"][0]["member_id"] == member.id
    assert (await mine(member.client, running))["status"] == "ACTIVE"
    closed_at = (await Challenge.get(id=int(challenge))).closed_at
    with clock.frozen_at(NOW + timedelta(days=3)):
        await run_worker(app, redis_url, "close_challenges")
    assert (await Challenge.get(id=int(challenge))).closed_at == closed_at
    # an ended challenge counts nothing more
    await purchase_event(member.id, program.id, occurred_at=NOW)
    assert (await mine(member.client, challenge))["myProgress"]["value"] == "1"


async def test_20_concurrent_joins_fill_a_challenge_exactly_to_its_maximum(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    challenge = await create_challenge(staff, maxParticipants=5)
    members = [await sign_up(gql, program) for _ in range(20)]
    results = await asyncio.gather(
        *(m.client.mutate(JOIN, {"challengeId": challenge}) for m in members)
    )
    assert sorted(tuple(codes(r)) for r in results) == [()] * 5 + [("CHALLENGE_FULL",)] * 15
    assert await ChallengeParticipant.filter(challenge_id=int(challenge)).count() == 5
    assert (await Challenge.get(id=int(challenge))).participants == 5


async def test_automatic_enrolments_are_counted_without_a_row_every_member_waits_on(
    gql: GraphQLClient,
) -> None:
    # given an automatic challenge without a cap, and one with a cap of 2
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    open_to_all = await create_challenge(staff, enrolment="AUTOMATIC", target="50")
    capped = await create_challenge(staff, enrolment="AUTOMATIC", target="50", maxParticipants=2)
    members = [await sign_up(gql, program) for _ in range(4)]
    # when the four members make their first purchases at once
    await asyncio.gather(*(purchase_event(m.id, program.id) for m in members))
    # then all four take part in the uncapped one, counted from their rows: its challenge row,
    # which every member's first event would otherwise lock, was never written
    assert (await mine(members[0].client, open_to_all))["participants"] == 4
    assert (await Challenge.get(id=int(open_to_all))).participants == 0
    # and the capped one still counts its seats on the row, and stops at its cap
    assert (await mine(members[0].client, capped))["participants"] == 2
    assert (await Challenge.get(id=int(capped))).participants == 2
    assert await ChallengeParticipant.filter(challenge_id=int(capped)).count() == 2


async def test_one_member_joining_ten_times_at_once_joins_once(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    challenge = await create_challenge(staff, maxParticipants=3)
    member = await sign_up(gql, program)
    results = await asyncio.gather(
        *(member.client.mutate(JOIN, {"challengeId": challenge}) for _ in range(10))
    )
    assert all(r["errors"] == [] for r in results)
    assert (await Challenge.get(id=int(challenge))).participants == 1
    joined = await Event.filter(member_id=member.id, type="CHALLENGE_JOINED").count()
    assert joined == 1


# --- collective targets: the database's total decides, the Redis counter only notices ---


async def _collective(
    gql: GraphQLClient, contributors: int, **fields: Any
) -> tuple[Program, list[SignedUpMember], Challenge]:
    """A program, some members and a running COLLECTIVE challenge made by a manager (automatic,
    3 purchases, 5 points to each contributor unless `fields` say otherwise)."""
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    members = [await sign_up(gql, program) for _ in range(contributors)]
    values: dict[str, Any] = {
        "kind": "COLLECTIVE",
        "enrolment": "AUTOMATIC",
        "target": "3",
        "rewardPoints": 5,
        **fields,
    }
    challenge = await create_challenge(staff, **values)
    return program, members, await Challenge.get(id=int(challenge))


async def _rewards_of(challenge: Challenge, member_id: int) -> int:
    """How many times a member was paid for this challenge (ledger entries)."""
    return await LedgerEntry.filter(
        member_id=member_id, reference=f"challenge:{challenge.id}"
    ).count()


async def test_a_collective_target_crossed_after_redis_lost_its_counter_is_reached_at_once(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given a collective challenge of 3 purchases, two of them made and counted in Redis
    program, members, challenge = await _collective(gql, 3)
    key = community.counter_key(program.id, challenge.id)
    for member in members[:2]:
        await purchase_event(member.id, program.id)
    assert await redis.get(key) == "2"
    assert (await Challenge.get(id=challenge.id)).reached_at is None
    # when Redis loses everything, then the third purchase is made
    await redis.flushdb()
    await purchase_event(members[2].id, program.id)
    # then the counter starts again from the database's total, so the target is reached at once,
    # without waiting for the closing scan
    assert await redis.get(key) == "3"
    assert (await Challenge.get(id=challenge.id)).reached_at is not None
    assert await completions(str(challenge.id)) == sorted(m.id for m in members)
    for member in members:
        assert await _rewards_of(challenge, member.id) == 1
        assert await assert_ledger_consistent(member.id) == 5


async def test_a_counter_ahead_of_the_database_reaches_nothing_and_is_set_right(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given a collective challenge of 3 purchases whose Redis counter says far more than the
    # database holds (keys left from another database, or a restore)
    program, members, challenge = await _collective(gql, 3)
    key = community.counter_key(program.id, challenge.id)
    await purchase_event(members[0].id, program.id)
    await redis.set(key, 1_000)
    # when the next purchase is counted
    await purchase_event(members[1].id, program.id)
    # then the database decides: not reached, nobody rewarded, and the counter is set back to
    # the database's total, so later events do not each check it again
    assert (await Challenge.get(id=challenge.id)).reached_at is None
    assert await completions(str(challenge.id)) == []
    assert await redis.get(key) == "2"
    # and the real crossing still reaches it
    await purchase_event(members[2].id, program.id)
    assert (await Challenge.get(id=challenge.id)).reached_at is not None


async def test_the_closing_scan_reaches_a_collective_target_that_no_counter_noticed(
    gql: GraphQLClient, app: Starlette, redis_url: str, redis: Redis
) -> None:
    # given a collective challenge of 3 purchases whose Redis counter lost the first one (reset
    # to 0 after it), so that it stays below the target while the database's total gets there
    program, members, challenge = await _collective(gql, 3)
    key = community.counter_key(program.id, challenge.id)
    await purchase_event(members[0].id, program.id)
    assert await redis.get(key) == "1"
    await redis.set(key, 0)
    for member in members[1:]:
        await purchase_event(member.id, program.id)
    assert await redis.get(key) == "2"
    assert (await community.totals([challenge.id]))[challenge.id] == 3
    assert (await Challenge.get(id=challenge.id)).reached_at is None
    assert await completions(str(challenge.id)) == []
    # when the closing scan runs (the worker's cron job)
    worker = await run_worker(app, redis_url, "close_challenges")
    # then it reaches the challenge and rewards every contributor once
    assert worker.jobs_failed == 0
    reached_at = (await Challenge.get(id=challenge.id)).reached_at
    assert reached_at is not None
    assert await completions(str(challenge.id)) == sorted(m.id for m in members)
    # and running it again (the job or the service) reaches and rewards nobody again
    again = await run_worker(app, redis_url, "close_challenges")
    assert again.jobs_failed == 0
    assert await community.reach_due() == 0
    assert (await Challenge.get(id=challenge.id)).reached_at == reached_at
    assert await completions(str(challenge.id)) == sorted(m.id for m in members)
    for member in members:
        assert await _rewards_of(challenge, member.id) == 1
        assert await assert_ledger_consistent(member.id) == 5
    # a challenge still running stays open: reaching its target does not close it
    assert (await Challenge.get(id=challenge.id)).status == "ACTIVE"


async def test_20_purchases_crossing_a_collective_target_sum_to_its_total_and_reward_each_once(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    # given a program earning 1 point per euro, 20 members, and a collective challenge of 100
    # euros of spend paying 5 points to each contributor
    program, members, challenge = await _collective(
        gql, 20, metric="SPEND", target="100.00", rewardPoints=5
    )
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    till = await integration_client(gql, program)
    # when the 20 buy for 10 euros each at the same time over the till's endpoint, crossing the
    # target in the middle
    results = await asyncio.gather(
        *(
            till.mutate(
                RECORD_PURCHASE, purchase_input(m.id, lines=[("SKU-1", "misc", 1, "10.00")])
            )
            for m in members
        )
    )
    assert all(r["errors"] == [] for r in results), results
    contributors = sorted(
        await ChallengeParticipant.filter(challenge_id=challenge.id, progress__gt=0).values_list(
            "member_id", flat=True
        )
    )
    # then the challenge is reached, and its community total is exactly what its contributors
    # bought (10 euros each, no event counted twice or lost), as the API shows it
    assert (await Challenge.get(id=challenge.id)).reached_at is not None
    assert len(contributors) >= 10
    progress = await ChallengeParticipant.filter(challenge_id=challenge.id).values_list(
        "progress", flat=True
    )
    assert sorted(progress) == [1000] * len(contributors)
    total = (await community.totals([challenge.id]))[challenge.id]
    assert total == 1000 * len(contributors) >= challenge.target
    view = await mine(members[0].client, str(challenge.id))
    assert Decimal(view["communityProgress"]) == Decimal(total) / 100
    # and every contributor is rewarded exactly once by the time the purchases have answered
    # (those whose contribution committed after the crossing's reach too), nobody else is, every
    # ledger adds up, and no handler failed
    assert await completions(str(challenge.id)) == contributors
    for member in members:
        paid = 1 if member.id in contributors else 0
        assert await _rewards_of(challenge, member.id) == paid
        assert await assert_ledger_consistent(member.id) == 10 + 5 * paid
    assert not await Event.filter(program_id=program.id, settled_at__isnull=True).exists()
    # and once the challenge has ended, the closing scan stores the total and rewards nobody
    # again, however often it runs
    with clock.frozen_at(NOW + timedelta(days=2)):
        for _ in range(2):
            assert (await run_worker(app, redis_url, "close_challenges")).jobs_failed == 0
    closed = await Challenge.get(id=challenge.id)
    assert closed.status == "ENDED" and closed.results is not None
    assert closed.results["reached"] is True
    assert Decimal(closed.results["community_total"]) == Decimal(total) / 100
    assert await completions(str(challenge.id)) == contributors
    for member in members:
        paid = 1 if member.id in contributors else 0
        assert await _rewards_of(challenge, member.id) == paid
        assert await assert_ledger_consistent(member.id) == 10 + 5 * paid


ANONYMISE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id } errors { code } }
}
"""
BLOCK = """
mutation($input: BlockMemberInput!) { blockMember(input: $input) { errors { code } } }
"""
UNBLOCK = """
mutation($input: UnblockMemberInput!) { unblockMember(input: $input) { errors { code } } }
"""


async def test_an_erased_or_blocked_contributor_does_not_stop_the_others_rewards(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    # given a collective challenge of 4 purchases, and two contributors who, after their
    # purchase, are anonymised (the first) and blocked (the second)
    program, members, challenge = await _collective(gql, 4, target="4")
    admin = await staff_client(gql, program, "ADMIN")
    erased, blocked, *others = members
    await purchase_event(erased.id, program.id)
    await purchase_event(blocked.id, program.id)
    assert (await admin.mutate(ANONYMISE, {"memberId": str(erased.id)}))["errors"] == []
    block = {"memberId": str(blocked.id), "reason": "check"}
    assert (await admin.mutate(BLOCK, block))["errors"] == []
    # when the two others' purchases reach the target
    for member in others:
        await purchase_event(member.id, program.id)
    # then the two others are rewarded at once, the erased and the blocked accounts are not
    assert (await Challenge.get(id=challenge.id)).reached_at is not None
    for member in others:
        assert await _rewards_of(challenge, member.id) == 1
        assert await assert_ledger_consistent(member.id) == 5
    assert await _rewards_of(challenge, erased.id) == await _rewards_of(challenge, blocked.id) == 0
    # and once the blocked member is unblocked, the closing scan pays them (once), never the
    # erased one, and closes the challenge
    assert (await admin.mutate(UNBLOCK, {"memberId": str(blocked.id)}))["errors"] == []
    with clock.frozen_at(NOW + timedelta(days=2)):
        for _ in range(2):
            assert (await run_worker(app, redis_url, "close_challenges")).jobs_failed == 0
    assert (await Challenge.get(id=challenge.id)).status == "ENDED"
    assert await completions(str(challenge.id)) == sorted([blocked.id, *(m.id for m in others)])
    for member in (blocked, *others):
        assert await _rewards_of(challenge, member.id) == 1
        assert await assert_ledger_consistent(member.id) == 5
    assert await assert_ledger_consistent(erased.id) == 0


async def test_a_tier_rank_out_of_range_is_refused_as_everywhere_else(gql: GraphQLClient) -> None:
    from gamification.rewards import eligibility

    program = await new_program()
    staff = await staff_client(gql, program)
    for rank in (-1, eligibility.MAX_RANK + 1):
        values = {
            "name": "Gold only",
            "metric": "PURCHASES",
            "kind": "INDIVIDUAL",
            "target": "3",
            "startsAt": (NOW - timedelta(days=1)).isoformat(),
            "endsAt": (NOW + timedelta(days=1)).isoformat(),
            "minTierRank": rank,
        }
        payload = await staff.mutate(CREATE_CHALLENGE, values)
        # the rule and the words of games, contests and rewards (eligibility.check_rank_input)
        assert payload["errors"] == [
            {
                "code": "INVALID_INPUT",
                "field": "minTierRank",
                "message": f"A rank is between 0 and {eligibility.MAX_RANK}.",
            }
        ], rank


async def test_no_caller_of_one_program_reads_a_challenge_board_of_another(
    gql: GraphQLClient,
) -> None:
    # given a challenge with progress in program B
    other = await new_program()
    other_staff = await staff_client(gql, other, "MANAGER")
    theirs = await create_challenge(other_staff, enrolment="AUTOMATIC", target="100")
    player = await sign_up(gql, other)
    await purchase_event(player.id, other.id)
    board = {"board": f"challenge:{theirs}"}
    assert (await player.client.query(LEADERBOARD, board))["leaderboard"]["me"]["rank"] == 1
    # when a member, staff and an integration of program A ask for it
    program = await new_program()
    member = await sign_up(gql, program)
    callers = [
        member.client,
        await staff_client(gql, program, "ADMIN"),
        await integration_client(gql, program),
    ]
    for caller in callers:
        # then the board is unknown to them, as one that does not exist at all
        assert await caller.error_code(LEADERBOARD, board) == "UNKNOWN_LEADERBOARD"
        unknown = {"board": "challenge:999999999"}
        assert await caller.error_code(LEADERBOARD, unknown) == "UNKNOWN_LEADERBOARD"
