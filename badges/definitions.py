"""Badge definitions: staff create, update and archive them; validated here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from badges import awarding
from badges import criteria as kinds
from badges.error_codes import BadgeErrorCode
from badges.models import Badge, BadgeCriteria
from core.clock import clock, in_utc
from core.errors import (
    DomainError,
    ErrorCode,
    NotFound,
    Refused,
    ValidationErrors,
    ValidationFailed,
)
from core.unique_names import unique_name
from gamification.audit import Actor, AuditAction, trail
from gamification.events import EventType, caches
from gamification.events.error_codes import EventErrorCode
from gamification.points.ledger import MAX_POINTS
from gamification.programs import languages

MAX_LEVELS = 3  # bronze, silver, gold
MAX_THRESHOLD = 10**12


@dataclass
class BadgeFields:
    """Everything staff can set; None means "leave as is" on update."""

    name: str | None = None
    description: str | None = None
    icon_url: str | None = None
    thresholds: list[Decimal] | None = None
    points: int | None = None
    hidden: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    # Names and descriptions in other languages: Translations or objects alike (languages.py).
    translations: list[Any] | None = None


def _check_icon(url: str) -> str:
    url = url.strip()
    if url and (len(url) > 500 or urlsplit(url).scheme not in ("http", "https")):
        raise ValidationFailed(ErrorCode.INVALID_URL, "An icon URL is an http(s) URL.", "iconUrl")
    return url


def _thresholds(criteria: BadgeCriteria, raw: list[Decimal]) -> list[int]:
    if criteria == BadgeCriteria.MANUAL:
        return [1]
    unit = kinds.scale(criteria)
    values: list[int] = []
    for value in raw:
        scaled = value * unit
        if scaled != scaled.to_integral_value() or not 0 < scaled <= MAX_THRESHOLD:
            raise ValidationFailed(
                BadgeErrorCode.INVALID_CRITERIA,
                "Thresholds are positive (whole numbers except for money).",
                "thresholds",
            )
        values.append(int(scaled))
    if not 1 <= len(values) <= MAX_LEVELS or values != sorted(set(values)):
        raise ValidationFailed(
            BadgeErrorCode.INVALID_CRITERIA,
            f"Give 1 to {MAX_LEVELS} strictly increasing thresholds, one per level.",
            "thresholds",
        )
    return values


def _params(
    criteria: BadgeCriteria,
    event_type: str | None,
    sku: str | None,
    category: str | None,
    action: str | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if criteria in (BadgeCriteria.EVENT_COUNT, BadgeCriteria.WEEKLY_STREAK):
        chosen = (event_type or "").strip().upper() or (
            EventType.PURCHASE_RECORDED.value if criteria == BadgeCriteria.WEEKLY_STREAK else ""
        )
        if chosen not in {t.value for t in EventType}:
            raise ValidationFailed(
                EventErrorCode.INVALID_EVENT_TYPE, "Name the event type to count.", "eventType"
            )
        params["event_type"] = chosen
    if action is not None and action.strip():
        # Counting one action type's ACTION_RECORDED events: "5 reviews".
        if criteria != BadgeCriteria.EVENT_COUNT or params["event_type"] != "ACTION_RECORDED":
            raise ValidationFailed(
                BadgeErrorCode.INVALID_CRITERIA,
                "An action is counted by EVENT_COUNT of ACTION_RECORDED.",
                "action",
            )
        params["action"] = action.strip().lower()[:40]
    if criteria == BadgeCriteria.PRODUCT_QUANTITY:
        sku, category = (sku or "").strip(), (category or "").strip()
        if bool(sku) == bool(category) or len(sku) > 64 or len(category) > 64:
            raise ValidationFailed(
                BadgeErrorCode.INVALID_CRITERIA, "Give either a SKU or a category.", "sku"
            )
        params["sku" if sku else "category"] = sku or category
    return params


def _validate(badge: Badge, fields: BadgeFields) -> None:
    errors: list[DomainError] = []

    def check(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except DomainError as error:
            errors.append(error)
            return None

    if fields.name is not None:
        name = " ".join(fields.name.split())
        if not 1 <= len(name) <= 80:
            errors.append(
                ValidationFailed(ErrorCode.INVALID_INPUT, "A name has 1 to 80 characters.", "name")
            )
        badge.name = name
    if fields.description is not None:
        if len(fields.description) > 500:
            errors.append(
                ValidationFailed(
                    ErrorCode.INVALID_INPUT, "A description is at most 500.", "description"
                )
            )
        badge.description = fields.description.strip()
    if fields.translations is not None:
        try:
            badge.translations = languages.clean_translations(fields.translations)
        except ValidationErrors as error:
            errors.extend(error.errors)
    if fields.icon_url is not None:
        badge.icon_url = check(_check_icon, fields.icon_url) or ""
    if fields.thresholds is not None:
        badge.thresholds = check(_thresholds, badge.criteria, fields.thresholds) or []
    if fields.points is not None:
        if not 0 <= fields.points <= MAX_POINTS:
            errors.append(
                ValidationFailed(ErrorCode.INVALID_INPUT, "Points are not negative.", "points")
            )
        badge.points = fields.points
    if fields.hidden is not None:
        badge.hidden = fields.hidden
    if fields.starts_at is not None:
        badge.starts_at = check(in_utc, fields.starts_at, "startsAt")
    if fields.ends_at is not None:
        badge.ends_at = check(in_utc, fields.ends_at, "endsAt")
    if badge.starts_at and badge.ends_at and badge.starts_at >= badge.ends_at:
        errors.append(
            ValidationFailed(ErrorCode.INVALID_WINDOW, "A badge ends after it starts.", "endsAt")
        )
    if errors:
        raise ValidationErrors(errors)


async def create_badge(
    actor: Actor,
    program_id: int,
    criteria: BadgeCriteria,
    fields: BadgeFields,
    *,
    event_type: str | None = None,
    sku: str | None = None,
    category: str | None = None,
    action: str | None = None,
) -> Badge:
    params = _params(criteria, event_type, sku, category, action)
    if fields.name is None:
        fields.name = ""
    if fields.thresholds is None:
        fields.thresholds = []
    badge = Badge(
        program_id=program_id,
        criteria=criteria,
        params=params,
        listens_to=kinds.listens_to(criteria, params),
        created_at=clock.now(),
    )
    _validate(badge, fields)
    async with unique_name(Badge, program_id, badge.name, what="badge"):
        await badge.save()
        await trail.created(actor, AuditAction.BADGE_CREATED, badge)
    caches.changed(awarding.definitions, program_id)
    return badge


async def badge_in_program(program_id: int, badge_id: int, field: str = "badgeId") -> Badge:
    badge = await Badge.get_or_none(id=badge_id, program_id=program_id)
    if badge is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such badge.", field)
    return badge


async def update_badge(actor: Actor, program_id: int, badge_id: int, fields: BadgeFields) -> Badge:
    """Change presentation, points, levels, visibility or window. The criteria kind stays: the
    progress already counted means that kind. Earned levels stay earned."""
    badge = await badge_in_program(program_id, badge_id)
    if badge.archived_at is not None:
        raise Refused(ErrorCode.ALREADY_ARCHIVED, "This badge is archived.", "badgeId")
    before = trail.snapshot(badge)
    _validate(badge, fields)
    async with unique_name(Badge, program_id, badge.name, what="badge", own_id=badge.id):
        await badge.save()
        await trail.changed(actor, AuditAction.BADGE_UPDATED, badge, before)
    caches.changed(awarding.definitions, program_id)
    return badge


async def archive_badge(actor: Actor, program_id: int, badge_id: int) -> Badge:
    """No new progress or awards; earned badges stay on members' profiles."""
    badge = await badge_in_program(program_id, badge_id)
    if badge.archived_at is not None:
        raise Refused(ErrorCode.ALREADY_ARCHIVED, "This badge is archived.", "badgeId")
    async with in_transaction():
        before = trail.snapshot(badge)
        badge.archived_at = clock.now()
        await Badge.filter(id=badge.id).update(archived_at=badge.archived_at)
        await trail.changed(actor, AuditAction.BADGE_ARCHIVED, badge, before)
    caches.changed(awarding.definitions, program_id)
    return badge
