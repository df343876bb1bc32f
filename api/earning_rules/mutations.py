"""Staff management of earning rules and campaigns (ADMIN or MANAGER), and their list."""

from __future__ import annotations

from typing import Any

import strawberry

from api.context import Info
from api.earning_rules.types import (
    ArchiveEarningRuleInput,
    CreateEarningRuleInput,
    EarningRule,
    EarningRulePayload,
    UpdateEarningRuleInput,
)
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from gamification.accounts.models import StaffRole
from gamification.points import earning_rules


def _values(input: Any, names: tuple[str, ...]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(input, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if name == "tier_id":
            value = parse_id(value, "tierId") if value is not None else None
        elif name in ("name", "rounding", "kind") and value is None:
            continue  # not nullable in the model
        values[name] = value
    return values


@strawberry.type
class EarningRuleMutations:
    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(EarningRulePayload)
    async def create_earning_rule(
        self, info: Info, input: CreateEarningRuleInput
    ) -> EarningRulePayload:
        rule = await earning_rules.create_rule(
            info.context.program_id, **_values(input, earning_rules.RULE_FIELDS)
        )
        return EarningRulePayload(earning_rule=EarningRule.from_model(rule))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(EarningRulePayload)
    async def update_earning_rule(
        self, info: Info, input: UpdateEarningRuleInput
    ) -> EarningRulePayload:
        rule = await earning_rules.update_rule(
            info.context.program_id,
            parse_id(input.rule_id, "ruleId"),
            **_values(input, earning_rules.RULE_FIELDS),
        )
        return EarningRulePayload(earning_rule=EarningRule.from_model(rule))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(EarningRulePayload)
    async def archive_earning_rule(
        self, info: Info, input: ArchiveEarningRuleInput
    ) -> EarningRulePayload:
        rule = await earning_rules.archive_rule(
            info.context.program_id, parse_id(input.rule_id, "ruleId")
        )
        return EarningRulePayload(earning_rule=EarningRule.from_model(rule))


@strawberry.type
class EarningRuleQueries:
    @strawberry.field(extensions=staff_only())
    async def earning_rules(self, info: Info, include_archived: bool = False) -> list[EarningRule]:
        rules = await earning_rules.list_rules(info.context.program_id, include_archived)
        return [EarningRule.from_model(r) for r in rules]
