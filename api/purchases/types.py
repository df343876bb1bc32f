"""GraphQL types of purchases, refunds, previews and VIP activations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import strawberry

from api.accounts.types import Member
from api.enums import graphql_enum
from api.errors import UserError
from api.ids import parse_id
from api.tiers.types import Membership
from gamification.points import models as points_models
from gamification.points.earning_rules import TIER_KIND, BasketLine, RulePoints
from gamification.points.purchases import MemberRef

# A breakdown line comes from an earning rule of one kind, or from the member's tier multiplier.
PointsBreakdownKind = graphql_enum(
    StrEnum(
        "PointsBreakdownKind",
        {**{k.name: k.value for k in points_models.EarningRuleKind}, "TIER": TIER_KIND},
    ),
    "PointsBreakdownKind",
    "What a breakdown line comes from: an earning rule's kind, or TIER for the tier multiplier.",
    {
        "BASE_RATE": "The base rate: points per currency unit of every line.",
        "PRODUCT": "A SKU or category rule: a multiplier of its base points, or fixed per unit.",
        "CAMPAIGN": "A time-bound bonus campaign's extra points.",
        "FIRST_PURCHASE": "The one-off bonus on the member's first purchase.",
        "MINIMUM_BASKET": "The basket was under the minimum total: the purchase earns 0.",
        "TIER": "The extra points of the member's tier multiplier.",
    },
)


@strawberry.type(description="What one rule contributed to a purchase's points.")
class PointsBreakdown:
    rule: str
    rule_id: strawberry.ID | None = strawberry.field(description="Null for the tier multiplier.")
    kind: PointsBreakdownKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points: int

    @classmethod
    def from_item(cls, item: RulePoints) -> PointsBreakdown:
        return cls(
            rule=item.rule,
            rule_id=strawberry.ID(str(item.rule_id)) if item.rule_id is not None else None,
            kind=item.kind,
            points=item.points,
        )


@strawberry.type
class Purchase:
    id: strawberry.ID
    external_id: str
    occurred_at: datetime
    currency: str
    total: Decimal
    points_earned: int
    first_purchase: bool
    breakdown: list[PointsBreakdown]
    refunded_amount: Decimal
    points_reversed: int = strawberry.field(
        description="Points the refunds reversed (in proportion to the money refunded)."
    )
    points_unrecovered: int = strawberry.field(
        description="Of those, the points the balance could not give back."
    )

    @classmethod
    def from_model(cls, purchase: points_models.Purchase) -> Purchase:
        return cls(
            id=strawberry.ID(str(purchase.id)),
            external_id=purchase.external_id,
            occurred_at=purchase.occurred_at,
            currency=purchase.currency,
            total=Decimal(purchase.total),
            points_earned=purchase.points_earned,
            first_purchase=purchase.first_purchase,
            breakdown=[
                PointsBreakdown.from_item(RulePoints.from_json(item)) for item in purchase.breakdown
            ],
            refunded_amount=Decimal(purchase.refunded_amount),
            points_reversed=purchase.points_reversed,
            points_unrecovered=purchase.points_unrecovered,
        )


@strawberry.type
class Refund:
    id: strawberry.ID
    refund_id: str
    amount: Decimal
    points_reversed: int
    points_clawed_back: int

    @classmethod
    def from_model(cls, refund: points_models.Refund) -> Refund:
        return cls(
            id=strawberry.ID(str(refund.id)),
            refund_id=refund.refund_id,
            amount=Decimal(refund.amount),
            points_reversed=refund.points_reversed,
            points_clawed_back=refund.points_clawed_back,
        )


@strawberry.type
class PurchasePreview:
    points_earned: int
    breakdown: list[PointsBreakdown]


@strawberry.input(description="Exactly one of id, email or referralCode.")
class MemberRefInput:
    id: strawberry.ID | None = None
    email: str | None = None
    referral_code: str | None = None

    def to_ref(self) -> MemberRef:
        return MemberRef(
            id=parse_id(self.id, "member.id") if self.id is not None else None,
            email=self.email,
            referral_code=self.referral_code,
        )


@strawberry.input
class PurchaseLineInput:
    sku: str
    category: str | None = None
    quantity: int
    unit_price: Decimal

    def to_line(self) -> BasketLine:
        return BasketLine(self.sku, self.category, self.quantity, self.unit_price)


@strawberry.input
class RecordPurchaseInput:
    member: MemberRefInput
    external_id: str
    occurred_at: datetime
    currency: str
    total: Decimal
    lines: list[PurchaseLineInput]


@strawberry.type
class RecordPurchasePayload:
    purchase: Purchase | None = None
    member: Member | None = strawberry.field(
        default=None,
        description="The member after everything the purchase caused: its points, and the "
        "points of any badge it unlocked or challenge it completed (see effectsPending).",
    )
    replayed: bool | None = None
    effects_pending: bool | None = strawberry.field(
        default=None,
        description="True when some effect of the purchase (a badge's or a challenge's "
        "points) could not be applied at once and is retried within minutes: `member` does "
        "not show it yet; read `me` later. False when `member` shows everything. Null with "
        "errors.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RefundLineInput:
    sku: str
    quantity: int


@strawberry.input(description="Neither lines nor amount: refund what is left of the purchase.")
class RefundPurchaseInput:
    external_id: str
    refund_id: str
    lines: list[RefundLineInput] | None = None
    amount: Decimal | None = None


@strawberry.type
class RefundPurchasePayload:
    purchase: Purchase | None = None
    refund: Refund | None = None
    member: Member | None = None
    replayed: bool | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PreviewPurchaseInput:
    lines: list[PurchaseLineInput]
    member: MemberRefInput | None = strawberry.field(
        default=None, description="Integrations name the member; members preview their own."
    )
    currency: str | None = None
    total: Decimal | None = None
    occurred_at: datetime | None = None


@strawberry.input
class ActivateMembershipInput:
    member: MemberRefInput
    plan_id: strawberry.ID
    external_id: str


@strawberry.type
class ActivateMembershipPayload:
    membership: Membership | None = None
    member: Member | None = None
    replayed: bool | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
