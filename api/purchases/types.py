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
    rule: str = strawberry.field(
        description="The rule's name (for the tier multiplier: `Tier <name> x<multiplier>`).",
    )
    rule_id: strawberry.ID | None = strawberry.field(
        description="Null for the tier multiplier, and for a draft rule in previewEarningRule."
    )
    kind: PointsBreakdownKind = strawberry.field(description="What the line comes from.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points: int = strawberry.field(
        description="The points it contributed (0 or more; 0 for a MINIMUM_BASKET that stopped "
        "the purchase earning).",
    )

    @classmethod
    def from_item(cls, item: RulePoints) -> PointsBreakdown:
        return cls(
            rule=item.rule,
            rule_id=strawberry.ID(str(item.rule_id)) if item.rule_id is not None else None,
            kind=item.kind,
            points=item.points,
        )


@strawberry.type(description="A purchase an integration recorded, with the points it earned.")
class Purchase:
    id: strawberry.ID = strawberry.field(description="The purchase's id.")
    external_id: str = strawberry.field(
        description="The integration's own id for it (unique per program).",
    )
    occurred_at: datetime = strawberry.field(
        description="When it happened, as the till reported it (ISO-8601 with its zone).",
    )
    currency: str = strawberry.field(description="The program's currency code.")
    total: Decimal = strawberry.field(
        description="The purchase's total, a decimal string in the program's currency.",
    )
    points_earned: int = strawberry.field(
        description="Points the purchase's rules earned (the breakdown adds up to it); badge "
        "or challenge points it caused are separate ledger entries.",
    )
    first_purchase: bool = strawberry.field(
        description="Whether it was the member's first purchase in the program.",
    )
    breakdown: list[PointsBreakdown] = strawberry.field(description="What each rule contributed.")
    refunded_amount: Decimal = strawberry.field(
        description="Money refunded so far, a decimal string in the program's currency.",
    )
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


@strawberry.type(description="A refund of (part of) a purchase.")
class Refund:
    id: strawberry.ID = strawberry.field(description="The refund's id.")
    refund_id: str = strawberry.field(
        description="The integration's own id for the refund (unique per purchase).",
    )
    amount: Decimal = strawberry.field(
        description="The money refunded, a decimal string in the program's currency.",
    )
    points_reversed: int = strawberry.field(
        description="Points the refund took back (in proportion to the money refunded).",
    )
    points_clawed_back: int = strawberry.field(
        description="Of those, the points actually removed from the balance (the rest was "
        "already spent).",
    )

    @classmethod
    def from_model(cls, refund: points_models.Refund) -> Refund:
        return cls(
            id=strawberry.ID(str(refund.id)),
            refund_id=refund.refund_id,
            amount=Decimal(refund.amount),
            points_reversed=refund.points_reversed,
            points_clawed_back=refund.points_clawed_back,
        )


@strawberry.type(description="What a basket would earn.")
class PurchasePreview:
    points_earned: int = strawberry.field(description="The points it would earn now.")
    breakdown: list[PointsBreakdown] = strawberry.field(
        description="What each rule would contribute.",
    )


@strawberry.input(description="Exactly one of id, email or referralCode.")
class MemberRefInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="The member's id.")
    email: str | None = strawberry.field(default=None, description="The member's email (any case).")
    referral_code: str | None = strawberry.field(
        default=None,
        description="The member's referral code, as a till scans it from the app.",
    )

    def to_ref(self) -> MemberRef:
        return MemberRef(
            id=parse_id(self.id, "member.id") if self.id is not None else None,
            email=self.email,
            referral_code=self.referral_code,
        )


@strawberry.input(description="One line of a basket.")
class PurchaseLineInput:
    sku: str = strawberry.field(description="The product's SKU: 1 to 64 characters.")
    category: str | None = strawberry.field(
        default=None,
        description="The product's category (1 to 64 characters), used by category rules and "
        "badges.",
    )
    quantity: int = strawberry.field(description="Units: 1 to 1,000,000 (INVALID_QUANTITY).")
    unit_price: Decimal = strawberry.field(
        description="The price of one unit, a decimal with up to 2 places, 0 or more "
        "(INVALID_AMOUNT).",
    )

    def to_line(self) -> BasketLine:
        return BasketLine(self.sku, self.category, self.quantity, self.unit_price)


@strawberry.input(description="A purchase to record.")
class RecordPurchaseInput:
    member: MemberRefInput = strawberry.field(
        description="Who bought: one of id, email or referralCode (MEMBER_NOT_FOUND).",
    )
    external_id: str = strawberry.field(
        description="The integration's id for the purchase, 1 to 128 characters: the same id "
        "again answers the first result (`replayed`), a different purchase with it is "
        "IDEMPOTENCY_KEY_REUSED.",
    )
    occurred_at: datetime = strawberry.field(
        description="When it happened (ISO-8601 with a zone, not in the future): rules active "
        "then apply.",
    )
    currency: str = strawberry.field(
        description="The program's currency code (CURRENCY_MISMATCH otherwise).",
    )
    total: Decimal = strawberry.field(
        description="The total, a decimal above 0 with up to 2 places; the lines must add up "
        "to it (LINES_TOTAL_MISMATCH).",
    )
    lines: list[PurchaseLineInput] = strawberry.field(
        description="1 to 500 lines (TOO_MANY_LINES).",
    )


@strawberry.type(description="The recorded purchase and the member after it.")
class RecordPurchasePayload:
    purchase: Purchase | None = strawberry.field(
        default=None,
        description="The purchase with its points and breakdown; null when refused.",
    )
    member: Member | None = strawberry.field(
        default=None,
        description="The member after everything the purchase caused: its points, and the "
        "points of any badge it unlocked or challenge it completed (see effectsPending).",
    )
    replayed: bool | None = strawberry.field(
        default=None,
        description="true when this externalId was recorded before: nothing changed, the first "
        "result is answered.",
    )
    effects_pending: bool | None = strawberry.field(
        default=None,
        description="True when some effect of the purchase (a badge's or a challenge's "
        "points) could not be applied at once and is retried within minutes: `member` does "
        "not show it yet; read `me` later. False when `member` shows everything. Null with "
        "errors.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (nothing was recorded).",
    )


@strawberry.input(description="Units of one SKU to refund.")
class RefundLineInput:
    sku: str = strawberry.field(description="The SKU, as on the purchase.")
    quantity: int = strawberry.field(
        description="Units to refund, at most what is left of that SKU (REFUND_EXCEEDS_PURCHASE).",
    )


@strawberry.input(description="Neither lines nor amount: refund what is left of the purchase.")
class RefundPurchaseInput:
    external_id: str = strawberry.field(
        description="The purchase's externalId (PURCHASE_NOT_FOUND).",
    )
    refund_id: str = strawberry.field(
        description="The integration's id for this refund, 1 to 128 characters: the same id "
        "again answers the first refund (`replayed`).",
    )
    lines: list[RefundLineInput] | None = strawberry.field(
        default=None,
        description="Refund these units (at their unit prices); not with amount.",
    )
    amount: Decimal | None = strawberry.field(
        default=None,
        description="Refund this much money, a decimal above 0 with up to 2 places, at most "
        "what is left to refund; not with lines.",
    )


@strawberry.type(description="The refund and the purchase and member after it.")
class RefundPurchasePayload:
    purchase: Purchase | None = strawberry.field(
        default=None,
        description="The purchase, with its refunded amount and reversed points.",
    )
    refund: Refund | None = strawberry.field(
        default=None,
        description="This refund; null when refused.",
    )
    member: Member | None = strawberry.field(
        default=None,
        description="The member after the refund.",
    )
    replayed: bool | None = strawberry.field(
        default=None,
        description="true when this refundId was applied before: nothing changed.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (nothing was refunded).",
    )


@strawberry.input(description="A basket to price in points.")
class PreviewPurchaseInput:
    lines: list[PurchaseLineInput] = strawberry.field(
        description="The basket's lines (as for recordPurchase).",
    )
    member: MemberRefInput | None = strawberry.field(
        default=None, description="Integrations name the member; members preview their own."
    )
    currency: str | None = strawberry.field(
        default=None,
        description="Optional: the program's currency code.",
    )
    total: Decimal | None = strawberry.field(
        default=None,
        description="Optional: the total (default: the lines' sum).",
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="Optional: price it as of this time (ISO-8601 with a zone; default now).",
    )


@strawberry.input(description="A paid VIP membership to start.")
class ActivateMembershipInput:
    member: MemberRefInput = strawberry.field(description="Who: one of id, email or referralCode.")
    plan_id: strawberry.ID = strawberry.field(description="The plan sold (PLAN_NOT_FOUND).")
    external_id: str = strawberry.field(
        description="The integration's id for the sale, 1 to 128 characters: the same id again "
        "answers the first activation.",
    )


@strawberry.type(description="The membership started (or extended) and the member.")
class ActivateMembershipPayload:
    membership: Membership | None = strawberry.field(
        default=None,
        description="The membership; null when refused.",
    )
    member: Member | None = strawberry.field(
        default=None,
        description="The member, now in the plan's tier.",
    )
    replayed: bool | None = strawberry.field(
        default=None,
        description="true when this externalId was activated before: nothing changed.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )
