"""Program reports on a hand-computed data set."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from tortoise import connections

from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.events.payloads import (
    BadgeAwarded,
    ChallengeCompleted,
    ContestEntered,
    GamePlayed,
    Payload,
    PrizeWon,
    ReferralQualified,
)
from gamification.points import ledger
from gamification.points.models import EarningRuleKind, LedgerKind
from tests.builders import (
    RECORD_PURCHASE,
    SignedUpMember,
    add_rule,
    emit_event,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient

REPORT = """
query($from: DateTime!, $to: DateTime!, $interval: ReportInterval) {
  programReport(from: $from, to: $to, interval: $interval) {
    start end membersTotal membersNew membersActive
    pointsIssued pointsRedeemed pointsExpired pointsAdjusted pointsOutstanding
    liability { amount currency } redemptionRate
    tierDistribution { tierName members }
    series { start end membersNew pointsIssued }
  }
}
"""

ADJUST = """
mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) { errors { code } } }
"""

JAN = datetime(2026, 1, 1, tzinfo=UTC)


async def test_ledger_figures_add_up_by_hand(gql: GraphQLClient) -> None:
    # given, in January: two members; 100 + 50 issued, 30 redeemed, -10 and +5 adjusted,
    # and 20 of a lot expiring on January 20th
    program = await new_program(point_value="0.01")
    manager = await staff_client(gql, program, "MANAGER")
    analyst = await staff_client(gql, program, "ANALYST")
    with clock.frozen_at(JAN + timedelta(days=2)) as time:
        ann = await sign_up(gql, program)
        bob = await sign_up(gql, program)
        await give_points(ann.id, 100)
        await give_points(bob.id, 50, JAN + timedelta(days=20))
        async with events.atomic():
            await ledger.spend(await Member.get(id=ann.id), 30, LedgerKind.REDEEM)
        for delta, key in ((-10, "a1"), (5, "a2")):
            await manager.mutate(
                ADJUST,
                {"memberId": str(ann.id), "delta": delta, "reason": "fix", "idempotencyKey": key},
            )
        async with events.atomic():
            await ledger.spend(await Member.get(id=bob.id), 30, LedgerKind.REDEEM)
        time.set(JAN + timedelta(days=21))
        assert await ledger.expire_due_lots() == 20
    # and in February a third member, and 7 more points
    with clock.frozen_at(JAN + timedelta(days=40)):
        cid = await sign_up(gql, program)
        await give_points(cid.id, 7)

    january = (
        await analyst.query(
            REPORT, {"from": JAN.isoformat(), "to": (JAN + timedelta(days=31)).isoformat()}
        )
    )["programReport"]
    assert january["membersTotal"] == 2 and january["membersNew"] == 2
    assert january["pointsIssued"] == 150
    assert january["pointsRedeemed"] == 60
    assert january["pointsExpired"] == 20
    assert january["pointsAdjusted"] == -5
    assert january["pointsOutstanding"] == 150 - 60 - 20 - 5
    assert january["liability"] == {"amount": "0.65", "currency": "EUR"}
    assert january["redemptionRate"] == "0.4000"

    year = (
        await analyst.query(
            REPORT,
            {
                "from": JAN.isoformat(),
                "to": (JAN + timedelta(days=59)).isoformat(),
                "interval": "MONTH",
            },
        )
    )["programReport"]
    assert year["membersTotal"] == 3
    assert year["pointsOutstanding"] == 72
    assert [(b["membersNew"], b["pointsIssued"]) for b in year["series"]] == [(2, 150), (1, 7)]
    assert year["tierDistribution"] == [{"tierName": None, "members": 3}]


async def test_a_bad_period_is_a_coded_error(gql: GraphQLClient) -> None:
    program = await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    body = await analyst.raw(
        REPORT, {"from": JAN.isoformat(), "to": (JAN - timedelta(days=1)).isoformat()}
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await analyst.raw(
        REPORT,
        {
            "from": JAN.isoformat(),
            "to": (JAN + timedelta(days=900)).isoformat(),
            "interval": "DAY",
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_members_cannot_read_reports(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    body = await member.client.raw(
        REPORT, {"from": JAN.isoformat(), "to": (JAN + timedelta(days=1)).isoformat()}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


REFUND = """
mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) { errors { code } } }
"""

SALES = """
query($from: DateTime!, $to: DateTime!) {
  programReport(from: $from, to: $to) {
    membersActive purchases revenue { amount currency } averageBasket { amount }
    repeatPurchaseRate pointsIssued pointsReversed
  }
}
"""


async def test_sales_figures_count_refunds_and_repeat_buyers(gql: GraphQLClient) -> None:
    # given: Ann buys 40.00 and 20.00 (then 10.00 of it is refunded), Bob buys 30.00 once,
    # and Cid buys in the next month
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    till = await integration_client(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    day = JAN + timedelta(days=3)
    with clock.frozen_at(day):
        ann, bob, cid = [await sign_up(gql, program) for _ in range(3)]
        for member, external_id, price in (
            (ann, "a1", "40.00"),
            (ann, "a2", "20.00"),
            (bob, "b1", "30.00"),
        ):
            payload = await till.mutate(
                RECORD_PURCHASE,
                purchase_input(member.id, external_id, [("S", "c", 1, price)], occurred_at=day),
            )
            assert payload["errors"] == []
        await till.mutate(REFUND, {"externalId": "a2", "refundId": "r1", "amount": "10.00"})
        await till.mutate(
            RECORD_PURCHASE,
            purchase_input(
                cid.id, "c1", [("S", "c", 1, "99.00")], occurred_at=JAN + timedelta(days=40)
            ),
        )
    january = (
        await analyst.query(
            SALES, {"from": JAN.isoformat(), "to": (JAN + timedelta(days=31)).isoformat()}
        )
    )["programReport"]
    assert january["purchases"] == 3
    assert january["revenue"] == {"amount": "80.00", "currency": "EUR"}
    assert january["averageBasket"] == {"amount": "26.67"}
    assert january["membersActive"] == 2
    assert january["repeatPurchaseRate"] == "0.5000"
    assert january["pointsIssued"] == 90
    assert january["pointsReversed"] == 10


ENGAGEMENT = """
query($from: DateTime!, $to: DateTime!) {
  programReport(from: $from, to: $to) {
    membersActive badgesAwarded challengesCompleted gamePlays prizesWon contestEntries
    referralsQualified
  }
}
"""


async def test_engagement_figures_count_their_events_in_the_period(gql: GraphQLClient) -> None:
    program = await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    inside, outside = JAN + timedelta(days=5), JAN + timedelta(days=45)
    with clock.frozen_at(JAN):
        player, other = await sign_up(gql, program), await sign_up(gql, program)
    badge = BadgeAwarded(badge_id=1, level=1, name="Regular", points=0)
    given: list[tuple[Payload, SignedUpMember, datetime]] = [
        (badge, player, inside),
        (badge, other, inside),
        (ChallengeCompleted(challenge_id=1, name="Ten visits", points=0), player, inside),
        (GamePlayed(game_id=1, play_id=1, won=True), player, inside),
        (GamePlayed(game_id=1, play_id=2, won=False), player, outside),
        (PrizeWon(prize_id=1, game_id=1, play_id=1, kind="POINTS"), player, inside),
        (ContestEntered(contest_id=1, entries=3), other, inside),
        (ReferralQualified(referral_id=1, referee_id=player.id), other, outside),
    ]
    for payload, member, at in given:
        await emit_event(payload, member.id, program.id, at)
    january = (
        await analyst.query(
            ENGAGEMENT, {"from": JAN.isoformat(), "to": (JAN + timedelta(days=31)).isoformat()}
        )
    )["programReport"]
    assert january == {
        "membersActive": 1,  # the player played; a badge or an entry alone is not activity
        "badgesAwarded": 2,
        "challengesCompleted": 1,
        "gamePlays": 1,
        "prizesWon": 1,
        "contestEntries": 1,
        "referralsQualified": 0,
    }


async def test_the_report_csv_streams_one_row_per_interval(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    program = await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    with clock.frozen_at(JAN + timedelta(days=3)):
        member = await sign_up(gql, program)
        await give_points(member.id, 40)
    with clock.frozen_at(JAN + timedelta(days=35)):
        await give_points(member.id, 2)
    response = await http.get(
        "/exports/report.csv",
        params={
            "from": JAN.isoformat(),
            "to": (JAN + timedelta(days=59)).isoformat(),
            "interval": "MONTH",
        },
        headers={"Authorization": f"Bearer {analyst.token}"},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["members_new"], r["points_issued"], r["points_outstanding"]) for r in rows] == [
        ("1", "40", "40"),
        ("0", "2", "42"),
    ]
    bad = await http.get(
        "/exports/report.csv",
        params={"from": "yesterday", "to": JAN.isoformat()},
        headers={"Authorization": f"Bearer {analyst.token}"},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"] == {"code": "INVALID_TIME", "field": "from"}
    member_token = (await sign_up(gql, program)).access_token  # a token issued now
    refused = await http.get(
        "/exports/report.csv",
        params={"from": JAN.isoformat(), "to": (JAN + timedelta(days=1)).isoformat()},
        headers={"Authorization": f"Bearer {member_token}"},
    )
    assert refused.status_code == 403


FULL_REPORT = """
query($from: DateTime!, $to: DateTime!) {
  programReport(from: $from, to: $to) {
    start end membersTotal membersNew membersActive purchases revenue { amount currency }
    averageBasket { amount currency } repeatPurchaseRate pointsIssued pointsRedeemed
    pointsSpentOnGames pointsExpired pointsAdjusted pointsReversed pointsOutstanding
    liability { amount currency } redemptionRate tierDistribution { tierId tierName members }
    badgesAwarded challengesCompleted gamePlays prizesWon contestEntries referralsQualified
  }
}
"""
ANONYMISE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id anonymisedAt } errors { code } }
}
"""


async def test_erasing_a_member_leaves_every_total_and_the_tier_mix_as_they_were(
    gql: GraphQLClient,
) -> None:
    # given Bronze, Silver and Gold tiers, and Ann at Silver, Bob at Bronze and Cid at Gold
    from gamification.audit import SYSTEM
    from gamification.points import tiers

    program = await new_program(point_value="0.01")
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    for name, rank, threshold in (("Bronze", 1, 0), ("Silver", 2, 50), ("Gold", 3, 200)):
        await tiers.create_tier(SYSTEM, program.id, name, rank, qualifying_threshold=threshold)
    till = await integration_client(gql, program)
    admin = await staff_client(gql, program, "ADMIN")
    ann, bob, cid = [await sign_up(gql, program) for _ in range(3)]
    for member, price in ((ann, "60.00"), (bob, "10.00"), (cid, "250.00")):
        payload = await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, None, [("S", "c", 1, price)])
        )
        assert payload["errors"] == []
    assert payload["member"]["tier"]["name"] == "Gold"
    period = {
        "from": (clock.now() - timedelta(days=1)).isoformat(),
        "to": (clock.now() + timedelta(days=1)).isoformat(),
    }
    before = (await admin.query(FULL_REPORT, period))["programReport"]
    mix = {row["tierName"]: row["members"] for row in before["tierDistribution"]}
    assert mix == {"Bronze": 1, "Silver": 1, "Gold": 1}
    # when an admin erases Ann, the Silver member
    erased = await admin.mutate(ANONYMISE, {"memberId": str(ann.id)})
    assert erased["errors"] == []
    # then the report, its tier mix included, is the same
    assert (await admin.query(FULL_REPORT, period))["programReport"] == before


DAILY_SALES = """
query($from: DateTime!, $to: DateTime!) {
  programReport(from: $from, to: $to, interval: DAY) {
    purchases series { start purchases }
  }
}
"""


async def test_a_purchase_time_with_an_offset_counts_in_the_interval_of_its_instant(
    gql: GraphQLClient,
) -> None:
    # given a purchase at 17:30 on January 3rd in UTC-7: 00:30 on January 4th in UTC
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    till = await integration_client(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    edge = JAN + timedelta(days=3)
    with clock.frozen_at(edge + timedelta(days=1)):
        member = await sign_up(gql, program)
        basket = purchase_input(member.id, "tz-1", [("S", "c", 1, "10.00")])
        basket["occurredAt"] = "2026-01-03T17:30:00-07:00"
        payload = await till.mutate(RECORD_PURCHASE, basket)
        assert payload["errors"] == []
    # when the day-by-day report around that edge is read
    report = (
        await analyst.query(
            DAILY_SALES,
            {
                "from": (edge - timedelta(days=1)).isoformat(),
                "to": (edge + timedelta(days=1)).isoformat(),
            },
        )
    )["programReport"]
    # then the purchase is in January 4th's interval, not January 3rd's
    assert report["purchases"] == 1
    assert report["series"] == [
        {"start": "2026-01-03T00:00:00+00:00", "purchases": 0},
        {"start": "2026-01-04T00:00:00+00:00", "purchases": 1},
    ]
    # and a report that ends at the edge does not count it
    before_edge = {"from": (edge - timedelta(days=1)).isoformat(), "to": edge.isoformat()}
    assert (await analyst.query(DAILY_SALES, before_edge))["programReport"]["purchases"] == 0


async def test_the_utc_migration_moves_times_stored_with_an_offset_to_their_instant(
    gql: GraphQLClient,
) -> None:
    # given a purchase stored as SQLite stored offset times before they were converted to UTC
    client = connections.get("default")
    if client.capabilities.dialect != "sqlite":
        pytest.skip("PostgreSQL stores instants (timestamptz): it never held such a row")
    program = await new_program()
    till = await integration_client(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    edge = JAN + timedelta(days=3)
    with clock.frozen_at(edge + timedelta(days=1)):
        member = await sign_up(gql, program)
        basket = purchase_input(member.id, "legacy-1", [("S", "c", 1, "10.00")])
        basket["occurredAt"] = "2026-01-04T00:30:00Z"
        assert (await till.mutate(RECORD_PURCHASE, basket))["errors"] == []
    # (a raw write: no service writes such a row any more)
    await client.execute_query(
        "UPDATE purchase SET occurred_at = ? WHERE external_id = ?",
        ["2026-01-03 17:30:00-07:00", "legacy-1"],
    )
    day = {"from": edge.isoformat(), "to": (edge + timedelta(days=1)).isoformat()}
    assert (await analyst.query(DAILY_SALES, day))["programReport"]["purchases"] == 0
    # when the migration runs, twice (as a re-run would)
    migration = importlib.import_module("challenges.migrations.0003_times_in_utc")
    for _ in range(2):
        await migration.times_to_utc(None, SimpleNamespace(client=client))
    # then the purchase is in the day of its instant, stored as the application writes times
    assert (await analyst.query(DAILY_SALES, day))["programReport"]["purchases"] == 1
    rows = await client.execute_query_dict(
        "SELECT occurred_at FROM purchase WHERE external_id = ?", ["legacy-1"]
    )
    assert rows == [{"occurred_at": "2026-01-04 00:30:00+00:00"}]


SERIES_OF_FULL_REPORTS = """
query($from: DateTime!, $to: DateTime!, $interval: ReportInterval) {
  programReport(from: $from, to: $to, interval: $interval) {
    series {
      start end membersTotal membersNew membersActive purchases revenue { amount currency }
      averageBasket { amount currency } repeatPurchaseRate pointsIssued pointsRedeemed
      pointsSpentOnGames pointsExpired pointsAdjusted pointsReversed pointsOutstanding
      liability { amount currency } redemptionRate tierDistribution { tierId tierName members }
      badgesAwarded challengesCompleted gamePlays prizesWon contestEntries referralsQualified
    }
  }
}
"""


async def test_a_series_equals_the_report_of_each_of_its_intervals(gql: GraphQLClient) -> None:
    # given members joining, buying (one refunded), redeeming, adjusted, playing and expiring
    # points over ten weeks, and a member and points from before the period
    program = await new_program(point_value="0.02")
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    till = await integration_client(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    with clock.frozen_at(JAN - timedelta(days=5)):
        early = await sign_up(gql, program)
        await give_points(early.id, 40)
    for week in range(10):
        day = JAN + timedelta(days=7 * week + week % 3)
        with clock.frozen_at(day):
            member = await sign_up(gql, program)
            for n, buyer in enumerate((member, early)[: 1 + week % 2]):
                basket = purchase_input(
                    buyer.id, f"w{week}-{n}", [("S", "c", 1, f"{10 + week}.50")], occurred_at=day
                )
                assert (await till.mutate(RECORD_PURCHASE, basket))["errors"] == []
            if week % 4 == 1:
                await till.mutate(
                    REFUND, {"externalId": f"w{week}-0", "refundId": f"r{week}", "amount": "3.00"}
                )
            if week % 3 == 0:
                async with events.atomic():
                    await ledger.spend(await Member.get(id=member.id), 5, LedgerKind.REDEEM)
                await emit_event(
                    GamePlayed(game_id=1, play_id=week, won=False), member.id, program.id
                )
            await manager.mutate(
                ADJUST,
                {
                    "memberId": str(member.id),
                    "delta": 2 + week,
                    "reason": "fix",
                    "idempotencyKey": f"k{week}",
                },
            )
    analyst = await staff_client(gql, program, "ANALYST")
    period = {"from": JAN.isoformat(), "to": (JAN + timedelta(days=75)).isoformat()}
    for interval in ("DAY", "WEEK", "MONTH"):
        # when the series is read in one request
        series = (await analyst.query(SERIES_OF_FULL_REPORTS, {**period, "interval": interval}))[
            "programReport"
        ]["series"]
        # then each interval is the report of that interval alone
        assert sum(report["purchases"] for report in series) == 15
        for report in series[:: 1 if interval != "DAY" else 9]:
            alone = await analyst.query(FULL_REPORT, {"from": report["start"], "to": report["end"]})
            assert alone["programReport"] == report, (interval, report["start"])
