"""Referrals: sign-up links, qualification on the first qualifying purchase, caps, refusals,
the refund rule, and paying once whatever the concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.clock import clock
from gamification import events
from gamification.events import EventType
from gamification.events.models import Event
from gamification.events.payloads import PurchaseRecorded
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.referrals import referrals
from gamification.referrals.models import Referral, ReferralStatus
from tests.builders import (
    SIGN_UP,
    assert_ledger_consistent,
    new_program,
    record_purchase_event,
    refund_purchase_event,
    sign_up,
    unique,
)
from tests.graphql import GraphQLClient, codes

# Tokens outlive the days the tests move the clock by.
SETTINGS_OVERRIDES = {"access_token_ttl_seconds": 90 * 86_400}

RULES = {
    "referral_points": 500,
    "referee_bonus": 100,
    "referral_min_purchase": "20.00",
    "referral_window_days": 30,
}

ME_REFERRALS = """
{
  me {
    pointsBalance
    referrals { status referee { displayName } pointsEarned }
    referralStats { pending qualified capped reversed expired pointsEarned }
  }
}
"""

APPLY = """
mutation Apply($input: ApplyReferralCodeInput!) {
  applyReferralCode(input: $input) {
    referral { status referee { displayName } }
    errors { code field }
  }
}
"""


async def referral_of(referee_id: int) -> Referral:
    return await Referral.get(referee_id=referee_id)


async def test_signing_up_with_a_code_records_a_pending_referral(gql: GraphQLClient) -> None:
    # given a referrer
    program = await new_program(**RULES)
    referrer = await sign_up(gql, program, display_name="Ada")
    # when a friend signs up with their code (in any case, with spaces)
    await sign_up(gql, program, display_name="Bob", referral_code=f" {referrer.referral_code} ")
    # then the referrer sees a pending referral with the friend's display name only
    me = (await referrer.client.query(ME_REFERRALS))["me"]
    assert me["referrals"] == [
        {"status": "PENDING", "referee": {"displayName": "Bob"}, "pointsEarned": 0}
    ]
    assert me["referralStats"] == {
        "pending": 1,
        "qualified": 0,
        "capped": 0,
        "reversed": 0,
        "expired": 0,
        "pointsEarned": 0,
    }


async def test_an_unknown_or_foreign_code_is_refused_at_sign_up_and_creates_nothing(
    gql: GraphQLClient,
) -> None:
    program, other = await new_program(**RULES), await new_program(**RULES)
    foreigner = await sign_up(gql, other)
    for code in ("NOPE2345", foreigner.referral_code, "", "x" * 500):
        email = f"{unique('m')}@example.com"
        payload = await gql.mutate(
            SIGN_UP,
            {
                "program": program.slug,
                "email": email,
                "password": "correct horse battery",
                "displayName": "Eve",
                "referralCode": code,
            },
        )
        if code == "":
            assert payload["errors"] == []  # an empty code is no code
            continue
        assert codes(payload) == ["INVALID_REFERRAL_CODE"]
        assert payload["member"] is None
    assert await Referral.filter(program_id=program.id).count() == 0


async def test_the_first_purchase_at_or_above_the_minimum_qualifies_and_pays_both(
    gql: GraphQLClient,
) -> None:
    # given a pending referral
    program = await new_program(**RULES)
    referrer = await sign_up(gql, program)
    referee = await sign_up(gql, program, display_name="Bob", referral_code=referrer.referral_code)
    # when the referee buys under the minimum, then in another currency, then at the minimum
    await record_purchase_event(referee.id, "19.99")
    await record_purchase_event(referee.id, "50.00", currency="USD")
    assert (await referral_of(referee.id)).status == ReferralStatus.PENDING
    purchase_id = await record_purchase_event(referee.id, "20.00")
    # then the referral qualifies on that purchase and both are paid through the ledger
    referral = await referral_of(referee.id)
    assert referral.status == ReferralStatus.QUALIFIED
    assert referral.purchase_id == purchase_id
    assert await assert_ledger_consistent(referrer.id) == 500
    assert await assert_ledger_consistent(referee.id) == 100
    entry = await LedgerEntry.get(member_id=referrer.id)
    assert (entry.kind, entry.reference) == (LedgerKind.BONUS, f"referral:{referral.id}")
    qualified = await Event.filter(type=EventType.REFERRAL_QUALIFIED, program_id=program.id)
    assert [(e.member_id, e.data["referee_id"]) for e in qualified] == [(referrer.id, referee.id)]
    me = (await referrer.client.query(ME_REFERRALS))["me"]
    assert me["referralStats"]["qualified"] == 1
    assert me["referralStats"]["pointsEarned"] == 500
    assert me["referrals"][0]["status"] == "QUALIFIED"
    # and a second purchase pays nothing more
    await record_purchase_event(referee.id, "99.00")
    assert await assert_ledger_consistent(referrer.id) == 500


async def test_a_purchase_after_the_window_does_not_qualify_and_the_referral_shows_expired(
    gql: GraphQLClient,
) -> None:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        program = await new_program(**RULES)
        referrer = await sign_up(gql, program)
        referee = await sign_up(gql, program, referral_code=referrer.referral_code)
        time.advance(timedelta(days=30, seconds=1))
        await record_purchase_event(referee.id, "100.00")
        assert (await referral_of(referee.id)).status == ReferralStatus.PENDING
        me = (await referrer.client.query(ME_REFERRALS))["me"]
        assert me["referrals"][0]["status"] == "EXPIRED"
        assert me["referralStats"]["expired"] == 1
        assert me["referralStats"]["pending"] == 0
        # a purchase dated before the referral existed does not qualify either
        await record_purchase_event(referee.id, "100.00", occurred_at=start - timedelta(days=1))
        assert await assert_ledger_consistent(referrer.id) == 0


async def test_the_same_purchase_event_handled_concurrently_pays_once(gql: GraphQLClient) -> None:
    # given a pending referral and one recorded purchase event
    program = await new_program(**RULES)
    referrer = await sign_up(gql, program)
    referee = await sign_up(gql, program, referral_code=referrer.referral_code)
    async with events.atomic():
        event = await events.emit(
            PurchaseRecorded(
                purchase_id=1,
                external_id="ext-1",
                total=Decimal("30.00"),
                currency="EUR",
                points=0,
                first_purchase=True,
                lines=(),
            ),
            program_id=program.id,
            member_id=referee.id,
        )
    # when 30 deliveries of that event are handled at once (and 10 other purchases race too)
    await asyncio.gather(
        *(referrals.on_purchase_recorded(event) for _ in range(30)),
        *(record_purchase_event(referee.id, "40.00") for _ in range(10)),
    )
    # then the referral is paid once
    assert await assert_ledger_consistent(referrer.id) == 500
    assert await assert_ledger_consistent(referee.id) == 100
    assert await Event.filter(type=EventType.REFERRAL_QUALIFIED, member_id=referrer.id).count() == 1


async def test_over_the_monthly_cap_a_referral_is_recorded_capped_without_points(
    gql: GraphQLClient,
) -> None:
    with clock.frozen_at(datetime(2026, 4, 10, tzinfo=UTC)) as time:
        program = await new_program(**RULES, referral_monthly_cap=1)
        referrer = await sign_up(gql, program)
        first = await sign_up(gql, program, referral_code=referrer.referral_code)
        second = await sign_up(gql, program, referral_code=referrer.referral_code)
        third = await sign_up(gql, program, referral_code=referrer.referral_code)
        await record_purchase_event(first.id, "25.00")
        await record_purchase_event(second.id, "25.00")
        assert (await referral_of(first.id)).status == ReferralStatus.QUALIFIED
        assert (await referral_of(second.id)).status == ReferralStatus.CAPPED
        assert await assert_ledger_consistent(referrer.id) == 500
        assert await assert_ledger_consistent(second.id) == 0  # no welcome bonus either
        assert await Event.filter(type=EventType.REFERRAL_CAPPED, member_id=referrer.id).count()
        # next month the cap starts again
        time.set(datetime(2026, 5, 1, 0, 0, 1, tzinfo=UTC))
        await record_purchase_event(third.id, "25.00")
        assert (await referral_of(third.id)).status == ReferralStatus.QUALIFIED
        stats = (await referrer.client.query(ME_REFERRALS))["me"]["referralStats"]
        assert (stats["qualified"], stats["capped"], stats["pointsEarned"]) == (2, 1, 1000)


async def test_concurrent_qualifications_never_exceed_the_monthly_cap(gql: GraphQLClient) -> None:
    program = await new_program(**RULES, referral_monthly_cap=2)
    referrer = await sign_up(gql, program)
    referees = [await sign_up(gql, program, referral_code=referrer.referral_code) for _ in range(8)]
    await asyncio.gather(*(record_purchase_event(r.id, "30.00") for r in referees))
    statuses = [(await referral_of(r.id)).status for r in referees]
    assert statuses.count(ReferralStatus.QUALIFIED) == 2
    assert statuses.count(ReferralStatus.CAPPED) == 6
    assert await assert_ledger_consistent(referrer.id) == 1000


async def test_a_member_can_enter_a_code_shortly_after_signing_up(gql: GraphQLClient) -> None:
    program = await new_program(**RULES)
    referrer = await sign_up(gql, program)
    member = await sign_up(gql, program, display_name="Late Larry")
    payload = await member.client.mutate(APPLY, {"code": referrer.referral_code.lower()})
    assert payload == {
        "referral": {"status": "PENDING", "referee": {"displayName": "Late Larry"}},
        "errors": [],
    }
    await record_purchase_event(member.id, "20.00")
    assert await assert_ledger_consistent(referrer.id) == 500


async def test_entering_a_code_is_refused_with_a_code_for_each_rule(gql: GraphQLClient) -> None:
    # given A referred B (at sign-up), B referred C, and a member of another program
    start = datetime(2026, 6, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        program, other = await new_program(**RULES), await new_program(**RULES)
        a = await sign_up(gql, program)
        b = await sign_up(gql, program, referral_code=a.referral_code)
        c = await sign_up(gql, program)
        assert (await c.client.mutate(APPLY, {"code": b.referral_code}))["errors"] == []
        d = await sign_up(gql, program)
        foreigner = await sign_up(gql, other)
        cases = [
            (d, "NOPE2345", "INVALID_REFERRAL_CODE"),
            (d, foreigner.referral_code, "INVALID_REFERRAL_CODE"),
            (d, d.referral_code, "OWN_REFERRAL_CODE"),
            (b, c.referral_code, "ALREADY_REFERRED"),  # B was referred at sign-up
            (a, b.referral_code, "REFERRAL_LOOP"),  # B's referrer is A
            (a, c.referral_code, "REFERRAL_LOOP"),  # C <- B <- A
        ]
        for member, code, expected in cases:
            payload = await member.client.mutate(APPLY, {"code": code})
            assert codes(payload) == [expected], (code, payload)
            assert payload["referral"] is None
        # and after the apply window (7 days by default)
        time.advance(timedelta(days=7, seconds=1))
        payload = await d.client.mutate(APPLY, {"code": a.referral_code})
        assert codes(payload) == ["REFERRAL_WINDOW_CLOSED"]
        assert await Referral.filter(program_id=program.id).count() == 2


async def test_concurrent_code_entries_link_a_member_once_and_never_make_a_loop(
    gql: GraphQLClient,
) -> None:
    program = await new_program(**RULES)
    a, b = await sign_up(gql, program), await sign_up(gql, program)
    others = [await sign_up(gql, program) for _ in range(5)]
    # A enters B's code while B enters A's, and A tries five more codes at once
    results = await asyncio.gather(
        a.client.mutate(APPLY, {"code": b.referral_code}),
        b.client.mutate(APPLY, {"code": a.referral_code}),
        *(a.client.mutate(APPLY, {"code": o.referral_code}) for o in others),
    )
    assert sum(1 for r in results[:2] if r["errors"] == []) <= 1
    assert await Referral.filter(referee_id=a.id).count() <= 1
    assert await Referral.filter(referee_id=b.id).count() <= 1
    links = {r.referee_id: r.referrer_id for r in await Referral.filter(program_id=program.id)}
    assert not (links.get(a.id) == b.id and links.get(b.id) == a.id)
    failed = [codes(r)[0] for r in results if r["errors"]]
    assert set(failed) <= {"ALREADY_REFERRED", "REFERRAL_LOOP"}


async def test_a_refund_below_the_minimum_within_the_window_reverses_the_referral(
    gql: GraphQLClient,
) -> None:
    # given a qualified referral whose referrer spent nothing yet
    program = await new_program(**RULES)
    referrer = await sign_up(gql, program)
    referee = await sign_up(gql, program, referral_code=referrer.referral_code)
    purchase = await record_purchase_event(referee.id, "50.00")
    # when a partial refund leaves 20.00: still qualified
    await refund_purchase_event(referee.id, purchase, "30.00", refund_id="r1")
    assert (await referral_of(referee.id)).status == ReferralStatus.QUALIFIED
    # the same refund delivered again changes nothing (it is counted once)
    await refund_purchase_event(referee.id, purchase, "30.00", refund_id="r1")
    assert (await referral_of(referee.id)).status == ReferralStatus.QUALIFIED
    # a refund of another purchase changes nothing either
    await refund_purchase_event(referee.id, purchase + 1, "50.00")
    assert (await referral_of(referee.id)).status == ReferralStatus.QUALIFIED
    # when another refund brings it under 20.00 (twice, concurrently)
    await asyncio.gather(
        *(refund_purchase_event(referee.id, purchase, "0.01", refund_id="r2") for _ in range(5))
    )
    # then the referral is reversed once, loudly: points clawed back, an event
    referral = await referral_of(referee.id)
    assert referral.status == ReferralStatus.REVERSED
    assert await assert_ledger_consistent(referrer.id) == 0
    assert await assert_ledger_consistent(referee.id) == 0
    assert await LedgerEntry.filter(member_id=referrer.id, kind=LedgerKind.REFUND).count() == 1
    assert await Event.filter(type=EventType.REFERRAL_REVERSED, member_id=referrer.id).count() == 1
    stats = (await referrer.client.query(ME_REFERRALS))["me"]["referralStats"]
    assert (stats["qualified"], stats["reversed"], stats["pointsEarned"]) == (0, 1, 0)


async def test_a_refund_after_the_refund_window_leaves_the_referral_qualified(
    gql: GraphQLClient,
) -> None:
    with clock.frozen_at(datetime(2026, 7, 1, tzinfo=UTC)) as time:
        program = await new_program(**RULES, referral_refund_window_days=14)
        referrer = await sign_up(gql, program)
        referee = await sign_up(gql, program, referral_code=referrer.referral_code)
        purchase = await record_purchase_event(referee.id, "50.00")
        time.advance(timedelta(days=14, seconds=1))
        await refund_purchase_event(referee.id, purchase, "50.00")
        assert (await referral_of(referee.id)).status == ReferralStatus.QUALIFIED
        assert await assert_ledger_consistent(referrer.id) == 500


async def test_a_reversal_claws_back_only_what_is_left(gql: GraphQLClient) -> None:
    # the referrer already spent part of the bonus: the balance goes to zero, never below
    program = await new_program(**RULES)
    referrer = await sign_up(gql, program)
    referee = await sign_up(gql, program, referral_code=referrer.referral_code)
    purchase = await record_purchase_event(referee.id, "50.00")
    from gamification.accounts.models import Member
    from gamification.points import ledger

    async with events.atomic():
        await ledger.spend(await Member.get(id=referrer.id), 450, LedgerKind.REDEEM)
    await refund_purchase_event(referee.id, purchase, "50.00")
    assert (await referral_of(referee.id)).status == ReferralStatus.REVERSED
    assert await assert_ledger_consistent(referrer.id) == 0
