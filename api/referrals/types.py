"""GraphQL types of referrals."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.enums import graphql_enum
from api.errors import UserError
from api.leaderboards.types import PublicMember
from core.clock import clock
from gamification.referrals import models as referrals_models
from gamification.referrals import referrals

ReferralStatus = graphql_enum(
    referrals_models.ReferralStatus,
    "ReferralStatus",
    "Where a referral stands.",
    {
        "PENDING": "Waiting for the friend's first qualifying purchase, within the window.",
        "QUALIFIED": "The friend made a qualifying purchase: the referrer was paid.",
        "CAPPED": "It qualified while the referrer was over the monthly cap: no points.",
        "REVERSED": "The qualifying purchase was refunded: the points were taken back.",
        "EXPIRED": "No qualifying purchase within the window: it will not pay.",
    },
)


@strawberry.type(description="A friend the member referred.")
class Referral:
    id: strawberry.ID = strawberry.field(description="The referral's id.")
    status: ReferralStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    referee: PublicMember = strawberry.field(description="The friend (display name only).")
    created_at: datetime = strawberry.field(
        description="When the referral was recorded: at sign-up or by applyReferralCode "
        "(ISO-8601, UTC).",
    )
    expires_at: datetime = strawberry.field(
        description="The end of the window for a qualifying purchase.",
    )
    qualified_at: datetime | None = strawberry.field(
        description="When it qualified; null until then.",
    )
    points_earned: int = strawberry.field(
        description="Points it paid the referrer (0 unless QUALIFIED).",
    )

    @classmethod
    def from_model(cls, referral: referrals_models.Referral, referee_name: str) -> Referral:
        return cls(
            id=strawberry.ID(str(referral.id)),
            status=referrals.shown_status(referral, clock.now()),
            referee=PublicMember(member_id=referral.referee_id, display_name=referee_name),
            created_at=referral.created_at,
            expires_at=referral.expires_at,
            qualified_at=referral.qualified_at,
            points_earned=referral.referrer_points
            if referral.status == referrals_models.ReferralStatus.QUALIFIED
            else 0,
        )


@strawberry.type(description="The member's referrals counted by status.")
class ReferralStats:
    pending: int = strawberry.field(description="Referrals waiting for a purchase.")
    qualified: int = strawberry.field(description="Referrals that qualified and paid.")
    capped: int = strawberry.field(description="Referrals over the monthly cap (not paid).")
    reversed: int = strawberry.field(description="Referrals undone by a refund.")
    expired: int = strawberry.field(description="Referrals whose window passed.")
    points_earned: int = strawberry.field(description="Points the member earned by referring.")


@strawberry.type(description="A referrer's record in the program, for staff.")
class Ambassador:
    member: PublicMember = strawberry.field(description="The referrer.")
    referred: int = strawberry.field(description="Friends they referred, in every status.")
    qualified: int = strawberry.field(description="Referrals that qualified and paid.")
    points_earned: int = strawberry.field(description="Points their qualified referrals paid.")


@strawberry.input(description="A friend's referral code.")
class ApplyReferralCodeInput:
    code: str = strawberry.field(description="The code (any case).")


@strawberry.type(description="The referral recorded, or why not.")
class ApplyReferralCodePayload:
    referral: Referral | None = strawberry.field(
        default=None,
        description="The new PENDING referral (its referee is the caller); null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )
