"""GraphQL types of accounts: members, staff users, API keys and session payloads."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.activity.types import ActivityItem
from api.badges.types import Badge, MemberBadge
from api.enums import graphql_enum
from api.errors import UserError
from api.leaderboards.types import names_of
from api.pagination import AFTER, FIRST, Connection, paginate
from api.points.types import ExpiringPoints, LedgerEntry
from api.referrals.types import Referral, ReferralStats
from api.reports.segments import AbcClass, Segment
from gamification.points import statement
from gamification.referrals import referrals

if TYPE_CHECKING:
    from api.rewards.types import Redemption
from api.tiers.types import Tier, TierProgress
from gamification.accounts import models as accounts_models
from gamification.points import engine_snapshot, tiers
from gamification.programs import models as programs_models
from gamification.reporting import activity as gamification_activity


@strawberry.type(
    description="A brand's loyalty program (tenant): everything a caller sees belongs to it.",
)
class Program:
    id: strawberry.ID = strawberry.field(description="The program's id.")
    slug: str = strawberry.field(
        description="The short name members and staff give to sign up and log in (`program`).",
    )
    name: str = strawberry.field(description="The program's display name.")
    currency: str = strawberry.field(
        description="The ISO-4217 code every amount of money in this program is in (purchases, "
        "reports, donations).",
    )

    @classmethod
    def from_model(cls, program: programs_models.Program) -> Program:
        return cls(
            id=strawberry.ID(str(program.id)),
            slug=program.slug,
            name=program.name,
            currency=program.currency,
        )


@strawberry.type(
    description="A member of the program: their profile, points, tier and engagement. A member "
    "reads their own (`me`); staff read any member of their program.",
)
class Member:
    model: strawberry.Private[accounts_models.Member]

    @strawberry.field(description="The member's id (pass it as `memberId` or `member: {id}`).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="The member's email, lowercased.")
    def email(self) -> str:
        return self.model.email

    @strawberry.field(description="The name other members see (leaderboards, referrals).")
    def display_name(self) -> str:
        return self.model.display_name

    @strawberry.field(
        description="The member's own code to invite friends (`referralCode` at sign-up).",
    )
    def referral_code(self) -> str:
        return self.model.referral_code

    @strawberry.field(description="When the member signed up (ISO-8601, UTC).")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="The member's birth date, when they gave it (updateMyProfile).")
    def birth_date(self) -> date | None:
        return self.model.birth_date

    @strawberry.field(
        description="Points the member can spend now (an integer, never negative); with "
        "pointsHeld, it equals the sum of the ledger.",
    )
    def points_balance(self) -> int:
        return self.model.points_balance

    @strawberry.field(
        description="Points held by the member's winning auction bids: not spendable, still "
        "theirs. Released at once when outbid, spent when the auction is won.",
    )
    def points_held(self) -> int:
        return self.model.points_held

    @strawberry.field(description="Every point movement, newest first: the member's statement.")
    async def ledger(
        self,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[LedgerEntry]:
        return await paginate(
            statement.ledger_of(self.model.id), LedgerEntry.from_model, first, after
        )

    @strawberry.field(
        description="The points that lapse at the member's next expiry date; null when none "
        "are due.",
    )
    async def expiring_points(self) -> ExpiringPoints | None:
        expiring = await statement.next_expiry(self.model.id)
        if expiring is None:
            return None
        return ExpiringPoints(points=expiring.points, expires_at=expiring.expires_at)

    @strawberry.field(description="When staff blocked this member (null when not blocked).")
    def blocked_at(self) -> datetime | None:
        return self.model.blocked_at

    @strawberry.field(description="Why staff blocked this member (null when not blocked).")
    def blocked_reason(self) -> str | None:
        return self.model.blocked_reason or None

    @strawberry.field(description="When this member's personal data was erased.")
    def anonymised_at(self) -> datetime | None:
        return self.model.anonymised_at

    # --- engagement ---
    @strawberry.field(description="Your own events, newest first, each with a readable text.")
    async def activity(
        self,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[ActivityItem]:
        return await paginate(
            gamification_activity.feed_of(self.model.id), ActivityItem.from_model, first, after
        )

    @strawberry.field(description="Badge levels earned, newest first.")
    async def badges(self, info: strawberry.Info) -> list[MemberBadge]:
        return [
            MemberBadge(
                badge=Badge.from_model(badge), level=award.level, awarded_at=award.awarded_at
            )
            for award, badge in await info.context.loaders.member_badges.load(self.model.id)
        ]

    @classmethod
    def from_model(cls, member: accounts_models.Member) -> Member:
        return cls(model=member)

    # --- rewards ---
    @strawberry.field(description="The member's redemptions, newest first.")
    async def redemptions(
        self,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Annotated[Redemption, strawberry.lazy("api.rewards.types")]]:
        from api.rewards.types import Redemption
        from gamification.rewards.redemptions import of_member

        return await paginate(of_member(self.model.id), Redemption.from_model, first, after)

    # --- referrals ---
    @strawberry.field(description="The members I referred, newest first.")
    async def referrals(
        self,
        first: Annotated[
            int, strawberry.argument(description="How many, newest first: 0 to 100.")
        ] = 50,
    ) -> list[Referral]:
        rows = await referrals.referrals_of(self.model.id, max(0, min(first, 100)))
        names = await names_of([r.referee_id for r in rows])
        return [Referral.from_model(r, name) for r, name in zip(rows, names, strict=True)]

    @strawberry.field(
        description="How many of the member's referrals are in each status, and the points "
        "they earned.",
    )
    async def referral_stats(self) -> ReferralStats:
        stats = await referrals.stats_of(self.model.id)
        return ReferralStats(**dataclasses.asdict(stats))

    @strawberry.field(
        description="The member's RFM segment and ABC class as last computed (computeSegments "
        "and the nightly run); null before the member's first computation."
    )
    async def segment(self, info: strawberry.Info) -> MemberSegmentInfo | None:
        found = await info.context.loaders.segment.load(self.model.id)
        if found is None:
            return None
        return MemberSegmentInfo(
            segment=found.segment, abc_class=found.abc_class, computed_at=found.computed_at
        )

    # --- points engine ---
    @strawberry.field(description="The member's current tier; null before any.")
    async def tier(self, info: strawberry.Info) -> Tier | None:
        if self.model.tier_id is None:
            return None
        # A live tier is in the earning engine's snapshot of the program (at most a couple of
        # seconds old, as a purchase sees it): no query. An archived one is read.
        tier = await engine_snapshot.live_tier(self.model.program_id, self.model.tier_id)
        if tier is None:
            tier = await info.context.loaders.tier.load(self.model.tier_id)
        return Tier.from_model(tier) if tier else None

    @strawberry.field(description="Where the member stands toward the next tier.")
    async def tier_progress(self) -> TierProgress:
        progress = await tiers.tier_progress(self.model)
        return TierProgress(
            current=Tier.from_model(progress.current) if progress.current else None,
            next=Tier.from_model(progress.next) if progress.next else None,
            qualifying_points=progress.qualifying_points,
            points_to_next=progress.points_to_next,
            review_date=progress.review_date,
        )


StaffRole = graphql_enum(
    accounts_models.StaffRole,
    "StaffRole",
    "What a staff user may do; each role can do everything the ones below it can.",
    {
        "ADMIN": "Everything: also program settings, staff users, API keys, webhooks and "
        "erasing members.",
        "MANAGER": "Configures the program (rules, tiers, rewards, badges, challenges, games, "
        "contests), adjusts points, blocks members.",
        "ANALYST": "Reads: members, reports, segments, the catalog and configuration.",
    },
)


@strawberry.type(description="Where a member stood at the last segment computation.")
class MemberSegmentInfo:
    segment: Segment = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="The RFM segment."
    )
    abc_class: AbcClass = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="The ABC class by share of revenue."
    )
    computed_at: datetime = strawberry.field(description="When it was computed (UTC).")


@strawberry.type(description="A brand-team user of the program's console.")
class StaffUser:
    id: strawberry.ID = strawberry.field(description="The staff user's id.")
    email: str = strawberry.field(description="The staff user's email, lowercased.")
    role: StaffRole = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="What they may do: ANALYST reads, MANAGER also configures, ADMIN also "
        "manages program settings, staff users, API keys and webhooks.",
    )
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


@strawberry.type(description="An integration's API key (sent as `X-Api-Key`), without its secret.")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="The key's id (for revokeApiKey).")
    name: str = strawberry.field(description="A label staff chose, such as the till's name.")
    prefix: str = strawberry.field(
        description="The key's public part (`lk_<prefix>_...`), to tell keys apart.",
    )
    created_at: datetime = strawberry.field(description="When the key was created (ISO-8601, UTC).")
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (null while it works).",
    )

    @classmethod
    def from_model(cls, key: accounts_models.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(str(key.id)),
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


@strawberry.type(description="The tokens of a new session, or why none was started.")
class SessionPayload:
    access_token: str | None = strawberry.field(
        default=None,
        description="A short-lived JWT (15 minutes by default): send `Authorization: Bearer "
        "<accessToken>`. Null when refused.",
    )
    refresh_token: str | None = strawberry.field(
        default=None,
        description="A single-use token to get new tokens (refreshSession) before it expires "
        "(30 days by default). Keep it secret; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the session was refused (empty on success).",
    )


@strawberry.type(description="The new member's session.")
class SignUpPayload(SessionPayload):
    member: Member | None = strawberry.field(
        default=None,
        description="The new member; null when refused.",
    )


@strawberry.type(description="The member's new session.")
class LogInPayload(SessionPayload):
    member: Member | None = strawberry.field(
        default=None,
        description="The member; null when refused.",
    )


@strawberry.type(description="New tokens for the same session.")
class RefreshSessionPayload(SessionPayload):
    member: Member | None = strawberry.field(
        default=None,
        description="The member, when the session is a member's.",
    )
    staff: StaffUser | None = strawberry.field(
        default=None,
        description="The staff user, when the session is staff's.",
    )


@strawberry.type(description="The staff user's new session.")
class StaffLogInPayload(SessionPayload):
    staff: StaffUser | None = strawberry.field(
        default=None,
        description="The staff user; null when refused.",
    )


@strawberry.type(description="The staff user's new session, after a password change.")
class ChangeStaffPasswordPayload(SessionPayload):
    staff: StaffUser | None = strawberry.field(
        default=None,
        description="The staff user; null when refused.",
    )


@strawberry.type(description="Whether signing out ended a session.")
class LogOutPayload:
    ended: bool = strawberry.field(
        description="true when the token's session was live and has now ended; false when it "
        "had ended already or the token is unknown (signing out is harmless either way).",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Always empty: signing out is never refused."
    )


@strawberry.input(description="A new member's account.")
class SignUpInput:
    program: str = strawberry.field(description="The program's slug.")
    email: str = strawberry.field(
        description="A valid email, unique in the program (INVALID_EMAIL, EMAIL_TAKEN).",
    )
    password: str = strawberry.field(
        description="10 to 128 characters (PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG).",
    )
    display_name: str = strawberry.field(
        description="1 to 60 printable characters, shown to other members (INVALID_DISPLAY_NAME).",
    )
    referral_code: str | None = strawberry.field(
        default=None,
        description="A friend's referral code, optional (INVALID_REFERRAL_CODE when unknown).",
    )


@strawberry.input(description="A member's credentials.")
class LogInInput:
    program: str = strawberry.field(description="The program's slug.")
    email: str = strawberry.field(description="The member's email (any case).")
    password: str = strawberry.field(description="The member's password.")


@strawberry.input(description="The refresh token to trade for new tokens.")
class RefreshSessionInput:
    refresh_token: str = strawberry.field(
        description="The latest refresh token this session received; each one works once.",
    )


@strawberry.input(description="The session to end.")
class LogOutInput:
    refresh_token: str = strawberry.field(
        description="The session's latest refresh token (an older one of the same session works "
        "too).",
    )


@strawberry.input(description="The current password and the new one.")
class ChangeStaffPasswordInput:
    current_password: str = strawberry.field(
        description="The password in use now (INVALID_CREDENTIALS when wrong)."
    )
    new_password: str = strawberry.field(
        description="10 to 128 characters (PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG).",
    )


@strawberry.input(description="A staff user's credentials.")
class StaffLogInInput:
    program: str = strawberry.field(description="The program's slug.")
    email: str = strawberry.field(description="The staff user's email (any case).")
    password: str = strawberry.field(description="The staff user's password.")


@strawberry.input(description="A new integration API key.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="A label of 1 to 100 characters.")


@strawberry.type(description="The new key, with its secret shown once.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None,
        description="The key's record; null when refused.",
    )
    key: str | None = strawberry.field(
        default=None, description="The key itself. It is shown this once and never again."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the key was refused.",
    )


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    api_key_id: strawberry.ID = strawberry.field(description="The key's id.")


@strawberry.type(description="The revoked key.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None,
        description="The key, now with `revokedAt`; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused: NOT_FOUND.",
    )
