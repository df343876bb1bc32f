"""GraphQL types of referrals."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.errors import UserError
from api.leaderboards.types import PublicMember
from core.clock import clock
from gamification.referrals import models as referrals_models
from gamification.referrals import referrals

ReferralStatus = strawberry.enum(referrals_models.ReferralStatus, name="ReferralStatus")


@strawberry.type
class Referral:
    id: strawberry.ID
    status: ReferralStatus  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    referee: PublicMember
    created_at: datetime
    expires_at: datetime
    qualified_at: datetime | None
    points_earned: int

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


@strawberry.type
class ReferralStats:
    pending: int
    qualified: int
    capped: int
    reversed: int
    expired: int
    points_earned: int


@strawberry.input
class ApplyReferralCodeInput:
    code: str


@strawberry.type
class ApplyReferralCodePayload:
    referral: Referral | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
