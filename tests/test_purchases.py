"""Purchases over the real endpoint: earning, idempotency under concurrency, refunds, validation
codes and program isolation (invariants 1, 3, 5 and 8)."""

from __future__ import annotations

import asyncio
import importlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tortoise import connections

from core.clock import clock
from gamification.accounts.models import Member
from gamification.events.models import Event
from gamification.points.models import (
    EarningRuleKind,
    LedgerEntry,
    Purchase,
    PurchaseLine,
    Rounding,
)
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    assert_ledger_consistent,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    unique,
)
from tests.graphql import GraphQLClient, codes

REFUND = """
mutation Refund($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) {
    purchase { id pointsEarned pointsReversed pointsUnrecovered refundedAmount }
    refund { id refundId amount pointsReversed pointsClawedBack }
    member { pointsBalance }
    replayed
    errors { code field }
  }
}
"""

PREVIEW = """
query Preview($input: PreviewPurchaseInput!) {
  previewPurchase(input: $input) { pointsEarned breakdown { rule kind points } }
}
"""

ADJUST = """
mutation Adjust($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { pointsBalance errors { code } }
}
"""


async def _shop(gql: GraphQLClient, rate: str = "1"):
    program = await new_program(points_validity_days=365)
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(rate)
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    return program, member, till


async def test_a_purchase_earns_its_points_as_one_lot_with_an_event(gql: GraphQLClient) -> None:
    # given a program earning 1 point per euro, lots valid 365 days
    _program, member, till = await _shop(gql)
    # when a purchase of 42.50 is recorded
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, "o-1", [("A", "coffee", 1, "42.50")])
    )
    # then it earns 42 points (floor), once, in an EARN lot expiring in 365 days
    assert payload["errors"] == []
    assert payload["purchase"]["pointsEarned"] == 42
    assert payload["purchase"]["breakdown"] == [
        {
            "rule": "Base",
            "ruleId": payload["purchase"]["breakdown"][0]["ruleId"],
            "kind": "BASE_RATE",
            "points": 42,
        }
    ]
    assert payload["member"]["pointsBalance"] == 42
    lot = await LedgerEntry.get(member_id=member.id)
    assert lot.kind == "EARN" and lot.remaining == 42
    assert lot.expires_at is not None
    assert abs(lot.expires_at - (clock.now() + timedelta(days=365))) < timedelta(minutes=1)
    event = await Event.get(member_id=member.id, type="PURCHASE_RECORDED")
    assert event.data == {
        "purchase_id": int(payload["purchase"]["id"]),
        "external_id": "o-1",
        "total": "42.50",
        "currency": "EUR",
        "points": 42,
        "first_purchase": True,
        "referred": False,
        "lines": [{"sku": "A", "category": "coffee", "quantity": 1, "unit_price": "42.50"}],
    }
    assert await assert_ledger_consistent(member.id) == 42


async def test_members_are_found_by_email_or_referral_code(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql)
    by_email = purchase_input(member.id)
    by_email["member"] = {"email": member.email.upper()}
    by_code = purchase_input(member.id)
    by_code["member"] = {"referralCode": member.referral_code.lower()}
    for input in (by_email, by_code):
        payload = await till.mutate(RECORD_PURCHASE, input)
        assert payload["errors"] == [] and payload["member"]["id"] == str(member.id)
    two = purchase_input(member.id)
    two["member"] = {"id": str(member.id), "email": member.email}
    assert codes(await till.mutate(RECORD_PURCHASE, two)) == ["INVALID_INPUT"]


async def test_50_concurrent_duplicates_of_one_external_id_credit_once(gql: GraphQLClient) -> None:
    # given one purchase body
    program, member, till = await _shop(gql)
    input = purchase_input(member.id, "dup-1", [("A", None, 2, "15.00")])
    # when it is sent 50 times at once
    results = await asyncio.gather(*(till.mutate(RECORD_PURCHASE, input) for _ in range(50)))
    # then all answer the same purchase, and the points were credited once
    assert all(r["errors"] == [] for r in results)
    assert len({r["purchase"]["id"] for r in results}) == 1
    assert sum(1 for r in results if not r["replayed"]) == 1
    assert await Purchase.filter(program_id=program.id).count() == 1
    assert await LedgerEntry.filter(member_id=member.id).count() == 1
    assert await Event.filter(member_id=member.id, type="PURCHASE_RECORDED").count() == 1
    assert await assert_ledger_consistent(member.id) == 30


async def test_the_same_external_id_with_another_body_is_refused(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql)
    first = purchase_input(member.id, "o-7", [("A", None, 1, "10.00")])
    assert (await till.mutate(RECORD_PURCHASE, first))["errors"] == []
    again = await till.mutate(RECORD_PURCHASE, first)
    assert again["errors"] == [] and again["replayed"] is True
    other = purchase_input(member.id, "o-7", [("A", None, 2, "10.00")], occurred_at=clock.now())
    assert codes(await till.mutate(RECORD_PURCHASE, other)) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await assert_ledger_consistent(member.id) == 10


async def test_every_validation_error_has_its_code(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql)

    def with_(**changes: object) -> dict[str, object]:
        input = purchase_input(member.id, lines=[("A", None, 2, "5.00")])
        input.update(changes)
        return input

    line = {"sku": "A", "category": None, "quantity": 1, "unitPrice": "1.00"}
    cases = {
        "CURRENCY_MISMATCH": with_(currency="USD"),
        "INVALID_AMOUNT": with_(total="-10.00"),
        "LINES_TOTAL_MISMATCH": with_(total="10.50"),
        "INVALID_QUANTITY": with_(
            lines=[{"sku": "A", "category": None, "quantity": 0, "unitPrice": "5.00"}]
        ),
        "TOO_MANY_LINES": with_(lines=[line] * 501, total="501.00"),
        "MEMBER_NOT_FOUND": with_(member={"id": "999999999"}),
    }
    for code, input in cases.items():
        payload = await till.mutate(RECORD_PURCHASE, input)
        assert codes(payload) == [code], (code, payload)
        assert payload["purchase"] is None
    assert codes(await till.mutate(RECORD_PURCHASE, with_(total="10.001"))) == ["INVALID_AMOUNT"]
    negative = with_(lines=[{"sku": "A", "quantity": 1, "unitPrice": "-5.00"}], total="5.00")
    assert codes(await till.mutate(RECORD_PURCHASE, negative)) == ["INVALID_AMOUNT"]
    future = with_(occurredAt=(clock.now() + timedelta(hours=1)).isoformat())
    assert codes(await till.mutate(RECORD_PURCHASE, future)) == ["INVALID_INPUT"]
    assert codes(await till.mutate(RECORD_PURCHASE, with_(externalId=""))) == ["INVALID_INPUT"]
    # exactly 500 lines is fine, and a rounding cent of difference too
    ok = with_(lines=[line] * 500, total="500.01")
    assert (await till.mutate(RECORD_PURCHASE, ok))["errors"] == []


async def test_a_key_of_another_program_never_reaches_a_member(gql: GraphQLClient) -> None:
    # given a member of program A and the key of program B
    _, member, _ = await _shop(gql)
    _other_program, _, other_till = await _shop(gql)
    # when B's key reports a purchase for A's member by id, email or referral code
    for ref in (
        {"id": str(member.id)},
        {"email": member.email},
        {"referralCode": member.referral_code},
    ):
        input = purchase_input(member.id)
        input["member"] = ref
        # then the member does not exist for it
        assert codes(await other_till.mutate(RECORD_PURCHASE, input)) == ["MEMBER_NOT_FOUND"]
    assert await assert_ledger_consistent(member.id) == 0


async def test_members_and_staff_cannot_record_purchases(gql: GraphQLClient) -> None:
    _program, member, _ = await _shop(gql)
    input = purchase_input(member.id)
    assert await member.client.error_code(RECORD_PURCHASE, {"input": input}) == "FORBIDDEN"
    assert await gql.error_code(RECORD_PURCHASE, {"input": input}) == "UNAUTHENTICATED"


async def test_a_whole_refund_reverses_exactly_what_was_earned(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql, rate="1.5")
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "r-1", [("A", None, 3, "11.11")]))
    payload = await till.mutate(REFUND, {"externalId": "r-1", "refundId": "rf-1"})
    assert payload["errors"] == []
    assert payload["purchase"]["pointsEarned"] == 49  # floor(33.33 * 1.5)
    assert payload["purchase"]["pointsReversed"] == 49
    assert payload["refund"]["amount"] == "33.33"
    assert payload["member"]["pointsBalance"] == 0
    # a second whole refund finds nothing left
    again = await till.mutate(REFUND, {"externalId": "r-1", "refundId": "rf-2"})
    assert codes(again) == ["REFUND_EXCEEDS_PURCHASE"]
    assert await Event.filter(member_id=member.id, type="PURCHASE_REFUNDED").count() == 1
    assert await assert_ledger_consistent(member.id) == 0


async def test_partial_refunds_reverse_in_proportion_and_add_up(gql: GraphQLClient) -> None:
    # given a purchase of 100.00 earning 100 points
    _program, member, till = await _shop(gql)
    lines = [("A", None, 2, "30.00"), ("B", None, 4, "10.00")]
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "p-1", lines))
    # when one B line (10.00), then 33.33, then the rest are refunded
    by_line = await till.mutate(
        REFUND, {"externalId": "p-1", "refundId": "a", "lines": [{"sku": "B", "quantity": 1}]}
    )
    by_amount = await till.mutate(REFUND, {"externalId": "p-1", "refundId": "b", "amount": "33.33"})
    rest = await till.mutate(REFUND, {"externalId": "p-1", "refundId": "c"})
    # then each reverses its share (cumulated, rounded half up) and all of them reverse 100
    assert [r["refund"]["pointsReversed"] for r in (by_line, by_amount, rest)] == [10, 33, 57]
    assert rest["refund"]["amount"] == "56.67"
    assert rest["purchase"]["pointsReversed"] == 100
    assert await assert_ledger_consistent(member.id) == 0


async def test_refunding_more_than_was_bought_is_refused(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql)
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "x-1", [("A", None, 2, "5.00")]))
    too_much = await till.mutate(REFUND, {"externalId": "x-1", "refundId": "1", "amount": "10.01"})
    assert codes(too_much) == ["REFUND_EXCEEDS_PURCHASE"]
    too_many = await till.mutate(
        REFUND, {"externalId": "x-1", "refundId": "2", "lines": [{"sku": "A", "quantity": 3}]}
    )
    assert codes(too_many) == ["REFUND_EXCEEDS_PURCHASE"]
    unknown = await till.mutate(REFUND, {"externalId": "nope", "refundId": "3"})
    assert codes(unknown) == ["PURCHASE_NOT_FOUND"]
    both = await till.mutate(
        REFUND,
        {
            "externalId": "x-1",
            "refundId": "4",
            "amount": "1.00",
            "lines": [{"sku": "A", "quantity": 1}],
        },
    )
    assert codes(both) == ["INVALID_INPUT"]
    assert codes(
        await till.mutate(REFUND, {"externalId": "x-1", "refundId": "5", "amount": "0"})
    ) == ["INVALID_AMOUNT"]
    assert await assert_ledger_consistent(member.id) == 10


async def test_a_refund_takes_the_balance_to_zero_and_records_the_rest(gql: GraphQLClient) -> None:
    # given a member who spent most of a purchase's 100 points
    _program, member, till = await _shop(gql)
    manager_payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, "s-1", [("A", None, 1, "100.00")])
    )
    assert manager_payload["member"]["pointsBalance"] == 100
    from gamification import events
    from gamification.accounts.models import Member
    from gamification.points import ledger
    from gamification.points.models import LedgerKind

    async with events.atomic():
        await ledger.spend(await Member.get(id=member.id), 80, LedgerKind.REDEEM, reason="reward")
    # when the purchase is refunded whole
    payload = await till.mutate(REFUND, {"externalId": "s-1", "refundId": "r"})
    # then 20 come back, 80 are recorded as unrecovered, and the balance is zero
    assert payload["refund"]["pointsReversed"] == 100
    assert payload["refund"]["pointsClawedBack"] == 20
    assert payload["purchase"]["pointsUnrecovered"] == 80
    assert await assert_ledger_consistent(member.id) == 0


async def test_concurrent_refunds_with_one_refund_id_reverse_once(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql)
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "c-1", [("A", None, 1, "80.00")]))
    input = {"externalId": "c-1", "refundId": "same", "amount": "20.00"}
    results = await asyncio.gather(*(till.mutate(REFUND, input) for _ in range(30)))
    assert all(r["errors"] == [] for r in results)
    assert len({r["refund"]["id"] for r in results}) == 1
    assert await assert_ledger_consistent(member.id) == 60
    changed = {"externalId": "c-1", "refundId": "same", "amount": "21.00"}
    assert codes(await till.mutate(REFUND, changed)) == ["IDEMPOTENCY_KEY_REUSED"]


async def test_concurrent_distinct_refunds_never_exceed_the_purchase(gql: GraphQLClient) -> None:
    _program, member, till = await _shop(gql)
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "d-1", [("A", None, 1, "50.00")]))
    results = await asyncio.gather(
        *(
            till.mutate(REFUND, {"externalId": "d-1", "refundId": f"r{i}", "amount": "10.00"})
            for i in range(12)
        )
    )
    assert sum(1 for r in results if not r["errors"]) == 5
    assert all(codes(r) == ["REFUND_EXCEEDS_PURCHASE"] for r in results if r["errors"])
    assert await assert_ledger_consistent(member.id) == 0


async def test_preview_writes_nothing_and_matches_the_recorded_purchase(
    gql: GraphQLClient,
) -> None:
    program, member, till = await _shop(gql)
    await add_rule(program, name="Welcome", kind=EarningRuleKind.FIRST_PURCHASE, fixed_points=50)
    lines = [{"sku": "A", "category": "tea", "quantity": 3, "unitPrice": "4.20"}]
    own = await member.client.query(PREVIEW, {"input": {"lines": lines}})
    by_till = await till.query(
        PREVIEW, {"input": {"lines": lines, "member": {"id": str(member.id)}}}
    )
    assert own == by_till
    assert own["previewPurchase"]["pointsEarned"] == 62
    assert await Purchase.filter(member_id=member.id).count() == 0
    recorded = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "tea", 3, "4.20")])
    )
    assert recorded["purchase"]["pointsEarned"] == 62
    # a member cannot preview for someone else; staff cannot preview at all
    other = {"input": {"lines": lines, "member": {"id": str(member.id)}}}
    assert await member.client.error_code(PREVIEW, other) == "INVALID_INPUT"


async def test_a_member_named_by_a_value_longer_than_its_column_is_not_found(
    gql: GraphQLClient,
) -> None:
    # given a till, and member references no member's email or referral code can be as long as
    _program, _member, till = await _shop(gql)
    lines = [{"sku": "A", "quantity": 1, "unitPrice": "1.00"}]
    for ref in ({"email": "é" * 400 + "@example.com"}, {"referralCode": "X" * 17}):
        # when the till previews a basket for each
        code = await till.error_code(PREVIEW, {"input": {"lines": lines, "member": ref}})
        # then it is no such member, as for any unknown one
        assert code == "MEMBER_NOT_FOUND", ref


async def test_a_refund_of_an_external_id_no_purchase_could_have_is_invalid_input(
    gql: GraphQLClient,
) -> None:
    # given a till
    _program, _member, till = await _shop(gql)
    # when it refunds an externalId longer than recordPurchase takes
    refused = await till.mutate(REFUND, {"externalId": "é" * 300, "refundId": "r-1"})
    # then it is refused as recordPurchase refuses it
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_INPUT", "externalId")]


async def test_purchases_fill_lots_that_are_spent_oldest_first(gql: GraphQLClient) -> None:
    # given two purchases recorded a day apart (lots expiring a day apart)
    _program, member, till = await _shop(gql)
    start = clock.now()
    with clock.frozen_at(start) as time:
        await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, "f-1", [("A", None, 1, "30.00")])
        )
        time.advance(timedelta(days=1))
        await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, "f-2", [("A", None, 1, "20.00")])
        )
        # when 40 points are spent
        from gamification import events
        from gamification.accounts.models import Member
        from gamification.points import ledger
        from gamification.points.models import LedgerKind

        async with events.atomic():
            await ledger.spend(await Member.get(id=member.id), 40, LedgerKind.REDEEM)
    # then the first lot is empty and the second keeps 10
    lots = await LedgerEntry.filter(member_id=member.id, kind="EARN").order_by("id")
    assert [lot.remaining for lot in lots] == [0, 10]
    assert await assert_ledger_consistent(member.id) == 10


async def test_rounding_modes_of_the_base_rule(gql: GraphQLClient) -> None:
    for rounding, expected in ((Rounding.FLOOR, 12), (Rounding.HALF_UP, 13), (Rounding.CEIL, 13)):
        program = await new_program()
        await add_rule(
            program,
            name="Base",
            kind=EarningRuleKind.BASE_RATE,
            points_per_unit=Decimal("0.5"),
            rounding=rounding,
        )
        member = await sign_up(gql, program)
        till = await integration_client(gql, program)
        payload = await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, unique("o"), [("A", None, 1, "25.00")])
        )
        assert payload["purchase"]["pointsEarned"] == expected, rounding


async def test_concurrent_first_purchases_get_the_welcome_bonus_once(gql: GraphQLClient) -> None:
    # given a welcome bonus and a member who never bought anything
    program, member, till = await _shop(gql)
    await add_rule(program, name="Welcome", kind=EarningRuleKind.FIRST_PURCHASE, fixed_points=50)
    # when ten different purchases arrive at once
    results = await asyncio.gather(
        *(
            till.mutate(
                RECORD_PURCHASE, purchase_input(member.id, f"w-{i}", [("A", None, 1, "1.00")])
            )
            for i in range(10)
        )
    )
    # then exactly one of them is the first purchase
    assert all(r["errors"] == [] for r in results)
    assert sum(1 for r in results if r["purchase"]["firstPurchase"]) == 1
    assert await assert_ledger_consistent(member.id) == 10 + 50
    # and each answer's balance is the one its own purchase left (they queued on the member)
    balances = sorted(r["member"]["pointsBalance"] for r in results)
    assert len(set(balances)) == 10 and balances[-1] == 60


async def test_a_key_of_another_program_cannot_refund_a_purchase(gql: GraphQLClient) -> None:
    _, member, till = await _shop(gql)
    _, _, other_till = await _shop(gql)
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "mine", [("A", None, 1, "9.00")]))
    refused = await other_till.mutate(REFUND, {"externalId": "mine", "refundId": "x"})
    assert codes(refused) == ["PURCHASE_NOT_FOUND"]
    assert await assert_ledger_consistent(member.id) == 9


async def test_hostile_amounts_get_codes_never_a_500(gql: GraphQLClient) -> None:
    _, member, till = await _shop(gql)
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, "h-1", [("A", None, 1, "5.00")]))
    for value in ("NaN", "Infinity", "-Infinity", "1e400", "1e-400"):
        input = purchase_input(member.id, lines=[("A", None, 1, "5.00")])
        input["total"] = value
        assert codes(await till.mutate(RECORD_PURCHASE, input)) == ["INVALID_AMOUNT"], value
        input = purchase_input(member.id, lines=[("A", None, 1, value)], total="5.00")
        assert codes(await till.mutate(RECORD_PURCHASE, input)) == ["INVALID_AMOUNT"], value
        refund = {"externalId": "h-1", "refundId": f"h-{value}", "amount": value}
        assert codes(await till.mutate(REFUND, refund)) == ["INVALID_AMOUNT"], value
    naive = purchase_input(member.id)
    naive["occurredAt"] = "2026-01-01T10:00:00"
    assert await till.error_code(RECORD_PURCHASE, {"input": naive}) == "INVALID_TIME"
    assert await assert_ledger_consistent(member.id) == 5


async def test_a_basket_of_450_lines_stores_each_line_under_its_own_id_in_order(
    gql: GraphQLClient,
) -> None:
    # given a shop; when a purchase of 450 lines is recorded (more than one INSERT's worth)
    _program, member, till = await _shop(gql)
    lines = [(f"SKU-{i}", None, 1 + i % 3, "1.00") for i in range(450)]
    payload = await till.mutate(RECORD_PURCHASE, purchase_input(member.id, unique("big"), lines))
    assert payload["errors"] == []
    # then every line is stored once, in the basket's order of ids
    stored = await PurchaseLine.filter(purchase_id=int(payload["purchase"]["id"])).order_by("id")
    assert [(line.position, line.sku, line.quantity) for line in stored] == [
        (i, f"SKU-{i}", 1 + i % 3) for i in range(450)
    ]


async def test_a_purchase_time_with_an_offset_is_stored_as_the_same_instant(
    gql: GraphQLClient,
) -> None:
    # given a till two hours ahead of UTC
    _program, member, till = await _shop(gql)
    local = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    # when it reports a purchase at its local time
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, unique("tz"), occurred_at=local)
    )
    assert payload["errors"] == []
    # then the stored time is the same instant, in UTC
    purchase = await Purchase.get(id=int(payload["purchase"]["id"]))
    assert purchase.occurred_at == local
    assert purchase.occurred_at.utcoffset() == timedelta(0)


async def test_the_first_purchase_migration_dates_every_buyer_by_their_first_purchase(
    gql: GraphQLClient,
) -> None:
    # given a member with two purchases and one who never bought, as before migration 0012
    program, buyer, till = await _shop(gql)
    for key in ("m1", "m2"):
        payload = await till.mutate(RECORD_PURCHASE, purchase_input(buyer.id, unique(key)))
        assert payload["errors"] == []
    other = await sign_up(gql, program)
    first = await Purchase.filter(member_id=buyer.id).order_by("id").first()
    assert first is not None
    await Member.filter(id__in=[buyer.id, other.id]).update(first_purchase_at=None)
    # when the migration's backfill runs
    migration = importlib.import_module("gamification.migrations.0012_member_first_purchase")
    backfill = next(op for op in migration.Migration.operations if hasattr(op, "sql"))
    await connections.get("default").execute_script(backfill.sql)
    # then the buyer is dated by their first purchase and the other is still a first-timer
    assert (await Member.get(id=buyer.id)).first_purchase_at == first.recorded_at
    assert (await Member.get(id=other.id)).first_purchase_at is None
