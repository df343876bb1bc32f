"""RFM scores, segments and ABC classes: quintile edges, ties, boundaries, and the job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.models import MemberSegment
from gamification.points.models import EarningRuleKind
from gamification.reporting.segments import abc_classes, quintile_scores, segment_of
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient
from tests.workers import run_burst_worker

SEGMENTS = """
query { segments { computedAt segments { segment members } abcClasses { abcClass members } } }
"""
COMPUTE = "mutation { computeSegments { enqueued errors { code } } }"
MEMBERS = """
query($filter: MemberFilter) { members(filter: $filter) { edges { node { id } } } }
"""


def test_ten_distinct_values_split_into_fifths() -> None:
    assert quintile_scores([float(v) for v in range(1, 11)]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_smaller_is_better_reverses_the_scale() -> None:
    assert quintile_scores([1.0, 2.0, 3.0, 4.0, 5.0], higher_is_better=False) == [5, 4, 3, 2, 1]


def test_equal_values_always_share_a_score() -> None:
    values = [5.0, 5.0, 5.0, 5.0, 1.0, 9.0]
    scores = quintile_scores(values)
    assert scores[:4] == [scores[0]] * 4
    assert scores == [2, 2, 2, 2, 1, 5]
    assert quintile_scores([7.0] * 6) == [1] * 6


def test_one_member_alone_scores_one_and_two_members_take_both_ends() -> None:
    assert quintile_scores([42.0]) == [1]
    assert quintile_scores([1.0, 2.0]) == [1, 5]


def test_segment_rules_first_match_wins() -> None:
    assert segment_of(5, 5) == "CHAMPIONS"
    assert segment_of(3, 4) == "LOYAL"
    assert segment_of(4, 2) == "POTENTIAL_LOYALIST"
    assert segment_of(5, 1) == "NEW"
    assert segment_of(4, 1) == "PROMISING"
    assert segment_of(3, 1) == "NEEDS_ATTENTION"
    assert segment_of(2, 3) == "AT_RISK"
    assert segment_of(1, 2) == "HIBERNATING"


def test_abc_boundaries_at_80_and_95_percent() -> None:
    # 100 in all, ranked 50, 29, 15, 4, 1, 1, 0: what comes before each is 0, 50, 79 (A: under
    # 80), 94 (B: under 95), then 98 and 99 (C); no revenue is C.
    revenues = [Decimal(v) for v in ("50", "29", "15", "1", "4", "1", "0")]
    assert abc_classes(revenues) == ["A", "A", "A", "C", "B", "C", "C"]


def test_abc_a_member_starting_exactly_at_80_percent_is_b() -> None:
    assert abc_classes([Decimal(80), Decimal(15), Decimal(5)]) == ["A", "B", "C"]


async def test_the_job_segments_members_and_staff_filter_by_segment(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    # given a loyal frequent buyer, a one-off buyer from long ago and a member who never bought
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    till = await integration_client(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    now = clock.now()
    with clock.frozen_at(now - timedelta(days=300)):
        lapsed = await sign_up(gql, program)
        frequent = await sign_up(gql, program)
        await till.mutate(RECORD_PURCHASE, purchase_input(lapsed.id, "l1"))
    for day in range(5):
        moment = now - timedelta(days=day + 1)
        await till.mutate(
            RECORD_PURCHASE,
            purchase_input(frequent.id, f"f{day}", [("S", "c", 1, "50.00")], occurred_at=moment),
        )
    newcomer = await sign_up(gql, program)
    # when a manager asks for a run and a worker does it
    assert (await manager.query(COMPUTE))["computeSegments"]["enqueued"] is True
    await run_burst_worker(redis_url)
    # then every member has a segment and the counts add up
    rows = {s.member_id: s for s in await MemberSegment.filter(program_id=program.id)}
    assert rows[frequent.id].segment == "CHAMPIONS" and rows[frequent.id].abc_class == "A"
    assert rows[frequent.id].monetary == Decimal("250.00") and rows[frequent.id].frequency == 5
    assert rows[lapsed.id].segment == "HIBERNATING" and rows[lapsed.id].abc_class == "C"
    assert rows[newcomer.id].segment == "NEW" and rows[newcomer.id].recency_score is None
    summary = (await manager.query(SEGMENTS))["segments"]
    counts = {s["segment"]: s["members"] for s in summary["segments"]}
    assert counts["CHAMPIONS"] == 1 and counts["HIBERNATING"] == 1 and counts["NEW"] == 1
    assert sum(counts.values()) == 3
    champions = (await manager.query(MEMBERS, {"filter": {"segment": "CHAMPIONS"}}))["members"]
    assert [e["node"]["id"] for e in champions["edges"]] == [str(frequent.id)]
    class_a = (await manager.query(MEMBERS, {"filter": {"abcClass": "A"}}))["members"]
    assert [e["node"]["id"] for e in class_a["edges"]] == [str(frequent.id)]
    # and each member reads their own, as staff do on the member's page
    mine = (await newcomer.client.query("query { me { segment { segment } } }"))["me"]
    assert mine["segment"] == {"segment": "NEW"}
    page = await manager.query(
        "query($id: ID!) { member(id: $id) { segment { segment abcClass computedAt } } }",
        {"id": str(lapsed.id)},
    )
    assert page["member"]["segment"]["segment"] == "HIBERNATING"


async def test_members_cannot_ask_for_segments(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    assert await member.client.error_code(SEGMENTS) == "FORBIDDEN"
