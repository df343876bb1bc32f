"""GraphQL types of accounts: members, staff users, API keys and session payloads."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.activity.types import ActivityItem
from api.badges.types import Badge, MemberBadge
from api.errors import UserError
from api.leaderboards.types import names_of
from api.pagination import Connection, paginate
from api.points.types import ExpiringPoints, LedgerEntry
from api.referrals.types import Referral, ReferralStats
from gamification.points import statement
from gamification.referrals import referrals

if TYPE_CHECKING:
    from api.rewards.types import Redemption
from api.tiers.types import Tier, TierProgress
from badges import awarding
from gamification.accounts import models as accounts_models
from gamification.points import tiers
from gamification.programs import models as programs_models
from gamification.reporting import activity as gamification_activity


@strawberry.type
class Program:
    id: strawberry.ID
    slug: str
    name: str
    currency: str

    @classmethod
    def from_model(cls, program: programs_models.Program) -> Program:
        return cls(
            id=strawberry.ID(str(program.id)),
            slug=program.slug,
            name=program.name,
            currency=program.currency,
        )


@strawberry.type
class Member:
    model: strawberry.Private[accounts_models.Member]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def email(self) -> str:
        return self.model.email

    @strawberry.field
    def display_name(self) -> str:
        return self.model.display_name

    @strawberry.field
    def referral_code(self) -> str:
        return self.model.referral_code

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def points_balance(self) -> int:
        return self.model.points_balance

    @strawberry.field
    async def ledger(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[LedgerEntry]:
        return await paginate(
            statement.ledger_of(self.model.id), LedgerEntry.from_model, first, after
        )

    @strawberry.field
    async def expiring_points(self) -> ExpiringPoints | None:
        expiring = await statement.next_expiry(self.model.id)
        if expiring is None:
            return None
        return ExpiringPoints(points=expiring.points, expires_at=expiring.expires_at)

    @strawberry.field(description="When staff blocked this member (null when not blocked).")
    def blocked_at(self) -> datetime | None:
        return self.model.blocked_at

    @strawberry.field
    def blocked_reason(self) -> str | None:
        return self.model.blocked_reason or None

    @strawberry.field(description="When this member's personal data was erased.")
    def anonymised_at(self) -> datetime | None:
        return self.model.anonymised_at

    # --- engagement ---
    @strawberry.field(description="Your own events, newest first, each with a readable text.")
    async def activity(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[ActivityItem]:
        return await paginate(
            gamification_activity.feed_of(self.model.id), ActivityItem.from_model, first, after
        )

    @strawberry.field(description="Badge levels earned, newest first.")
    async def badges(self) -> list[MemberBadge]:
        return [
            MemberBadge(
                badge=Badge.from_model(badge), level=award.level, awarded_at=award.awarded_at
            )
            for award, badge in await awarding.member_awards(self.model.id)
        ]

    @classmethod
    def from_model(cls, member: accounts_models.Member) -> Member:
        return cls(model=member)

    # --- rewards ---
    @strawberry.field(description="The member's redemptions, newest first.")
    async def redemptions(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Redemption, strawberry.lazy("api.rewards.types")]]:
        from api.rewards.types import Redemption
        from gamification.rewards.redemptions import of_member

        return await paginate(of_member(self.model.id), Redemption.from_model, first, after)

    # --- referrals ---
    @strawberry.field(description="The members I referred, newest first.")
    async def referrals(self, first: int = 50) -> list[Referral]:
        rows = await referrals.referrals_of(self.model.id, max(0, min(first, 100)))
        names = await names_of([r.referee_id for r in rows])
        return [Referral.from_model(r, name) for r, name in zip(rows, names, strict=True)]

    @strawberry.field
    async def referral_stats(self) -> ReferralStats:
        stats = await referrals.stats_of(self.model.id)
        return ReferralStats(**dataclasses.asdict(stats))

    # --- points engine ---
    @strawberry.field
    async def tier(self, info: strawberry.Info) -> Tier | None:
        if self.model.tier_id is None:
            return None
        tier = await info.context.loaders.tier.load(self.model.tier_id)
        return Tier.from_model(tier) if tier else None

    @strawberry.field
    async def tier_progress(self) -> TierProgress:
        progress = await tiers.tier_progress(self.model)
        return TierProgress(
            current=Tier.from_model(progress.current) if progress.current else None,
            next=Tier.from_model(progress.next) if progress.next else None,
            qualifying_points=progress.qualifying_points,
            points_to_next=progress.points_to_next,
            review_date=progress.review_date,
        )


StaffRole = strawberry.enum(accounts_models.StaffRole, name="StaffRole")


@strawberry.type
class StaffUser:
    id: strawberry.ID
    email: str
    role: StaffRole  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    archived_at: datetime | None = strawberry.field(
        default=None,
        description="When an admin archived this user (they can no longer log in); null: active.",
    )

    @classmethod
    def from_model(cls, staff: accounts_models.StaffUser) -> StaffUser:
        return cls(
            id=strawberry.ID(str(staff.id)),
            email=staff.email,
            role=staff.role,
            archived_at=staff.archived_at,
        )


@strawberry.type
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, key: accounts_models.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(str(key.id)),
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


@strawberry.type
class SessionPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SignUpPayload(SessionPayload):
    member: Member | None = None


@strawberry.type
class LogInPayload(SessionPayload):
    member: Member | None = None


@strawberry.type
class RefreshSessionPayload(SessionPayload):
    member: Member | None = None
    staff: StaffUser | None = None


@strawberry.type
class StaffLogInPayload(SessionPayload):
    staff: StaffUser | None = None


@strawberry.input
class SignUpInput:
    program: str
    email: str
    password: str
    display_name: str
    referral_code: str | None = None


@strawberry.input
class LogInInput:
    program: str
    email: str
    password: str


@strawberry.input
class RefreshSessionInput:
    refresh_token: str


@strawberry.input
class StaffLogInInput:
    program: str
    email: str
    password: str


@strawberry.input
class CreateApiKeyInput:
    name: str


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    key: str | None = strawberry.field(
        default=None, description="The key itself. It is shown this once and never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiKeyInput:
    api_key_id: strawberry.ID


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
