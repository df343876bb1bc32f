"""Events carry typed payloads, and the JSON stored for them is the JSON the emitters always wrote:
every type has its class, each payload round-trips through its stored form unchanged, a real
purchase writes the keys it always wrote, old and unknown rows are read or skipped, and nothing but
a type's own payload class can be emitted."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.clock import clock
from gamification import events
from gamification.events import EventType
from gamification.events.models import Event
from gamification.events.payloads import (
    PAYLOADS,
    ActionRecorded,
    AuctionSettled,
    AuctionWon,
    BadgeAwarded,
    BidPlaced,
    ChallengeCompleted,
    ChallengeJoined,
    ChallengeProgressed,
    ContestEntered,
    GamePlayed,
    LineItem,
    MemberAnonymised,
    MemberBlocked,
    MembershipActivated,
    MembershipEnded,
    MemberSignedUp,
    MemberUnblocked,
    Outbid,
    Payload,
    PayloadError,
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    PointsMoved,
    PointsReversed,
    PointsSpent,
    PrizeWon,
    PurchaseRecorded,
    PurchaseRefunded,
    RedemptionCancelled,
    RedemptionExpired,
    RedemptionUsed,
    ReferralCapped,
    ReferralQualified,
    ReferralReversed,
    RewardRedeemed,
    TierChanged,
    UnknownEventType,
    from_json,
    payload_of,
    to_json,
    type_of,
)
from gamification.points.models import EarningRuleKind, LedgerEntry, LedgerKind
from gamification.reporting import activity
from gamification.webhooks import webhooks
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
)
from tests.graphql import GraphQLClient

REFUND = """
mutation Refund($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) { refund { pointsReversed } errors { code field } }
}
"""

PURCHASE = PurchaseRecorded(
    purchase_id=41,
    external_id="till-7/2026-03-14/0042",
    total=Decimal("12.25"),
    currency="EUR",
    points=12,
    first_purchase=True,
    referred=False,
    lines=(
        LineItem(sku="ESP-1", category="coffee", quantity=2, unit_price=Decimal("2.50")),
        LineItem(sku="GIFT-CARD", category=None, quantity=1, unit_price=Decimal("7.25")),
    ),
)
PURCHASE_JSON = {
    "purchase_id": 41,
    "external_id": "till-7/2026-03-14/0042",
    "total": "12.25",
    "currency": "EUR",
    "points": 12,
    "first_purchase": True,
    "referred": False,
    "lines": [
        {"sku": "ESP-1", "category": "coffee", "quantity": 2, "unit_price": "2.50"},
        {"sku": "GIFT-CARD", "category": None, "quantity": 1, "unit_price": "7.25"},
    ],
}

# For every type, a payload as its emitter builds it and the JSON that emitter has always stored
# (keys in the order it wrote them); a few types have a second shape.
EXAMPLES: list[tuple[Payload, dict[str, Any]]] = [
    (MemberSignedUp(), {}),
    (MemberBlocked(reason="Chargeback fraud", staff=7), {"reason": "Chargeback fraud", "staff": 7}),
    (MemberUnblocked(staff=7), {"staff": 7}),
    (MemberAnonymised(by="staff:7"), {"by": "staff:7"}),
    (MemberAnonymised(by="member"), {"by": "member"}),
    (PURCHASE, PURCHASE_JSON),
    (
        PurchaseRefunded(
            purchase_id=41,
            refund_id="rf-1",
            amount=Decimal("2.50"),
            points_reversed=2,
            referred=True,
        ),
        {
            "purchase_id": 41,
            "refund_id": "rf-1",
            "amount": "2.50",
            "points_reversed": 2,
            "referred": True,
        },
    ),
    (
        PointsEarned(points=12, kind="EARN", reference="purchase:41", entry=901),
        {"points": 12, "kind": "EARN", "reference": "purchase:41", "entry": 901},
    ),
    (
        PointsEarned(points=30, kind="BONUS", reference=None, entry=902),
        {"points": 30, "kind": "BONUS", "reference": None, "entry": 902},
    ),
    (
        PointsSpent(points=350, kind="REDEEM", reference="redemption:5", entry=903),
        {"points": 350, "kind": "REDEEM", "reference": "redemption:5", "entry": 903},
    ),
    (
        PointsReversed(points=2, kind="REFUND", reference="purchase:41", entry=904),
        {"points": 2, "kind": "REFUND", "reference": "purchase:41", "entry": 904},
    ),
    (
        PointsExpired(points=17, lot=880, expired_at=datetime(2026, 3, 14, tzinfo=UTC)),
        {"points": 17, "lot": 880, "expired_at": "2026-03-14T00:00:00+00:00"},
    ),
    (PointsExpired(points=17, lot=881), {"points": 17, "lot": 881}),
    (
        PointsAdjusted(points=-40, reason="Duplicate till report", staff=7, entry=905),
        {"points": -40, "reason": "Duplicate till report", "staff": 7, "entry": 905},
    ),
    (
        TierChanged(from_tier=None, to_tier=3, reason="purchase", rank=1),
        {"from": None, "to": 3, "reason": "purchase", "rank": 1},
    ),
    (
        TierChanged(from_tier=3, to_tier=None, reason="review", rank=None),
        {"from": 3, "to": None, "reason": "review", "rank": None},
    ),
    (
        MembershipActivated(
            membership_id=2,
            plan_id=1,
            tier_id=4,
            ends_at=datetime(2027, 3, 14, 9, 30, 12, 345678, tzinfo=UTC),
        ),
        {
            "membership_id": 2,
            "plan_id": 1,
            "tier_id": 4,
            "ends_at": "2027-03-14T09:30:12.345678+00:00",
        },
    ),
    (MembershipEnded(membership_id=2, plan_id=1), {"membership_id": 2, "plan_id": 1}),
    (
        RewardRedeemed(redemption_id=5, reward_id=3, points=350),
        {"redemption_id": 5, "reward_id": 3, "points": 350},
    ),
    (
        RedemptionUsed(redemption_id=5, reward_id=3, points_refunded=0),
        {"redemption_id": 5, "reward_id": 3, "points_refunded": 0},
    ),
    (
        RedemptionCancelled(redemption_id=6, reward_id=3, points_refunded=350),
        {"redemption_id": 6, "reward_id": 3, "points_refunded": 350},
    ),
    (
        RedemptionExpired(redemption_id=7, reward_id=3, points_refunded=350),
        {"redemption_id": 7, "reward_id": 3, "points_refunded": 350},
    ),
    (
        BadgeAwarded(badge_id=8, level=2, name="Regular", points=50),
        {"badge_id": 8, "level": 2, "name": "Regular", "points": 50},
    ),
    (
        ChallengeJoined(challenge_id=6, name="Ten coffees in March"),
        {"challenge_id": 6, "name": "Ten coffees in March"},
    ),
    (
        ChallengeProgressed(challenge_id=6, name="Ten coffees in March", progress=4, target=10),
        {"challenge_id": 6, "name": "Ten coffees in March", "progress": 4, "target": 10},
    ),
    (
        ChallengeCompleted(challenge_id=6, name="Ten coffees in March", points=100),
        {"challenge_id": 6, "name": "Ten coffees in March", "points": 100},
    ),
    (ReferralQualified(referral_id=12, referee_id=44), {"referral_id": 12, "referee_id": 44}),
    (ReferralCapped(referral_id=13, referee_id=45), {"referral_id": 13, "referee_id": 45}),
    (ReferralReversed(referral_id=12, referee_id=44), {"referral_id": 12, "referee_id": 44}),
    (GamePlayed(game_id=9, play_id=310, won=True), {"game_id": 9, "play_id": 310, "won": True}),
    (
        PrizeWon(prize_id=15, game_id=9, play_id=310, kind="REWARD"),
        {"prize_id": 15, "game_id": 9, "play_id": 310, "kind": "REWARD"},
    ),
    (
        PrizeWon(prize_id=16, contest_id=4, slot=0, kind="POINTS"),
        {"prize_id": 16, "contest_id": 4, "slot": 0, "kind": "POINTS"},
    ),
    (ContestEntered(contest_id=4, entries=3), {"contest_id": 4, "entries": 3}),
    (
        PointsExpiring(points=40, lot=880, expires_at=datetime(2026, 4, 1, tzinfo=UTC), days=7),
        {"points": 40, "lot": 880, "expires_at": "2026-04-01T00:00:00+00:00", "days": 7},
    ),
    (
        ActionRecorded(action_id=3, action_type_id=2, code="review", points=20),
        {"action_id": 3, "action_type_id": 2, "code": "review", "points": 20},
    ),
    (
        BidPlaced(auction_id=5, bid_id=11, points=90, held=40),
        {"auction_id": 5, "bid_id": 11, "points": 90, "held": 40},
    ),
    (Outbid(auction_id=5, bid_id=10, released=50), {"auction_id": 5, "bid_id": 10, "released": 50}),
    (
        AuctionWon(auction_id=5, bid_id=11, points=90, claim_code="K7M2Q9"),
        {"auction_id": 5, "bid_id": 11, "points": 90, "claim_code": "K7M2Q9"},
    ),
    (
        AuctionSettled(auction_id=5, winners=1, released=0),
        {"auction_id": 5, "winners": 1, "released": 0},
    ),
]


def test_every_event_type_has_a_payload_class_of_its_own() -> None:
    assert set(PAYLOADS) == set(EventType)
    assert len(set(PAYLOADS.values())) == len(EventType)
    for event_type, cls in PAYLOADS.items():
        assert dataclasses.is_dataclass(cls) and issubclass(cls, Payload), event_type
        assert cls.__dataclass_params__.frozen, event_type  # type: ignore[attr-defined]  # dataclasses add it at runtime
    # and the examples below cover every type
    assert {type_of(payload) for payload, _ in EXAMPLES} == set(EventType)


@pytest.mark.parametrize(
    ("payload", "stored"), EXAMPLES, ids=[type(p).__name__ for p, _ in EXAMPLES]
)
def test_a_payload_round_trips_through_the_json_stored_today(
    payload: Payload, stored: dict[str, Any]
) -> None:
    # the payload is stored as exactly the JSON its emitter wrote, keys in the same order
    written = to_json(payload)
    assert written == stored
    assert list(written) == list(stored)
    # and that JSON, as the database gives it back, reads as the same payload
    kept = json.loads(json.dumps(written))
    read = from_json(type_of(payload), kept)
    assert read == payload
    assert to_json(read) == stored


def test_a_row_without_a_key_added_later_reads_as_none_and_keeps_its_shape() -> None:
    # a purchase written before `referred` existed (and by the tests' builders)
    before_the_flag = {k: v for k, v in PURCHASE_JSON.items() if k != "referred"}
    purchase = from_json(EventType.PURCHASE_RECORDED, before_the_flag)
    assert isinstance(purchase, PurchaseRecorded) and purchase.referred is None
    assert to_json(purchase) == before_the_flag
    # a lot without an expiry date
    expired = from_json(EventType.POINTS_EXPIRED, {"points": 5, "lot": 3})
    assert expired == PointsExpired(points=5, lot=3, expired_at=None)
    # a key this version does not know (a newer writer's) is left aside
    newer = {"contest_id": 4, "entries": 3, "channel": "app"}
    assert from_json(EventType.CONTEST_ENTERED, newer) == ContestEntered(contest_id=4, entries=3)


def test_a_row_that_does_not_fit_is_refused_saying_what_is_wrong() -> None:
    no_total = {k: v for k, v in PURCHASE_JSON.items() if k != "total"}
    with pytest.raises(PayloadError, match="PURCHASE_RECORDED: 'total' is missing"):
        from_json(EventType.PURCHASE_RECORDED, no_total)
    with pytest.raises(PayloadError, match="'points' is '12'"):
        from_json(
            EventType.POINTS_EARNED, {"points": "12", "kind": "EARN", "reference": None, "entry": 1}
        )
    with pytest.raises(PayloadError, match="'total' is 'twelve'"):
        from_json(EventType.PURCHASE_RECORDED, {**PURCHASE_JSON, "total": "twelve"})
    with pytest.raises(PayloadError, match="a time without its zone"):
        from_json(EventType.POINTS_EXPIRED, {"points": 1, "lot": 2, "expired_at": "2026-03-14"})
    with pytest.raises(PayloadError, match="line: 'sku' is missing"):
        from_json(EventType.PURCHASE_RECORDED, {**PURCHASE_JSON, "lines": [{"quantity": 1}]})
    with pytest.raises(UnknownEventType):
        from_json("TIME_TRAVELLED", {"auction_id": 3})


def test_a_payload_is_built_whole_by_keyword_and_never_changes() -> None:
    with pytest.raises(TypeError):
        PointsEarned(points=1, kind="EARN", entry=1)  # type: ignore[call-arg]  # no reference
    with pytest.raises(TypeError):
        PointsEarned(1, "EARN", None, 1)  # type: ignore[misc]  # keywords only
    earned = PointsEarned(points=1, kind="EARN", reference=None, entry=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        earned.points = 2  # type: ignore[misc]  # frozen
    # a prize is won by a play of a game or a slot of a contest, never half or both
    with pytest.raises(PayloadError):
        PrizeWon(prize_id=1, game_id=9, kind="POINTS")
    with pytest.raises(PayloadError):
        PrizeWon(prize_id=1, game_id=9, play_id=3, contest_id=4, slot=0, kind="POINTS")


async def test_a_purchase_over_the_api_stores_the_keys_it_always_stored(
    gql: GraphQLClient,
) -> None:
    # given a program earning 1 point per euro, and its till
    program = await new_program(points_validity_days=365)
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    # when the till records a purchase of two lines, one without a category, then refunds a part
    lines = [("ESP-1", "coffee", 2, "2.50"), ("GIFT-CARD", None, 1, "7.25")]
    recorded = await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "o-77", lines))
    assert recorded["errors"] == []
    refund = await till.mutate(REFUND, {"externalId": "o-77", "refundId": "rf-1", "amount": "2.50"})
    assert refund["errors"] == []
    # then the purchase event's data has exactly the keys and formats it always had
    purchase_id = int(recorded["purchase"]["id"])
    event = await Event.get(member_id=member.id, type="PURCHASE_RECORDED")
    assert set(event.data) == {
        "purchase_id",
        "external_id",
        "total",
        "currency",
        "points",
        "first_purchase",
        "referred",
        "lines",
    }
    assert event.data == {
        "purchase_id": purchase_id,
        "external_id": "o-77",
        "total": "12.25",
        "currency": "EUR",
        "points": 12,
        "first_purchase": True,
        "referred": False,
        "lines": [
            {"sku": "ESP-1", "category": "coffee", "quantity": 2, "unit_price": "2.50"},
            {"sku": "GIFT-CARD", "category": None, "quantity": 1, "unit_price": "7.25"},
        ],
    }
    # and so have its points and its refund
    entry = await LedgerEntry.get(member_id=member.id, kind=LedgerKind.EARN)
    earned = await Event.get(member_id=member.id, type="POINTS_EARNED")
    assert earned.data == {
        "points": 12,
        "kind": "EARN",
        "reference": f"purchase:{purchase_id}",
        "entry": entry.id,
    }
    refunded = await Event.get(member_id=member.id, type="PURCHASE_REFUNDED")
    assert refunded.data == {
        "purchase_id": purchase_id,
        "refund_id": "rf-1",
        "amount": "2.50",
        "points_reversed": refund["refund"]["pointsReversed"],
        "referred": False,
    }
    # and a webhook receiver gets that data as it is stored
    assert json.loads(webhooks.event_body(event))["data"] == event.data
    # and the handlers read the row as the payload it was written from
    assert PurchaseRecorded.of(event) == dataclasses.replace(
        PURCHASE, purchase_id=purchase_id, external_id="o-77"
    )


async def test_only_a_payload_class_of_an_event_type_can_be_emitted(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Lookalike(ContestEntered):
        pass

    wrong: list[Any] = [
        {"contest_id": 4, "entries": 3},  # the old dict
        PointsMoved(points=1, kind="EARN", reference=None, entry=1),  # a shape, not a type
        Lookalike(contest_id=4, entries=3),  # no type's own class
    ]
    async with events.atomic():
        for payload in wrong:
            with pytest.raises(TypeError, match="is not the payload of an event type"):
                await events.emit(payload, program_id=program.id, member_id=member.id)
        with pytest.raises(TypeError):  # the type and the data given apart
            await events.emit(
                EventType.CONTEST_ENTERED,  # type: ignore[arg-type]  # the test passes a wrong type on purpose
                program_id=program.id,
                member_id=member.id,
                data={"contest_id": 4, "entries": 3},
            )
    assert not await Event.exists(member_id=member.id, type=EventType.CONTEST_ENTERED.value)


async def test_a_row_is_parsed_once_and_an_emitted_event_not_at_all(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    entered = ContestEntered(contest_id=4, entries=3)
    async with events.atomic():
        event = await events.emit(entered, program_id=program.id, member_id=member.id)
    # the emitted event carries its payload
    assert payload_of(event) is entered
    # a row read back is parsed on first use, then shared by every reader
    row = await Event.get(id=event.id)
    first = payload_of(row)
    assert first == entered and first is not entered
    assert payload_of(row) is first and ContestEntered.of(row) is first
    with pytest.raises(PayloadError, match="not a GamePlayed"):
        GamePlayed.of(row)


async def test_a_row_of_an_unknown_type_does_not_stop_the_scan(gql: GraphQLClient) -> None:
    # given, unsettled, a row of a type this version does not know and one of a known type
    program = await new_program()
    member = await sign_up(gql, program)
    past = clock.now() - timedelta(minutes=5)
    unknown = await Event.create(
        program_id=program.id,
        member_id=member.id,
        type="TIME_TRAVELLED",
        data={"auction_id": 3},
        occurred_at=past,
    )
    known = await Event.create(
        program_id=program.id,
        member_id=member.id,
        type=EventType.CONTEST_ENTERED.value,
        data={"contest_id": 4, "entries": 3},
        occurred_at=past,
    )
    # when the scan re-runs handlers
    await events.retry_unsettled()
    # then both are settled, and the member's feed still reads the unknown one
    for row in (unknown, known):
        assert (await Event.get(id=row.id)).settled_at is not None
    with pytest.raises(UnknownEventType):
        payload_of(unknown)
    assert activity.describe(unknown) == "Time travelled."
    assert activity.describe(known) == "You entered a prize draw."
