"""Staff management of earning rules and campaigns (ADMIN or MANAGER), and their list."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.audiences import audience_values
from api.context import Info
from api.earning_rules.types import (
    ArchiveEarningRuleInput,
    CreateEarningRuleInput,
    EarningRule,
    EarningRulePayload,
    EarningRulePreview,
    PreviewBasketInput,
    UpdateEarningRuleInput,
)
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from api.purchases.types import PointsBreakdown, PurchasePreview
from gamification.accounts.models import StaffRole
from gamification.points import earning_rules, purchases
from gamification.points.earning_rules import Evaluation
from gamification.programs.models import Program


def rule_values(input: Any, names: tuple[str, ...]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(input, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if name == "tier_id":
            value = parse_id(value, "tierId") if value is not None else None
        elif name in ("name", "priority", "rounding", "kind") and value is None:
            continue  # not nullable in the model
        values[name] = value
    return values


@strawberry.type
class EarningRuleMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Add an earning rule or a campaign; it applies to purchases that occur in "
        "its window from now on. Staff, MANAGER role or higher. Codes: INVALID_INPUT (name, "
        "priority, sku, category), INVALID_RULE (fields that do not fit the kind, a window "
        "that ends before it starts), TIER_NOT_FOUND.",
    )
    @returns_user_errors(EarningRulePayload)
    async def create_earning_rule(
        self,
        info: Info,
        input: Annotated[
            CreateEarningRuleInput,
            strawberry.argument(description="The rule's kind and the fields that kind uses."),
        ],
    ) -> EarningRulePayload:
        rule = await earning_rules.create_rule(
            info.context.actor,
            info.context.program_id,
            **rule_values(input, earning_rules.RULE_FIELDS),
            **audience_values(input),
        )
        return EarningRulePayload(earning_rule=EarningRule.from_model(rule))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change a rule; points already earned stay. Staff, MANAGER role or higher. "
        "Codes: NOT_FOUND, INVALID_INPUT (name, priority, sku, category), INVALID_RULE (fields "
        "that do not fit the kind, a window that ends before it starts), TIER_NOT_FOUND.",
    )
    @returns_user_errors(EarningRulePayload)
    async def update_earning_rule(
        self,
        info: Info,
        input: Annotated[
            UpdateEarningRuleInput,
            strawberry.argument(description="The rule and the fields that change."),
        ],
    ) -> EarningRulePayload:
        rule = await earning_rules.update_rule(
            info.context.actor,
            info.context.program_id,
            parse_id(input.rule_id, "ruleId"),
            **rule_values(input, earning_rules.RULE_FIELDS),
            **audience_values(input),
        )
        return EarningRulePayload(earning_rule=EarningRule.from_model(rule))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Stop a rule (archiving twice is harmless). Staff, MANAGER role or higher. "
        "Codes: NOT_FOUND.",
    )
    @returns_user_errors(EarningRulePayload)
    async def archive_earning_rule(
        self,
        info: Info,
        input: Annotated[ArchiveEarningRuleInput, strawberry.argument(description="Which rule.")],
    ) -> EarningRulePayload:
        rule = await earning_rules.archive_rule(
            info.context.actor, info.context.program_id, parse_id(input.rule_id, "ruleId")
        )
        return EarningRulePayload(earning_rule=EarningRule.from_model(rule))


@strawberry.type
class EarningRuleQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="The program's earning rules and campaigns, highest priority first. Staff, "
        "any role.",
    )
    async def earning_rules(
        self,
        info: Info,
        include_archived: Annotated[
            bool, strawberry.argument(description="Also list archived rules (default false).")
        ] = False,
    ) -> list[EarningRule]:
        rules = await earning_rules.list_rules(info.context.program_id, include_archived)
        return [EarningRule.from_model(r) for r in rules]

    @strawberry.field(
        extensions=staff_only(StaffRole.MANAGER),
        description="Price a sample basket with a rule before saving it: the program's saved "
        "rules alone, then with the draft, through the engine recordPurchase uses. Writes "
        "nothing. Staff, MANAGER role or higher. Codes: those of createEarningRule for the "
        "rule; INVALID_INPUT, INVALID_AMOUNT, INVALID_QUANTITY, CURRENCY_MISMATCH, "
        "TOO_MANY_LINES, TIER_NOT_FOUND (memberTierId) for the basket.",
    )
    @returns_user_errors(EarningRulePreview)
    async def preview_earning_rule(
        self,
        info: Info,
        rule: Annotated[
            CreateEarningRuleInput,
            strawberry.argument(description="The rule as createEarningRule would take it."),
        ],
        basket: Annotated[PreviewBasketInput, strawberry.argument(description="What to price.")],
    ) -> EarningRulePreview:
        tier_id = basket.member_tier_id
        preview = await purchases.preview_draft_rule(
            await Program.get(id=info.context.program_id),
            rule_values(rule, earning_rules.RULE_FIELDS),
            lines=[line.to_line() for line in basket.lines],
            currency=basket.currency,
            total=basket.total,
            occurred_at=basket.occurred_at,
            tier_id=parse_id(tier_id, "memberTierId") if tier_id is not None else None,
            first_purchase=basket.first_purchase,
        )
        return EarningRulePreview(
            without_rule=_priced(preview.without_draft), with_rule=_priced(preview.with_draft)
        )


def _priced(evaluation: Evaluation) -> PurchasePreview:
    return PurchasePreview(
        points_earned=evaluation.points,
        breakdown=[PointsBreakdown.from_item(item) for item in evaluation.breakdown],
    )
