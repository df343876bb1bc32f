"""Integration mutations (recordPurchase, refundPurchase, activateMembership) and the
previewPurchase query."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension

from api.accounts.types import Member
from api.caller import Caller
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import integration_only
from api.purchases.types import (
    ActivateMembershipInput,
    ActivateMembershipPayload,
    PointsBreakdown,
    PreviewPurchaseInput,
    Purchase,
    PurchasePreview,
    RecordPurchaseInput,
    RecordPurchasePayload,
    Refund,
    RefundPurchaseInput,
    RefundPurchasePayload,
)
from api.tiers.types import Membership
from core.errors import ErrorCode, ValidationFailed
from gamification.accounts.models import Member as MemberModel
from gamification.points import engine_snapshot, memberships, purchases, refunds
from gamification.points.refunds import RefundLine
from gamification.programs.models import Program


async def _program(info: Info) -> Program:
    return await Program.get(id=info.context.program_id)


async def _member(member_id: int) -> Member:
    return Member.from_model(await MemberModel.get(id=member_id))


@strawberry.type
class PurchaseMutations:
    @strawberry.mutation(
        extensions=integration_only(),
        description="Record a purchase and credit its points; badges, challenges, tiers and "
        "referrals follow from it. Idempotent by externalId. Integration (API key) only. "
        "Codes: MEMBER_NOT_FOUND, INVALID_INPUT (member reference, ids, a future occurredAt), "
        "CURRENCY_MISMATCH, INVALID_AMOUNT, INVALID_QUANTITY, LINES_TOTAL_MISMATCH, "
        "TOO_MANY_LINES, IDEMPOTENCY_KEY_REUSED, MEMBER_BLOCKED, MEMBER_ANONYMISED; a time "
        "without a zone is a top-level INVALID_TIME.",
    )
    @returns_user_errors(RecordPurchasePayload)
    async def record_purchase(
        self,
        info: Info,
        input: Annotated[
            RecordPurchaseInput,
            strawberry.argument(
                description="The purchase: member, externalId, time, money and lines."
            ),
        ],
    ) -> RecordPurchasePayload:
        engine = await engine_snapshot.snapshot(info.context.program_id)
        recorded = await purchases.record_purchase(
            engine.program,
            input.member.to_ref(),
            external_id=input.external_id,
            occurred_at=input.occurred_at,
            currency=input.currency,
            total=input.total,
            lines=[line.to_line() for line in input.lines],
        )
        for tier in recorded.tiers:  # the member's tier then needs no query
            info.context.loaders.tier.prime(tier.id, tier)
        return RecordPurchasePayload(
            purchase=Purchase.from_model(recorded.purchase),
            member=Member.from_model(recorded.member)
            if recorded.member is not None
            else await _member(recorded.purchase.member_id),
            replayed=recorded.replayed,
            effects_pending=recorded.effects_pending,
        )

    @strawberry.mutation(
        extensions=integration_only(),
        description="Refund a purchase in whole or part and take back the matching points (the "
        "balance never goes below 0). Idempotent by refundId. Integration (API key) only. "
        "Codes: PURCHASE_NOT_FOUND, INVALID_INPUT, INVALID_AMOUNT, REFUND_EXCEEDS_PURCHASE, "
        "IDEMPOTENCY_KEY_REUSED.",
    )
    @returns_user_errors(RefundPurchasePayload)
    async def refund_purchase(
        self,
        info: Info,
        input: Annotated[
            RefundPurchaseInput,
            strawberry.argument(
                description="The purchase, the refund's id, and lines or an amount."
            ),
        ],
    ) -> RefundPurchasePayload:
        result = await refunds.refund_purchase(
            info.context.program_id,
            input.external_id,
            input.refund_id,
            lines=[RefundLine(line.sku, line.quantity) for line in input.lines]
            if input.lines is not None
            else None,
            amount=input.amount,
        )
        return RefundPurchasePayload(
            purchase=Purchase.from_model(result.purchase),
            refund=Refund.from_model(result.refund),
            member=await _member(result.purchase.member_id),
            replayed=result.replayed,
        )

    @strawberry.mutation(
        extensions=integration_only(),
        description="Start a paid VIP membership: the member holds the plan's tier for its "
        "duration (a renewal extends it). Idempotent by externalId. Integration (API key) "
        "only. Codes: MEMBER_NOT_FOUND, INVALID_INPUT, PLAN_NOT_FOUND (unknown or archived "
        "plan), IDEMPOTENCY_KEY_REUSED.",
    )
    @returns_user_errors(ActivateMembershipPayload)
    async def activate_membership(
        self,
        info: Info,
        input: Annotated[
            ActivateMembershipInput,
            strawberry.argument(description="The member, the plan and the sale's id."),
        ],
    ) -> ActivateMembershipPayload:
        member = await purchases.find_member(info.context.program_id, input.member.to_ref())
        activation = await memberships.activate_membership(
            member, parse_id(input.plan_id, "planId"), input.external_id
        )
        return ActivateMembershipPayload(
            membership=Membership.from_model(activation.membership),
            member=await _member(member.id),
            replayed=activation.replayed,
        )


class IsMemberOrIntegration(BasePermission):
    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller: Caller = info.context.caller
        if caller.kind in ("anonymous", "invalid"):
            raise GraphQLError(
                caller.problem or "Authentication is required.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        if caller.kind not in ("member", "integration"):
            raise GraphQLError(
                "This needs a member's session or an integration API key.",
                extensions={"code": "FORBIDDEN"},
            )
        return True


@strawberry.type
class PurchaseQueries:
    @strawberry.field(
        extensions=[
            PermissionExtension(permissions=[IsMemberOrIntegration()], use_directives=False)
        ],
        description="The points a basket would earn now, with the breakdown. Writes nothing. A "
        "member (their own basket) or an integration (naming the member). Refusals "
        "(INVALID_INPUT, MEMBER_NOT_FOUND, INVALID_AMOUNT...) are top-level errors with a code.",
    )
    async def preview_purchase(
        self,
        info: Info,
        input: Annotated[
            PreviewPurchaseInput,
            strawberry.argument(description="The basket (and for an integration, the member)."),
        ],
    ) -> PurchasePreview:
        caller = info.context.caller
        if caller.kind == "member":
            if input.member is not None:
                raise ValidationFailed(
                    ErrorCode.INVALID_INPUT, "Members preview their own basket.", "member"
                )
            member = await MemberModel.get(id=caller.member_id)
        else:
            if input.member is None:
                raise ValidationFailed(ErrorCode.INVALID_INPUT, "Name the member.", "member")
            member = await purchases.find_member(info.context.program_id, input.member.to_ref())
        evaluation = await purchases.preview_purchase(
            await _program(info),
            member,
            lines=[line.to_line() for line in input.lines],
            currency=input.currency,
            total=input.total,
            occurred_at=input.occurred_at,
        )
        return PurchasePreview(
            points_earned=evaluation.points,
            breakdown=[PointsBreakdown.from_item(item) for item in evaluation.breakdown],
        )
