"""Action types: what staff define a member can do beyond buying, and what it earns.

An action type has a `code` integrations name it by ("review"), points, limits per day (UTC),
per ISO week and per lifetime, a cool-down, a window, a minimum tier, and may be self-service
(members report it, showing the check-in code when it has one). Changes are audited.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from core.clock import clock, in_utc
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.unique_names import unique_name
from gamification.actions.error_codes import ActionErrorCode
from gamification.actions.models import ActionType
from gamification.audit import Actor, AuditAction, trail
from gamification.points import ledger
from gamification.programs import languages
from gamification.rewards.eligibility import check_rank_input

EDITABLE = (
    "name",
    "points",
    "per_day",
    "per_week",
    "lifetime",
    "cooldown_minutes",
    "starts_at",
    "ends_at",
    "min_tier_rank",
    "self_service",
    "check_in_code",
    "translations",
)
_FIELDS = {
    "per_day": "perDay",
    "per_week": "perWeek",
    "lifetime": "lifetime",
    "cooldown_minutes": "cooldownMinutes",
}


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(ErrorCode.INVALID_INPUT, message, field)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = dict(values)
    if "translations" in clean:
        clean["translations"] = languages.clean_translations(clean["translations"] or ())
    if "name" in clean:
        clean["name"] = " ".join(str(clean["name"]).split())
        if not 1 <= len(clean["name"]) <= 120:
            raise _invalid("A name has 1 to 120 characters.", "name")
    if "points" in clean and not 0 <= clean["points"] <= ledger.MAX_POINTS:
        raise _invalid(f"Points are between 0 and {ledger.MAX_POINTS}.", "points")
    for name, field in _FIELDS.items():
        value = clean.get(name)
        if value is not None and not 1 <= value <= 100_000:
            raise _invalid("A limit is between 1 and 100000 (null: none).", field)
    for name in ("starts_at", "ends_at"):
        if clean.get(name) is not None:
            clean[name] = in_utc(clean[name], "startsAt" if name == "starts_at" else "endsAt")
    if "min_tier_rank" in clean:
        check_rank_input(clean["min_tier_rank"])
    if clean.get("check_in_code") is not None:
        code = str(clean["check_in_code"]).strip()
        if not 4 <= len(code) <= 40 or not code.isprintable():
            raise _invalid("A check-in code has 4 to 40 printable characters.", "checkInCode")
        clean["check_in_code"] = code
    return clean


def _check_whole(action_type: ActionType) -> None:
    if (
        action_type.starts_at is not None
        and action_type.ends_at is not None
        and action_type.ends_at <= action_type.starts_at
    ):
        raise ValidationFailed(ErrorCode.INVALID_WINDOW, "It ends after it starts.", "endsAt")


def _clean_code(code: str) -> str:
    code = code.strip().lower()
    if not 1 <= len(code) <= 40 or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in code
    ):
        raise _invalid("A code has 1 to 40 letters, digits, '-' or '_'.", "code")
    return code


async def create_action_type(
    actor: Actor, program_id: int, *, code: str, name: str, points: int, **values: Any
) -> ActionType:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown action type fields: {sorted(unknown)}")
    clean = _clean({"name": name, "points": points, **values})
    action_type = ActionType(
        program_id=program_id, code=_clean_code(code), created_at=clock.now(), **clean
    )
    _check_whole(action_type)
    if await ActionType.exists(program_id=program_id, code=action_type.code):
        raise Refused(ErrorCode.NAME_TAKEN, "This program has an action of this code.", "code")
    async with unique_name(ActionType, program_id, action_type.name, what="action"):
        await action_type.save()
        await trail.created(actor, AuditAction.ACTION_TYPE_CREATED, action_type)
    return action_type


async def action_type_in_program(program_id: int, action_type_id: int) -> ActionType:
    found = await ActionType.get_or_none(id=action_type_id, program_id=program_id)
    if found is None:
        raise NotFound(ActionErrorCode.ACTION_TYPE_NOT_FOUND, "No such action.", "actionTypeId")
    return found


async def update_action_type(
    actor: Actor, program_id: int, action_type_id: int, **changes: Any
) -> ActionType:
    """Change the given fields (None clears an optional one); the code stays."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    action_type = await action_type_in_program(program_id, action_type_id)
    before = trail.snapshot(action_type)
    for key, value in _clean(changes).items():
        setattr(action_type, key, value)
    _check_whole(action_type)
    async with unique_name(
        ActionType, program_id, action_type.name, what="action", own_id=action_type.id
    ):
        await action_type.save()
        await trail.changed(actor, AuditAction.ACTION_TYPE_UPDATED, action_type, before)
    return action_type


async def archive_action_type(actor: Actor, program_id: int, action_type_id: int) -> ActionType:
    action_type = await action_type_in_program(program_id, action_type_id)
    if not action_type.archived:
        async with in_transaction():
            before = trail.snapshot(action_type)
            action_type.archived = True
            await action_type.save(update_fields=["archived"])
            await trail.changed(actor, AuditAction.ACTION_TYPE_ARCHIVED, action_type, before)
    return action_type


async def action_types_of(program_id: int, *, members_only: bool = False) -> list[ActionType]:
    """Active types by name; `members_only`: those members report themselves."""
    query = ActionType.filter(program_id=program_id, archived=False)
    if members_only:
        query = query.filter(self_service=True)
    return await query.order_by("name", "id")
