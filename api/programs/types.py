"""GraphQL types of a program's settings and its staff users (ADMIN)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from api.accounts.types import StaffRole, StaffUser
from api.errors import UserError
from gamification.points.tiers import TierRules
from gamification.programs import languages
from gamification.programs import models as programs_models
from gamification.programs.settings import expiry_reminder_days
from gamification.referrals.referrals import ReferralRules


@strawberry.enum(description="What qualifies a member for a tier over the rolling window.")
class TierBasis(Enum):
    POINTS = strawberry.enum_value(
        "points", description="Points earned by purchases, net of refunds (the default)."
    )
    SPEND = strawberry.enum_value(
        "spend", description="Money spent on purchases, net of refunds, in whole currency units."
    )


@strawberry.type(description="A program's settings as they apply now, defaults filled in.")
class ProgramSettings:
    points_validity_days: int | None = strawberry.field(
        description="Days earned points stay spendable before they expire; null: they never do."
    )
    expiry_reminder_days: list[int] = strawberry.field(
        description="How many days before points expire the member is reminded "
        "(POINTS_EXPIRING), largest first; empty: never."
    )
    point_value: Decimal = strawberry.field(
        description="What one point is worth in the program's currency (a decimal string, "
        'e.g. "0.01"): `programReport.liability` is the outstanding points times this.'
    )
    tier_basis: TierBasis = strawberry.field(description="What qualifies for a tier.")
    tier_window_days: int = strawberry.field(
        description="The rolling window, in days, over which tier qualification is counted."
    )
    tier_review_days: int = strawberry.field(
        description="Days between a member's tier reviews (when a tier can go down)."
    )
    tier_grace: bool = strawberry.field(
        description="Whether a member who no longer qualifies keeps the tier one more period."
    )
    referral_points: int = strawberry.field(
        description="Points the referrer earns when a referral qualifies."
    )
    referee_bonus: int = strawberry.field(
        description="Points the referred friend earns when their referral qualifies."
    )
    referral_min_purchase: Decimal = strawberry.field(
        description="The smallest purchase total (program currency) that qualifies a referral."
    )
    referral_window_days: int = strawberry.field(
        description="Days after a referral during which the friend's purchase qualifies it."
    )
    referral_monthly_cap: int | None = strawberry.field(
        description="Referrals a referrer is paid for per calendar month (UTC); null: no cap."
    )
    referral_apply_days: int = strawberry.field(
        description="Days after sign-up during which a member may still enter a friend's code."
    )
    referral_refund_window_days: int = strawberry.field(
        description="Days after qualifying during which refunds can reverse a referral."
    )
    default_language: str = strawberry.field(
        description="The language of the catalog's stored names and descriptions (an ISO 639-1 "
        "code): what members read when their language has no translation."
    )

    @classmethod
    def from_model(cls, program: programs_models.Program) -> ProgramSettings:
        tiers = TierRules.of(program)
        referral = ReferralRules.of(program)
        validity = (program.settings or {}).get("points_validity_days")
        return cls(
            points_validity_days=int(validity) if validity else None,
            expiry_reminder_days=list(expiry_reminder_days(program)),
            point_value=Decimal(str((program.settings or {}).get("point_value", "0"))),
            tier_basis=TierBasis(tiers.basis),
            tier_window_days=tiers.window.days,
            tier_review_days=tiers.review_period.days,
            tier_grace=tiers.grace,
            referral_points=referral.referral_points,
            referee_bonus=referral.referee_bonus,
            referral_min_purchase=referral.min_purchase,
            referral_window_days=referral.window.days,
            referral_monthly_cap=referral.monthly_cap,
            referral_apply_days=referral.apply_window.days,
            referral_refund_window_days=referral.refund_window.days,
            default_language=languages.default_language(program),
        )


_KEEP = "Omit to keep the current value; null sets it back to its default."


@strawberry.input(
    description="The settings to change; omitted fields keep their value, and a field given as "
    "null goes back to its default. Errors: INVALID_INPUT naming the field."
)
class UpdateProgramSettingsInput:
    points_validity_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"1 to 3650 days; applies to points earned from now on. {_KEEP} "
        "(never expire).",
    )
    expiry_reminder_days: list[int] | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Up to 5 different numbers of days, 1 to 365; [] for no reminders. {_KEEP} "
        "([30, 7]).",
    )
    point_value: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"0 to 1000, at most 6 decimal places. {_KEEP} (0).",
    )
    tier_basis: TierBasis | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_KEEP} (POINTS)."
    )
    tier_window_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"1 to 3650 days. {_KEEP} (365)."
    )
    tier_review_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"1 to 3650 days. {_KEEP} (the window)."
    )
    tier_grace: bool | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_KEEP} (false)."
    )
    referral_points: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"0 to 1000000 points. {_KEEP} (0)."
    )
    referee_bonus: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"0 to 1000000 points. {_KEEP} (0)."
    )
    referral_min_purchase: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"0 to 1000000, at most 2 decimal places. {_KEEP} (0).",
    )
    referral_window_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"1 to 3650 days. {_KEEP} (30)."
    )
    referral_monthly_cap: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"1 to 10000 referrals. {_KEEP} (no cap)."
    )
    referral_apply_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"0 to 3650 days. {_KEEP} (7)."
    )
    referral_refund_window_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"0 to 3650 days. {_KEEP} (30)."
    )
    default_language: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="fr, nl, en, de, es or it: the language staff write the stored names in "
        f"and members fall back to. {_KEEP} (en).",
    )


@strawberry.type(description="The result of updateProgramSettings.")
class UpdateProgramSettingsPayload:
    settings: ProgramSettings | None = strawberry.field(
        default=None, description="The settings after the change; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused (INVALID_INPUT)."
    )


@strawberry.input(
    description="A new brand-team user. Errors: INVALID_EMAIL, PASSWORD_TOO_SHORT, "
    "PASSWORD_TOO_LONG, EMAIL_TAKEN."
)
class CreateStaffInput:
    email: str = strawberry.field(description="Their log-in email, unique in the program.")
    password: str = strawberry.field(description="Their first password (the password rules).")
    role: StaffRole = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value
        description="ADMIN (everything), MANAGER (configure the program) or ANALYST (read)."
    )


@strawberry.input(
    description="Give a staff user another role. Errors: STAFF_NOT_FOUND, ALREADY_ARCHIVED, "
    "LAST_ADMIN (the program's last admin cannot be demoted)."
)
class UpdateStaffInput:
    staff_id: strawberry.ID = strawberry.field(description="The staff user's id.")
    role: StaffRole = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value
        description="The new role; it applies to their sessions at once."
    )


@strawberry.input(
    description="End a staff user's access: no more log-ins, their sessions end at once. Errors: "
    "STAFF_NOT_FOUND, ALREADY_ARCHIVED, LAST_ADMIN (the program's last admin stays)."
)
class ArchiveStaffInput:
    staff_id: strawberry.ID = strawberry.field(description="The staff user's id.")


@strawberry.type(description="The result of createStaff, updateStaff or archiveStaff.")
class StaffPayload:
    staff: StaffUser | None = strawberry.field(
        default=None, description="The staff user after the change; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused."
    )
