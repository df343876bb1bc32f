"""A program's settings: what staff tune without code, kept in `Program.settings` (JSON).

Each setting is read by the feature it governs, with its default when unset:
- `points_validity_days` (points/ledger.py): days earned points stay spendable; unset: forever;
- `expiry_reminder_days` (points/expiry_reminders.py): how many days before a lot lapses its
  member is told (POINTS_EXPIRING), once per threshold; unset: 30 and 7;
- `point_value` (reporting/reports.py): what one point is worth in the program's currency, for
  the liability of the report; unset: 0;
- `tier_basis`, `tier_window_days`, `tier_review_days`, `tier_grace` (points/tiers.py): what
  qualifies for a tier ("points" or "spend"), over which rolling window, how often a member's tier
  is reviewed, and whether a member keeps a tier one more period;
- `referral_points`, `referee_bonus`, `referral_min_purchase`, `referral_window_days`,
  `referral_monthly_cap`, `referral_apply_days`, `referral_refund_window_days`
  (referrals/referrals.py, docs/referrals.md);
- `default_language` (programs/languages.py): the language of the catalog's stored names and
  what a member falls back to; unset: "en".

`update_settings` validates every change (all errors at once, each naming its field), writes
them under a lock on the program row (two admins changing different settings both keep theirs),
and drops every per-process cache of the program, so this process applies them at once and the
others within their caches' few seconds. A change applies to what happens next: points already
earned keep their expiry, and tiers move at the next earning or review.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.transactions import in_transaction

from core.errors import DomainError, ErrorCode, NotFound, ValidationErrors, ValidationFailed
from gamification.audit import Actor, AuditAction, trail
from gamification.events import caches
from gamification.programs import languages
from gamification.programs.error_codes import ProgramErrorCode
from gamification.programs.models import Program

MAX_DAYS = 3650
MAX_POINTS = 1_000_000
TIER_BASES = ("points", "spend")


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _days(minimum: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not _whole(value, minimum, MAX_DAYS):
            raise ValueError(f"Give whole days, {minimum} to {MAX_DAYS}.")
        return value

    return check


def _points(value: Any) -> Any:
    if not _whole(value, 0, MAX_POINTS):
        raise ValueError(f"Give whole points, 0 to {MAX_POINTS}.")
    return value


def _cap(value: Any) -> Any:
    if not _whole(value, 1, 10_000):
        raise ValueError("Give a number of referrals, 1 to 10000 (clear it for no cap).")
    return value


def _money(places: int, maximum: Decimal) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("Give a decimal number such as 0.01.") from None
        exponent = amount.as_tuple().exponent
        if (
            not amount.is_finite()
            or not Decimal(0) <= amount <= maximum
            or (isinstance(exponent, int) and exponent < -places)
        ):
            raise ValueError(f"Give 0 to {maximum}, with at most {places} decimal places.")
        return str(amount)

    return check


def _basis(value: Any) -> Any:
    basis = str(value).strip().lower()
    if basis not in TIER_BASES:
        raise ValueError("A tier basis is POINTS (points earned) or SPEND (money spent).")
    return basis


# The thresholds a program without its own gets.
DEFAULT_EXPIRY_REMINDER_DAYS = (30, 7)
MAX_REMINDERS = 5


def _reminder_days(value: Any) -> Any:
    if (
        not isinstance(value, list | tuple)
        or not 0 <= len(value) <= MAX_REMINDERS
        or not all(_whole(day, 1, 365) for day in value)
        or len(set(value)) != len(value)
    ):
        raise ValueError(
            f"Give up to {MAX_REMINDERS} different numbers of days, each 1 to 365 (none: no "
            "reminders)."
        )
    return sorted(value, reverse=True)


def expiry_reminder_days(program: Program) -> tuple[int, ...]:
    """The program's reminder thresholds in days before expiry, largest first."""
    days = (program.settings or {}).get("expiry_reminder_days")
    return tuple(days) if days is not None else DEFAULT_EXPIRY_REMINDER_DAYS


def _flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("Give true or false.")
    return value


def _language(value: Any) -> Any:
    code = languages.language_code(value)
    if code is None:
        raise ValueError(f"Give a language code: one of {', '.join(languages.LANGUAGES)}.")
    return code


# Each setting: the API field that names it in errors, and the check that cleans its value.
SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "points_validity_days": ("pointsValidityDays", _days(1)),
    "expiry_reminder_days": ("expiryReminderDays", _reminder_days),
    "point_value": ("pointValue", _money(6, Decimal(1000))),
    "tier_basis": ("tierBasis", _basis),
    "tier_window_days": ("tierWindowDays", _days(1)),
    "tier_review_days": ("tierReviewDays", _days(1)),
    "tier_grace": ("tierGrace", _flag),
    "referral_points": ("referralPoints", _points),
    "referee_bonus": ("refereeBonus", _points),
    "referral_min_purchase": ("referralMinPurchase", _money(2, Decimal(1_000_000))),
    "referral_window_days": ("referralWindowDays", _days(1)),
    "referral_monthly_cap": ("referralMonthlyCap", _cap),
    "referral_apply_days": ("referralApplyDays", _days(0)),
    "referral_refund_window_days": ("referralRefundWindowDays", _days(0)),
    "default_language": ("defaultLanguage", _language),
}


def clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with each value cleaned (None stays: it clears the setting back to its
    default); every invalid one reported at once."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown program settings: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: list[DomainError] = []
    for key, value in changes.items():
        field, check = SETTINGS[key]
        if value is None:
            cleaned[key] = None
            continue
        try:
            cleaned[key] = check(value)
        except ValueError as error:
            errors.append(ValidationFailed(ErrorCode.INVALID_INPUT, str(error), field))
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def update_settings(actor: Actor, program_id: int, changes: Mapping[str, Any]) -> Program:
    """Apply `changes` (setting -> value, None to clear) and return the program as it now is."""
    cleaned = clean_changes(changes)
    async with in_transaction():
        program = await Program.select_for_update().get_or_none(id=program_id)
        if program is None:
            raise NotFound(ProgramErrorCode.PROGRAM_NOT_FOUND, "No such program.", "program")
        merged = dict(program.settings or {})
        for key, value in cleaned.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        before = dict(program.settings or {})
        program.settings = merged
        await Program.filter(id=program.id).update(settings=merged)
        await trail.record(
            actor,
            AuditAction.PROGRAM_SETTINGS_UPDATED,
            program_id=program.id,
            target_id=program.id,
            before=before,
            after=merged,
        )
    caches.program_changed(program_id)
    return program
