"""GraphQL types of earning rules (campaigns are rules of kind CAMPAIGN)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.errors import UserError
from gamification.points import models as points_models

EarningRuleKind = strawberry.enum(points_models.EarningRuleKind, name="EarningRuleKind")
Rounding = strawberry.enum(points_models.Rounding, name="Rounding")


@strawberry.type
class EarningRule:
    id: strawberry.ID
    name: str
    kind: EarningRuleKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    priority: int
    starts_at: datetime | None
    ends_at: datetime | None
    points_per_unit: Decimal | None
    rounding: Rounding  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    sku: str | None
    category: str | None
    multiplier: Decimal | None
    fixed_points: int | None
    min_total: Decimal | None
    tier_id: strawberry.ID | None
    archived: bool

    @classmethod
    def from_model(cls, rule: points_models.EarningRule) -> EarningRule:
        def dec(value: object) -> Decimal | None:
            # Trailing zeros of the column's scale say nothing: "2", not "2.0000".
            return (
                Decimal(format(Decimal(str(value)).normalize(), "f")) if value is not None else None
            )

        return cls(
            id=strawberry.ID(str(rule.id)),
            name=rule.name,
            kind=rule.kind,
            priority=rule.priority,
            starts_at=rule.starts_at,
            ends_at=rule.ends_at,
            points_per_unit=dec(rule.points_per_unit),
            rounding=rule.rounding,
            sku=rule.sku,
            category=rule.category,
            multiplier=dec(rule.multiplier),
            fixed_points=rule.fixed_points,
            min_total=dec(rule.min_total),
            tier_id=strawberry.ID(str(rule.tier_id)) if rule.tier_id else None,
            archived=rule.archived,
        )


@strawberry.input(
    description="Which fields a kind uses: BASE_RATE pointsPerUnit and rounding; PRODUCT sku or "
    "category, and multiplier or fixedPoints (per unit); CAMPAIGN multiplier, startsAt, endsAt, "
    "maybe tierId and category; FIRST_PURCHASE fixedPoints; MINIMUM_BASKET minTotal."
)
class CreateEarningRuleInput:
    name: str
    kind: EarningRuleKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    priority: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    points_per_unit: Decimal | None = None
    rounding: Rounding = points_models.Rounding.FLOOR  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    sku: str | None = None
    category: str | None = None
    multiplier: Decimal | None = None
    fixed_points: int | None = None
    min_total: Decimal | None = None
    tier_id: strawberry.ID | None = None


@strawberry.input(description="Fields left out stay as they are; null clears an optional one.")
class UpdateEarningRuleInput:
    rule_id: strawberry.ID
    name: str | None = strawberry.UNSET
    priority: int | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    points_per_unit: Decimal | None = strawberry.UNSET
    rounding: Rounding | None = strawberry.UNSET  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    sku: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    multiplier: Decimal | None = strawberry.UNSET
    fixed_points: int | None = strawberry.UNSET
    min_total: Decimal | None = strawberry.UNSET
    tier_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class ArchiveEarningRuleInput:
    rule_id: strawberry.ID


@strawberry.type
class EarningRulePayload:
    earning_rule: EarningRule | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
