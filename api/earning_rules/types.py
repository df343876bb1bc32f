"""GraphQL types of earning rules (campaigns are rules of kind CAMPAIGN)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.audiences import Audience, AudienceChanges, AudienceInput
from api.enums import graphql_enum
from api.errors import UserError
from api.purchases.types import PurchaseLineInput, PurchasePreview
from gamification.points import models as points_models

EarningRuleKind = graphql_enum(
    points_models.EarningRuleKind,
    "EarningRuleKind",
    "How a rule turns a purchase into points; each kind uses its own fields "
    "(CreateEarningRuleInput says which).",
    {
        "BASE_RATE": "Each line earns quantity x unitPrice x pointsPerUnit; only the first active "
        "one (by priority) applies.",
        "PRODUCT": "A line of a SKU or category earns its base points x multiplier, or "
        "fixedPoints per unit instead; at most one per line.",
        "CAMPAIGN": "A time-bound bonus: adds (multiplier - 1) x the points of the lines it "
        "covers; campaigns add up (two x2 make x3).",
        "FIRST_PURCHASE": "A one-off bonus of fixedPoints on the member's first purchase.",
        "MINIMUM_BASKET": "A purchase whose total is below minTotal earns nothing at all.",
    },
)
Rounding = graphql_enum(
    points_models.Rounding,
    "Rounding",
    "How fractional points become whole ones; the base rate's rounding applies to every "
    "rule's contribution.",
    {
        "FLOOR": "Down to the whole point below (2.9 -> 2).",
        "HALF_UP": "To the nearest whole point, halves up (2.5 -> 3).",
        "CEIL": "Up to the whole point above (2.1 -> 3).",
    },
)


@strawberry.type(
    description="A rule that makes points from purchases (campaigns are rules of kind "
    "CAMPAIGN). Which fields matter depends on `kind`.",
)
class EarningRule:
    id: strawberry.ID = strawberry.field(description="The rule's id.")
    name: str = strawberry.field(description="Shown in purchase breakdowns.")
    kind: EarningRuleKind = strawberry.field(description="How it makes points.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    priority: int = strawberry.field(description="Higher applies first (ties by id).")
    starts_at: datetime | None = strawberry.field(
        description="Active from this time (null: always was).",
    )
    ends_at: datetime | None = strawberry.field(
        description="Active until this time, excluded (null: no end).",
    )
    points_per_unit: Decimal | None = strawberry.field(
        description="BASE_RATE: points per unit of currency; null for other kinds.",
    )
    rounding: Rounding = strawberry.field(description="BASE_RATE: how the evaluation rounds.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    sku: str | None = strawberry.field(description="PRODUCT: the SKU it applies to; else null.")
    category: str | None = strawberry.field(
        description="PRODUCT: the category it applies to; CAMPAIGN: the category boosted; else "
        "null.",
    )
    multiplier: Decimal | None = strawberry.field(
        description="PRODUCT or CAMPAIGN: the multiplier; else null.",
    )
    fixed_points: int | None = strawberry.field(
        description="PRODUCT: points per unit; FIRST_PURCHASE: the bonus; else null.",
    )
    min_total: Decimal | None = strawberry.field(
        description="MINIMUM_BASKET: the smallest total that earns, in the program's currency.",
    )
    tier_id: strawberry.ID | None = strawberry.field(
        description="CAMPAIGN: the only tier it boosts; null: every member.",
    )
    audience: Audience = strawberry.field(
        description="Who the rule applies to: RFM segments, ABC classes, tiers (any kind of rule)."
    )
    archived: bool = strawberry.field(description="Archived rules no longer apply.")

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
            audience=Audience.of(rule),
            archived=rule.archived,
        )


@strawberry.input(
    description="Which fields a kind uses: BASE_RATE pointsPerUnit and rounding; PRODUCT sku or "
    "category, and multiplier or fixedPoints (per unit); CAMPAIGN multiplier, startsAt, endsAt, "
    "maybe tierId and category; FIRST_PURCHASE fixedPoints; MINIMUM_BASKET minTotal."
)
class CreateEarningRuleInput(AudienceInput):
    name: str = strawberry.field(description="1 to 100 characters; shown in purchase breakdowns.")
    kind: EarningRuleKind = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="How the rule makes points; it cannot change later.",
    )
    priority: int = strawberry.field(
        default=0,
        description="-1000 to 1000, default 0: higher applies first (ties by id), e.g. which "
        "PRODUCT rule wins for a line.",
    )
    starts_at: datetime | None = strawberry.field(
        default=None,
        description="Active from this time (ISO-8601 with a zone), compared with the "
        "purchase's occurredAt; required for CAMPAIGN, optional for the others (null: open).",
    )
    ends_at: datetime | None = strawberry.field(
        default=None,
        description="Active until this time, excluded; after startsAt (INVALID_RULE). Required "
        "for CAMPAIGN.",
    )
    points_per_unit: Decimal | None = strawberry.field(
        default=None,
        description="BASE_RATE only (required): points per unit of currency, above 0 and at "
        "most 10000, a decimal.",
    )
    rounding: Rounding = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=points_models.Rounding.FLOOR,
        description="BASE_RATE only: how the evaluation rounds (default FLOOR).",
    )
    sku: str | None = strawberry.field(
        default=None,
        description="PRODUCT: the SKU it applies to (1 to 64 characters); give sku or "
        "category, not both.",
    )
    category: str | None = strawberry.field(
        default=None,
        description="PRODUCT: the category it applies to (instead of sku). CAMPAIGN: optional, "
        "only lines of this category are boosted.",
    )
    multiplier: Decimal | None = strawberry.field(
        default=None,
        description="PRODUCT (or fixedPoints): the line's base points x this. CAMPAIGN "
        "(required): adds (multiplier - 1) x points. A decimal above 0, at most 100.",
    )
    fixed_points: int | None = strawberry.field(
        default=None,
        description="PRODUCT (or multiplier): points per unit instead of the base points. "
        "FIRST_PURCHASE (required, above 0): the bonus. 0 to 1,000,000.",
    )
    min_total: Decimal | None = strawberry.field(
        default=None,
        description="MINIMUM_BASKET only (required): the smallest purchase total that earns, a "
        "decimal in the program's currency, above 0.",
    )
    tier_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="CAMPAIGN only, optional: only members of this tier get the bonus "
        "(TIER_NOT_FOUND).",
    )


@strawberry.input(description="Fields left out stay as they are; null clears an optional one.")
class UpdateEarningRuleInput(AudienceChanges):
    rule_id: strawberry.ID = strawberry.field(description="The rule to change (its kind stays).")
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 100 characters; shown in purchase breakdowns. Null leaves it as it is.",
    )
    priority: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="-1000 to 1000: higher applies first (ties by id), e.g. which PRODUCT rule "
        "wins for a line. Null leaves it as it is.",
    )
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Active from this time (ISO-8601 with a zone), compared with the "
        "purchase's occurredAt; required for CAMPAIGN, optional for the others (null: open). "
        "Null clears it.",
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Active until this time, excluded; after startsAt (INVALID_RULE). Required "
        "for CAMPAIGN. Null clears it.",
    )
    points_per_unit: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="BASE_RATE only (required): points per unit of currency, above 0 and at "
        "most 10000, a decimal. Null clears it.",
    )
    rounding: Rounding | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=strawberry.UNSET,
        description="BASE_RATE only: how the evaluation rounds. Null leaves it as it is.",
    )
    sku: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT: the SKU it applies to (1 to 64 characters); give sku or "
        "category, not both. Null clears it.",
    )
    category: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT: the category it applies to (instead of sku). CAMPAIGN: optional, "
        "only lines of this category are boosted. Null clears it.",
    )
    multiplier: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT (or fixedPoints): the line's base points x this. CAMPAIGN "
        "(required): adds (multiplier - 1) x points. A decimal above 0, at most 100. Null "
        "clears it.",
    )
    fixed_points: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT (or multiplier): points per unit instead of the base points. "
        "FIRST_PURCHASE (required, above 0): the bonus. 0 to 1,000,000. Null clears it.",
    )
    min_total: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="MINIMUM_BASKET only (required): the smallest purchase total that earns, a "
        "decimal in the program's currency, above 0. Null clears it.",
    )
    tier_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="CAMPAIGN only, optional: only members of this tier get the bonus "
        "(TIER_NOT_FOUND). Null clears it.",
    )


@strawberry.input(description="The rule to archive.")
class ArchiveEarningRuleInput:
    rule_id: strawberry.ID = strawberry.field(description="The rule's id.")


@strawberry.type(description="The rule a mutation made or changed, or why not.")
class EarningRulePayload:
    earning_rule: EarningRule | None = strawberry.field(
        default=None,
        description="The rule; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(
    description="A sample basket to price, as a member of a tier (or of none) would buy it."
)
class PreviewBasketInput:
    lines: list[PurchaseLineInput] = strawberry.field(
        description="The basket's lines (as for recordPurchase).",
    )
    total: Decimal | None = strawberry.field(
        default=None,
        description="Optional: the total (default: the lines' sum).",
    )
    currency: str | None = strawberry.field(
        default=None,
        description="Optional: the program's currency code.",
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="Optional: price it as of this time (ISO-8601 with a zone; default now), "
        "e.g. inside a campaign's window.",
    )
    member_tier_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: price it for a member of this tier (TIER_NOT_FOUND); null: a "
        "member of no tier.",
    )
    first_purchase: bool = strawberry.field(
        default=False,
        description="Price it as the member's first purchase (FIRST_PURCHASE rules apply).",
    )


@strawberry.type(
    description="A sample basket priced by the program's saved rules, with and without a rule "
    "not saved yet, or why the rule or the basket is refused."
)
class EarningRulePreview:
    without_rule: PurchasePreview | None = strawberry.field(
        default=None,
        description="What the basket earns under the saved rules alone; null when refused.",
    )
    with_rule: PurchasePreview | None = strawberry.field(
        default=None,
        description="What it would earn once the rule is saved (the draft's breakdown line has "
        "no ruleId); null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the rule (as createEarningRule would refuse it) or the basket is "
        "refused (empty on success).",
    )
