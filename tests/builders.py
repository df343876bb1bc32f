"""Build test state through the services and the API, never by raw inserts."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from gamification.accounts.api_keys import create_api_key
from gamification.accounts.staff import create_staff
from gamification.audit import SYSTEM
from gamification.events.payloads import Payload
from gamification.programs.models import Program
from gamification.programs.programs import create_program
from tests.graphql import GraphQLClient

_counter = itertools.count(1)

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    accessToken refreshToken
    member { id email displayName referralCode }
    errors { code message field }
  }
}
"""

STAFF_LOG_IN = """
mutation StaffLogIn($input: StaffLogInInput!) {
  staffLogIn(input: $input) {
    accessToken refreshToken
    staff { id email role }
    errors { code message field }
  }
}
"""

PASSWORD = "correct horse battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


async def new_program(currency: str = "EUR", **settings: object) -> Program:
    return await create_program(unique("prog"), "Test program", currency, dict(settings))


@dataclass
class SignedUpMember:
    id: int
    email: str
    access_token: str
    refresh_token: str
    referral_code: str
    client: GraphQLClient


async def sign_up(
    gql: GraphQLClient,
    program: Program,
    email: str | None = None,
    display_name: str = "Test Member",
    referral_code: str | None = None,
) -> SignedUpMember:
    email = email or f"{unique('member')}@example.com"
    payload = await gql.mutate(
        SIGN_UP,
        {
            "program": program.slug,
            "email": email,
            "password": PASSWORD,
            "displayName": display_name,
            "referralCode": referral_code,
        },
    )
    assert payload["errors"] == [], payload["errors"]
    return SignedUpMember(
        id=int(payload["member"]["id"]),
        email=email,
        access_token=payload["accessToken"],
        refresh_token=payload["refreshToken"],
        referral_code=payload["member"]["referralCode"],
        client=gql.as_token(payload["accessToken"]),
    )


async def staff_client(gql: GraphQLClient, program: Program, role: str = "ADMIN") -> GraphQLClient:
    email = f"{unique(role.lower())}@brand.example"
    await create_staff(SYSTEM, program.slug, email, PASSWORD, role)
    payload = await gql.mutate(
        STAFF_LOG_IN, {"program": program.slug, "email": email, "password": PASSWORD}
    )
    assert payload["errors"] == [], payload["errors"]
    return gql.as_token(payload["accessToken"])


async def integration_client(gql: GraphQLClient, program: Program) -> GraphQLClient:
    _, key = await create_api_key(SYSTEM, program.id, "Test till")
    return gql.as_api_key(key)


async def give_points(member_id: int, points: int, expires_at: object = None) -> None:
    """Credit a lot through the ledger, as an earning would."""
    from gamification import events
    from gamification.accounts.models import Member
    from gamification.points import ledger
    from gamification.points.models import LedgerKind

    async with events.atomic():
        member = await Member.get(id=member_id)
        await ledger.credit(
            member,
            points,
            LedgerKind.BONUS,
            expires_at=expires_at,  # type: ignore[arg-type]  # tests pass what the service takes
            reason="test credit",
        )


async def spend_points(member_id: int, points: int, **options: object) -> None:
    """Spend through the ledger, as a redemption would (refusals raise)."""
    from gamification import events
    from gamification.accounts.models import Member
    from gamification.points import ledger
    from gamification.points.models import LedgerKind

    async with events.atomic():
        await ledger.spend(await Member.get(id=member_id), points, LedgerKind.REDEEM, **options)  # type: ignore[arg-type]  # options are the spend's keywords


async def assert_ledger_consistent(member_id: int) -> int:
    """Invariant 1: balance + held = sum of entries; balance = sum of lots' remaining; held =
    the member's open holds; none negative. Returns the balance."""
    from gamification.accounts.models import Member
    from gamification.points.models import HoldStatus, LedgerEntry, PointsHold

    member = await Member.get(id=member_id)
    entries = await LedgerEntry.filter(member_id=member_id)
    held = await PointsHold.filter(member_id=member_id, status=HoldStatus.HELD)
    assert member.points_balance + member.points_held == sum(e.delta for e in entries)
    assert member.points_balance == sum(e.remaining or 0 for e in entries)
    assert member.points_held == sum(h.points for h in held)
    assert member.points_balance >= 0 and member.points_held >= 0
    assert all((e.remaining or 0) >= 0 for e in entries)
    return member.points_balance


# --- referrals and leaderboards ---


async def record_purchase_event(
    member_id: int,
    total: str,
    *,
    purchase_id: int | None = None,
    currency: str = "EUR",
    occurred_at: object = None,
) -> int:
    """Emit PURCHASE_RECORDED as recordPurchase does (the purchases feature lives on another
    branch): the event is written in a transaction and published to its handlers after commit.
    Returns the purchase id used."""
    from decimal import Decimal

    from core.clock import clock
    from gamification import events
    from gamification.accounts.models import Member
    from gamification.events.payloads import PurchaseRecorded

    member = await Member.get(id=member_id)
    purchase_id = purchase_id or next(_counter) + 1_000_000
    async with events.atomic():
        await events.emit(
            PurchaseRecorded(
                purchase_id=purchase_id,
                external_id=f"ext-{purchase_id}",
                total=Decimal(total),
                currency=currency,
                points=0,
                first_purchase=False,
                lines=(),
            ),
            program_id=member.program_id,
            member_id=member.id,
            occurred_at=occurred_at or clock.now(),  # type: ignore[arg-type]  # tests pass what the service takes
        )
    return purchase_id


async def refund_purchase_event(
    member_id: int, purchase_id: int, amount: str, refund_id: str | None = None
) -> None:
    """Emit PURCHASE_REFUNDED as refundPurchase does."""
    from decimal import Decimal

    from gamification import events
    from gamification.accounts.models import Member
    from gamification.events.payloads import PurchaseRefunded

    member = await Member.get(id=member_id)
    async with events.atomic():
        await events.emit(
            PurchaseRefunded(
                purchase_id=purchase_id,
                refund_id=refund_id or unique("refund"),
                amount=Decimal(amount),
                points_reversed=0,
            ),
            program_id=member.program_id,
            member_id=member.id,
        )


# --- points engine ---

RECORD_PURCHASE = """
mutation Record($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    purchase { id externalId pointsEarned firstPurchase breakdown { rule ruleId kind points } }
    member { id pointsBalance tier { name rank } }
    replayed
    errors { code field message }
  }
}
"""


def purchase_input(
    member_id: int,
    external_id: str | None = None,
    lines: list[tuple[str, str | None, int, str]] | None = None,
    *,
    occurred_at: object = None,
    currency: str = "EUR",
    total: str | None = None,
) -> dict[str, object]:
    """A recordPurchase input; lines are (sku, category, quantity, unit price)."""
    from decimal import Decimal

    from core.clock import clock

    lines = lines if lines is not None else [("SKU-1", "coffee", 1, "10.00")]
    moment = occurred_at or clock.now()
    return {
        "member": {"id": str(member_id)},
        "externalId": external_id or unique("order"),
        "occurredAt": moment.isoformat(),  # type: ignore[attr-defined]  # a datetime or a date
        "currency": currency,
        "total": total
        if total is not None
        else str(sum((Decimal(p) * q for _, _, q, p in lines), Decimal("0.00"))),
        "lines": [{"sku": s, "category": c, "quantity": q, "unitPrice": p} for s, c, q, p in lines],
    }


async def add_rule(program: Program, **values: object) -> int:
    """Create an earning rule through the service; returns its id."""
    from gamification.points import earning_rules

    rule = await earning_rules.create_rule(SYSTEM, program.id, **values)
    return rule.id


# --- engagement: domain events as the purchase and referral engines will emit them ---


async def emit_event(
    payload: Payload, member_id: int, program_id: int, occurred_at: object = None
) -> int:
    """Emit one event through events.atomic(), the path every service takes. Returns its id."""
    from gamification import events

    async with events.atomic():
        event = await events.emit(
            payload,
            program_id=program_id,
            member_id=member_id,
            occurred_at=occurred_at,  # type: ignore[arg-type]  # tests pass what the service takes
        )
    return event.id


async def purchase_event(
    member_id: int,
    program_id: int,
    total: str = "10.00",
    lines: list[dict[str, Any]] | None = None,
    occurred_at: object = None,
    currency: str = "EUR",
) -> int:
    """A PURCHASE_RECORDED event; `lines` as stored ({sku, category, quantity, unit_price})."""
    from decimal import Decimal

    from gamification.events.payloads import LineItem, PurchaseRecorded

    purchase_id = next(_counter)
    lines = lines or [{"sku": "SKU-1", "category": "misc", "quantity": 1, "unit_price": total}]
    return await emit_event(
        PurchaseRecorded(
            purchase_id=purchase_id,
            external_id=f"ext-{purchase_id}",
            total=Decimal(total),
            currency=currency,
            points=0,
            first_purchase=False,
            lines=tuple(
                LineItem(
                    sku=line["sku"],
                    category=line["category"],
                    quantity=line["quantity"],
                    unit_price=Decimal(line["unit_price"]),
                )
                for line in lines
            ),
        ),
        member_id,
        program_id,
        occurred_at,
    )


async def qualify_referral_event(referrer_id: int, program_id: int, referee_id: int = 0) -> int:
    from gamification.events.payloads import ReferralQualified

    return await emit_event(
        ReferralQualified(referral_id=next(_counter), referee_id=referee_id),
        referrer_id,
        program_id,
    )


# --- wiring: features used together ---

CREATE_BADGE = """
mutation($input: CreateBadgeInput!) {
  createBadge(input: $input) { badge { id } errors { code field message } }
}
"""


async def create_badge_via_api(staff: GraphQLClient, **fields: object) -> str:
    """A badge made through createBadge (default: one per purchase count of 1); its id."""
    values: dict[str, object] = {
        "name": unique("Badge"),
        "criteria": "EVENT_COUNT",
        "eventType": "PURCHASE_RECORDED",
        "thresholds": ["1"],
        **fields,
    }
    payload = await staff.mutate(CREATE_BADGE, values)
    assert payload["errors"] == [], payload["errors"]
    return str(payload["badge"]["id"])


async def challenge_board(program: Program) -> str:
    """The board of a new challenge of `program` (a program reads only its own challenges')."""
    from datetime import timedelta
    from decimal import Decimal

    from challenges.definitions import ChallengeFields, create_challenge
    from challenges.models import ChallengeKind, ChallengeMetric, Enrolment
    from core.clock import clock

    start = clock.now() - timedelta(days=1)
    challenge = await create_challenge(
        SYSTEM,
        program.id,
        ChallengeMetric.PURCHASES,
        ChallengeKind.INDIVIDUAL,
        Enrolment.AUTOMATIC,
        ChallengeFields(
            name=unique("Board"),
            target=Decimal(100),
            starts_at=start,
            ends_at=start + timedelta(days=60),
        ),
    )
    return f"challenge:{challenge.id}"
