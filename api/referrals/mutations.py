"""Member mutations on referrals."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import returns_user_errors
from api.permissions import member_only
from api.rate_limits import member_spends
from api.referrals.types import ApplyReferralCodeInput, ApplyReferralCodePayload, Referral
from gamification.accounts.models import Member
from gamification.referrals import referrals


@strawberry.type
class ReferralMutations:
    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Enter a friend's referral code shortly after signing up without one (7 days "
        "by default). Member only. Codes: INVALID_REFERRAL_CODE, OWN_REFERRAL_CODE, "
        "REFERRAL_WINDOW_CLOSED, ALREADY_REFERRED, REFERRAL_LOOP.",
    )
    @returns_user_errors(ApplyReferralCodePayload)
    async def apply_referral_code(
        self,
        info: Info,
        input: Annotated[
            ApplyReferralCodeInput, strawberry.argument(description="The friend's code.")
        ],
    ) -> ApplyReferralCodePayload:
        member = await Member.get(id=info.context.caller.member_id)
        referral = await referrals.apply_referral_code(member, input.code)
        return ApplyReferralCodePayload(referral=Referral.from_model(referral, member.display_name))
