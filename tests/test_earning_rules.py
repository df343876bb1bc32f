"""Earning rules: how they combine (exact points), priorities, windows, and staff management."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.points import tiers
from gamification.points.models import EarningRuleKind
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

CREATE_RULE = """
mutation Create($input: CreateEarningRuleInput!) {
  createEarningRule(input: $input) {
    earningRule { id name kind priority multiplier startsAt endsAt archived }
    errors { code field }
  }
}
"""

UPDATE_RULE = """
mutation Update($input: UpdateEarningRuleInput!) {
  updateEarningRule(input: $input) {
    earningRule { id name priority multiplier category } errors { code field }
  }
}
"""

ARCHIVE_RULE = """
mutation Archive($input: ArchiveEarningRuleInput!) {
  archiveEarningRule(input: $input) { earningRule { id archived } errors { code } }
}
"""

RULES = """
query($all: Boolean!) { earningRules(includeArchived: $all) { id name kind } }
"""


async def _earn(till: GraphQLClient, member_id: int, lines, **kw) -> dict:
    payload = await till.mutate(RECORD_PURCHASE, purchase_input(member_id, lines=lines, **kw))
    assert payload["errors"] == [], payload["errors"]
    return payload["purchase"]


async def test_every_kind_of_rule_combines_to_the_documented_points(gql: GraphQLClient) -> None:
    # given a base rate, a SKU multiplier, a category's fixed points, a coffee double-points
    # campaign, a Gold tier at x1.5 and a first-purchase bonus
    program = await new_program()
    now = clock.now()
    base = await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1)
    )
    beans = await add_rule(
        program, name="Beans x3", kind=EarningRuleKind.PRODUCT, sku="BEANS", multiplier=Decimal(3)
    )
    mugs = await add_rule(
        program, name="Mugs 25", kind=EarningRuleKind.PRODUCT, category="mugs", fixed_points=25
    )
    double = await add_rule(
        program,
        name="Coffee x2",
        kind=EarningRuleKind.CAMPAIGN,
        multiplier=Decimal(2),
        category="coffee",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    welcome = await add_rule(
        program, name="Welcome", kind=EarningRuleKind.FIRST_PURCHASE, fixed_points=100
    )
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 1, 1_000_000, Decimal("1.5"))
    member = await sign_up(gql, program)
    async with events.atomic():
        await tiers.set_member_tier(await Member.get(id=member.id), gold, "test")
    till = await integration_client(gql, program)
    lines = [
        ("BEANS", "coffee", 2, "12.50"),
        ("MUG", "mugs", 1, "8.00"),
        ("CAKE", "food", 3, "3.30"),
    ]
    # when the member buys beans, a mug and cakes
    first = await _earn(till, member.id, lines)
    # then each rule's share is exact (see docs/points.md) and they add up
    assert [(b["ruleId"], b["kind"], b["points"]) for b in first["breakdown"]] == [
        (str(base), "BASE_RATE", 42),  # 25 + 8 + 9.90 = 42.90
        (str(beans), "PRODUCT", 50),  # 25 x (3 - 1)
        (str(mugs), "PRODUCT", 17),  # 25 fixed instead of 8
        (str(double), "CAMPAIGN", 75),  # the coffee line's 75 again
        (None, "TIER", 92),  # (75 + 25 + 9.90 + 75) x 0.5 = 92.45
        (str(welcome), "FIRST_PURCHASE", 100),
    ]
    assert first["pointsEarned"] == 376 and first["firstPurchase"] is True
    # and the same basket again earns the same but the welcome bonus
    again = await _earn(till, member.id, lines)
    assert again["pointsEarned"] == 276 and again["firstPurchase"] is False


async def test_campaign_windows_include_the_start_and_exclude_the_end(gql: GraphQLClient) -> None:
    program = await new_program()
    start = (clock.now() - timedelta(days=10)).replace(microsecond=0)
    end = start + timedelta(days=2)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    await add_rule(
        program,
        name="Weekend x2",
        kind=EarningRuleKind.CAMPAIGN,
        multiplier=Decimal(2),
        starts_at=start,
        ends_at=end,
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    expected = {
        start - timedelta(microseconds=1): 10,
        start: 20,
        end - timedelta(microseconds=1): 20,
        end: 10,
    }
    for at, points in expected.items():
        purchase = await _earn(till, member.id, [("A", None, 1, "10.00")], occurred_at=at)
        assert purchase["pointsEarned"] == points, at


async def test_campaigns_add_up_and_can_be_limited_to_a_tier(gql: GraphQLClient) -> None:
    program = await new_program()
    now = clock.now()
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(hours=1)}
    silver = await tiers.create_tier(SYSTEM, program.id, "Silver", 1, 1_000_000)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    for name in ("Double A", "Double B"):
        await add_rule(
            program, name=name, kind=EarningRuleKind.CAMPAIGN, multiplier=Decimal(2), **window
        )
    await add_rule(
        program,
        name="Silver x3",
        kind=EarningRuleKind.CAMPAIGN,
        multiplier=Decimal(3),
        tier_id=silver.id,
        **window,
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    # two double-points campaigns make triple points, not quadruple
    assert (await _earn(till, member.id, [("A", None, 1, "10.00")]))["pointsEarned"] == 30
    # the Silver campaign adds its x3 only for Silver members
    async with events.atomic():
        await tiers.set_member_tier(await Member.get(id=member.id), silver, "test")
    assert (await _earn(till, member.id, [("A", None, 1, "10.00")]))["pointsEarned"] == 50


async def test_a_basket_below_the_minimum_earns_nothing(gql: GraphQLClient) -> None:
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    minimum = await add_rule(
        program, name="Min 20", kind=EarningRuleKind.MINIMUM_BASKET, min_total=Decimal(20)
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    below = await _earn(till, member.id, [("A", None, 1, "19.99")])
    assert below["pointsEarned"] == 0
    assert below["breakdown"] == [
        {"rule": "Min 20", "ruleId": str(minimum), "kind": "MINIMUM_BASKET", "points": 0}
    ]
    assert (await _earn(till, member.id, [("A", None, 1, "20.00")]))["pointsEarned"] == 20


async def test_priorities_pick_one_base_rate_and_one_product_rule_per_line(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    await add_rule(program, name="Low", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    await add_rule(
        program, name="High", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(2), priority=5
    )
    await add_rule(
        program, name="Tea x2", kind=EarningRuleKind.PRODUCT, category="tea", multiplier=Decimal(2)
    )
    await add_rule(
        program, name="Earl Grey x5", kind=EarningRuleKind.PRODUCT, sku="EG", multiplier=Decimal(5)
    )
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    # at equal priority the SKU rule beats the category rule; the higher base rate applies
    purchase = await _earn(
        till, member.id, [("EG", "tea", 1, "10.00"), ("GREEN", "tea", 1, "1.00")]
    )
    assert purchase["pointsEarned"] == 100 + 4
    assert [b["rule"] for b in purchase["breakdown"]] == ["High", "Earl Grey x5", "Tea x2"]


async def test_staff_manage_rules_and_campaigns(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    analyst = await staff_client(gql, program, "ANALYST")
    now = clock.now()
    created = await manager.mutate(
        CREATE_RULE,
        {
            "name": "Summer x2",
            "kind": "CAMPAIGN",
            "multiplier": "2",
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(days=7)).isoformat(),
        },
    )
    assert created["errors"] == []
    rule_id = created["earningRule"]["id"]
    updated = await manager.mutate(
        UPDATE_RULE, {"ruleId": rule_id, "multiplier": "3", "category": "coffee", "priority": 2}
    )
    assert updated["errors"] == []
    assert updated["earningRule"]["multiplier"] == "3"
    assert updated["earningRule"]["category"] == "coffee"
    cleared = await manager.mutate(UPDATE_RULE, {"ruleId": rule_id, "category": None})
    assert cleared["earningRule"]["category"] is None
    # a priority is never empty: null leaves it as it was (as for the name), not a 500
    kept = await manager.mutate(UPDATE_RULE, {"ruleId": rule_id, "priority": None})
    assert kept["errors"] == [] and kept["earningRule"]["priority"] == 2
    # bad rules have codes
    no_window = await manager.mutate(
        CREATE_RULE, {"name": "x", "kind": "CAMPAIGN", "multiplier": "2"}
    )
    assert codes(no_window) == ["INVALID_RULE"]
    no_rate = await manager.mutate(CREATE_RULE, {"name": "x", "kind": "BASE_RATE"})
    assert codes(no_rate) == ["INVALID_RULE"]
    both = await manager.mutate(
        CREATE_RULE,
        {"name": "x", "kind": "PRODUCT", "sku": "A", "multiplier": "2", "fixedPoints": 3},
    )
    assert codes(both) == ["INVALID_RULE"]
    zero = await manager.mutate(
        CREATE_RULE, {"name": "x", "kind": "PRODUCT", "sku": "A", "multiplier": "0"}
    )
    assert codes(zero) == ["INVALID_RULE"]
    # archiving hides it from the default list
    archived = await manager.mutate(ARCHIVE_RULE, {"ruleId": rule_id})
    assert archived["earningRule"]["archived"] is True
    assert (await analyst.query(RULES, {"all": False}))["earningRules"] == []
    assert len((await analyst.query(RULES, {"all": True}))["earningRules"]) == 1
    # analysts read but do not write; another program's staff cannot touch the rule
    assert await analyst.error_code(ARCHIVE_RULE, {"input": {"ruleId": rule_id}}) == "FORBIDDEN"
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    assert codes(await stranger.mutate(ARCHIVE_RULE, {"ruleId": rule_id})) == ["NOT_FOUND"]


async def test_hostile_numbers_get_codes_never_a_500(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    for value in ("NaN", "Infinity", "-Infinity", "1e400", "-1"):
        for input in (
            {"name": "x", "kind": "BASE_RATE", "pointsPerUnit": value},
            {"name": "x", "kind": "PRODUCT", "sku": "A", "multiplier": value},
            {"name": "x", "kind": "MINIMUM_BASKET", "minTotal": value},
        ):
            payload = await manager.mutate(CREATE_RULE, input)
            assert codes(payload) == ["INVALID_RULE"], (input, payload)
        tier = await manager.mutate(
            "mutation($input: CreateTierInput!) { createTier(input: $input) { errors { code } } }",
            {"name": "T", "rank": 7, "earningMultiplier": value},
        )
        assert codes(tier) == ["INVALID_INPUT"], (value, tier)


PREVIEW_RULE = """
query($rule: CreateEarningRuleInput!, $basket: PreviewBasketInput!) {
  previewEarningRule(rule: $rule, basket: $basket) {
    withoutRule { pointsEarned breakdown { rule ruleId kind points } }
    withRule { pointsEarned breakdown { rule ruleId kind points } }
    errors { code field }
  }
}
"""
BASKET = {
    "lines": [
        {"sku": "LATTE", "category": "coffee", "quantity": 2, "unitPrice": "4.50"},
        {"sku": "MUG", "category": "goods", "quantity": 1, "unitPrice": "12.00"},
    ]
}


async def test_a_manager_prices_a_sample_basket_with_a_draft_rule_before_saving_it(
    gql: GraphQLClient,
) -> None:
    # given a program that earns 10 points per euro
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=10)
    manager = await staff_client(gql, program, "MANAGER")
    draft = {"name": "Coffee x3", "kind": "PRODUCT", "category": "coffee", "multiplier": "3"}
    # when the manager previews a coffee multiplier on a sample basket
    answer = await manager.query(PREVIEW_RULE, {"rule": draft, "basket": BASKET})
    preview = answer["previewEarningRule"]
    # then the basket is priced without it (210) and with it (90 coffee points x3 + 120)
    assert preview["errors"] == []
    assert preview["withoutRule"]["pointsEarned"] == 210
    assert preview["withRule"]["pointsEarned"] == 390
    drafted = [item for item in preview["withRule"]["breakdown"] if item["rule"] == "Coffee x3"]
    assert drafted == [{"rule": "Coffee x3", "ruleId": None, "kind": "PRODUCT", "points": 180}]
    # and nothing was saved
    assert [r["name"] for r in (await manager.query(RULES, {"all": True}))["earningRules"]] == [
        "Base"
    ]


async def test_a_draft_is_refused_as_create_refuses_it_and_analysts_cannot_preview(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=10)
    manager = await staff_client(gql, program, "MANAGER")
    cases = [
        (
            {"name": "x", "kind": "CAMPAIGN", "multiplier": "2"},
            BASKET,
            ("INVALID_RULE", "startsAt"),
        ),
        (
            {"name": "Base", "kind": "FIRST_PURCHASE", "fixedPoints": 5},
            BASKET,
            ("NAME_TAKEN", "name"),
        ),
        (
            {"name": "y", "kind": "FIRST_PURCHASE", "fixedPoints": 5},
            {"lines": [{"sku": "A", "quantity": 0, "unitPrice": "1"}]},
            ("INVALID_QUANTITY", "lines.0.quantity"),
        ),
        (
            {"name": "y", "kind": "FIRST_PURCHASE", "fixedPoints": 5},
            {**BASKET, "memberTierId": "999999"},
            ("TIER_NOT_FOUND", "memberTierId"),
        ),
    ]
    for rule, basket, expected in cases:
        answer = await manager.query(PREVIEW_RULE, {"rule": rule, "basket": basket})
        preview = answer["previewEarningRule"]
        assert [(e["code"], e["field"]) for e in preview["errors"]] == [expected], rule
        assert preview["withRule"] is None
        if expected[0] in ("INVALID_RULE", "NAME_TAKEN"):  # createEarningRule says the same
            created = await manager.mutate(CREATE_RULE, rule)
            assert [(e["code"], e["field"]) for e in created["errors"]] == [expected]
    first = await manager.query(
        PREVIEW_RULE,
        {
            "rule": {"name": "Welcome", "kind": "FIRST_PURCHASE", "fixedPoints": 50},
            "basket": {**BASKET, "firstPurchase": True},
        },
    )
    assert first["previewEarningRule"]["withRule"]["pointsEarned"] == 210 + 50
    analyst = await staff_client(gql, program, "ANALYST")
    variables = {
        "rule": {"name": "z", "kind": "FIRST_PURCHASE", "fixedPoints": 5},
        "basket": BASKET,
    }
    assert await analyst.error_code(PREVIEW_RULE, variables) == "FORBIDDEN"
