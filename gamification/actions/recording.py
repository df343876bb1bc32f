"""Recording actions: integrations report them by code with an `external_id` unique in the
program (`record_action`); members report the self-service ones themselves (`perform_action`).

Either way the same `_count` runs under the member's row lock (every movement of their points
takes it first), so concurrent reports of one member are counted one after the other and a
limit of 1 a day lets exactly one through. The action earns ACTION points through the ledger and
emits ACTION_RECORDED, which badges, the feed and webhooks read.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from core.clock import clock, in_utc
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from gamification import events
from gamification.accounts.models import Member
from gamification.actions.action_types import action_type_in_program
from gamification.actions.error_codes import ActionErrorCode
from gamification.actions.models import ActionType, MemberAction
from gamification.events.payloads import ActionRecorded
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs.models import Program
from gamification.rewards.eligibility import check_eligibility

MAX_DATA_KEYS = 20
MAX_DATA_TEXT = 2000


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(ErrorCode.INVALID_INPUT, message, field)


@dataclass(frozen=True)
class ActionResult:
    action: MemberAction
    action_type: ActionType
    replayed: bool


def _check_data(data: dict[str, Any] | None) -> dict[str, Any]:
    data = data or {}
    if not isinstance(data, dict) or len(data) > MAX_DATA_KEYS:
        raise _invalid(f"Data is an object of at most {MAX_DATA_KEYS} keys.", "data")
    if len(str(data)) > MAX_DATA_TEXT:
        raise _invalid(f"Data holds at most {MAX_DATA_TEXT} characters.", "data")
    return data


async def record_action(
    program: Program,
    member: Member,
    code: str,
    *,
    external_id: str,
    occurred_at: datetime,
    data: dict[str, Any] | None = None,
) -> ActionResult:
    """An integration's report. The same external id again answers the first action; with
    another member or type it is IDEMPOTENCY_KEY_REUSED."""
    external_id = external_id.strip()
    if not 1 <= len(external_id) <= 128 or not external_id.isprintable():
        raise _invalid("An external id has 1 to 128 printable characters.", "externalId")
    occurred_at = in_utc(occurred_at, "occurredAt")
    if occurred_at > clock.now() + timedelta(minutes=5):
        raise _invalid("An action is not in the future.", "occurredAt")
    data = _check_data(data)
    previous = await MemberAction.get_or_none(program_id=program.id, external_id=external_id)
    if previous is not None:
        return await _replay(previous, member, code)
    action_type = await _active_type(program.id, code)
    try:
        return await _count(member, action_type, occurred_at, data, external_id=external_id)
    except IntegrityError:
        previous = await MemberAction.get(program_id=program.id, external_id=external_id)
        return await _replay(previous, member, code)


async def perform_action(
    member: Member, action_type_id: int, *, check_in_code: str | None, idempotency_key: str
) -> ActionResult:
    """A member's own report of a self-service action; the same key answers the first."""
    ledger.check_key(idempotency_key)
    previous = await MemberAction.get_or_none(member_id=member.id, idempotency_key=idempotency_key)
    if previous is not None:
        action_type = await ActionType.get(id=previous.action_type_id)
        if action_type.id != action_type_id:
            raise _reused("idempotencyKey")
        return ActionResult(previous, action_type, replayed=True)
    action_type = await action_type_in_program(member.program_id, action_type_id)
    if action_type.archived or not action_type.self_service:
        raise NotFound(ActionErrorCode.ACTION_TYPE_NOT_FOUND, "No such action.", "actionTypeId")
    expected = action_type.check_in_code
    if expected is not None and not hmac.compare_digest(
        expected.encode(), (check_in_code or "").strip().encode()
    ):
        raise Refused(
            ActionErrorCode.INVALID_CHECK_IN_CODE, "This is not the code shown.", "checkInCode"
        )
    try:
        return await _count(member, action_type, clock.now(), {}, idempotency_key=idempotency_key)
    except IntegrityError:
        previous = await MemberAction.get(member_id=member.id, idempotency_key=idempotency_key)
        return ActionResult(previous, action_type, replayed=True)


def _reused(field: str) -> Refused:
    return Refused(ErrorCode.IDEMPOTENCY_KEY_REUSED, "This id was used for another action.", field)


async def _active_type(program_id: int, code: str) -> ActionType:
    found = await ActionType.get_or_none(
        program_id=program_id, code=code.strip().lower()[:40], archived=False
    )
    if found is None:
        raise NotFound(
            ActionErrorCode.ACTION_TYPE_NOT_FOUND, "No such action in this program.", "actionType"
        )
    return found


async def _replay(previous: MemberAction, member: Member, code: str) -> ActionResult:
    action_type = await ActionType.get(id=previous.action_type_id)
    if previous.member_id != member.id or action_type.code != code.strip().lower():
        raise _reused("externalId")
    return ActionResult(previous, action_type, replayed=True)


def _week_start(moment: datetime) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


async def _count(
    member: Member,
    action_type: ActionType,
    occurred_at: datetime,
    data: dict[str, Any],
    *,
    external_id: str | None = None,
    idempotency_key: str | None = None,
) -> ActionResult:
    if (action_type.starts_at is not None and occurred_at < action_type.starts_at) or (
        action_type.ends_at is not None and occurred_at >= action_type.ends_at
    ):
        raise Refused(
            ActionErrorCode.ACTION_NOT_AVAILABLE, "This action is not counted now.", "actionType"
        )
    await check_eligibility(member, min_tier_rank=action_type.min_tier_rank, required_badge_id=None)
    async with events.atomic():
        # The member's row lock: their concurrent reports are counted one after the other.
        locked = await ledger.locked_member(member.id)
        assert locked is not None
        await _check_limits(member.id, action_type, occurred_at)
        action = await MemberAction.create(
            program_id=member.program_id,
            member_id=member.id,
            action_type_id=action_type.id,
            external_id=external_id,
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
            recorded_at=clock.now(),
            data=data,
            points=action_type.points,
        )
        if action_type.points:
            program = await Program.get(id=member.program_id)
            await ledger.credit(
                locked,
                action_type.points,
                LedgerKind.ACTION,
                expires_at=ledger.points_expiry(program, clock.now()),
                reason=action_type.name[:200],
                reference=f"action:{action.id}",
            )
            member.points_balance = locked.points_balance
        await events.emit(
            ActionRecorded(
                action_id=action.id,
                action_type_id=action_type.id,
                code=action_type.code,
                points=action_type.points,
            ),
            program_id=member.program_id,
            member_id=member.id,
            occurred_at=occurred_at,
        )
    return ActionResult(action, action_type, replayed=False)


async def _check_limits(member_id: int, action_type: ActionType, occurred_at: datetime) -> None:
    mine = MemberAction.filter(member_id=member_id, action_type_id=action_type.id)

    def refuse(message: str) -> Refused:
        return Refused(ActionErrorCode.ACTION_LIMIT_REACHED, message, "actionType")

    if action_type.lifetime is not None and await mine.count() >= action_type.lifetime:
        raise refuse(f"At most {action_type.lifetime} of these per member.")
    day = occurred_at.replace(hour=0, minute=0, second=0, microsecond=0)
    if action_type.per_day is not None and (
        await mine.filter(occurred_at__gte=day, occurred_at__lt=day + timedelta(days=1)).count()
        >= action_type.per_day
    ):
        raise refuse(f"At most {action_type.per_day} of these a day.")
    week = _week_start(occurred_at)
    if action_type.per_week is not None and (
        await mine.filter(occurred_at__gte=week, occurred_at__lt=week + timedelta(days=7)).count()
        >= action_type.per_week
    ):
        raise refuse(f"At most {action_type.per_week} of these a week.")
    if action_type.cooldown_minutes is not None:
        gap = timedelta(minutes=action_type.cooldown_minutes)
        if await mine.filter(
            occurred_at__gt=occurred_at - gap, occurred_at__lt=occurred_at + gap
        ).exists():
            raise Refused(
                ActionErrorCode.ACTION_COOLDOWN,
                f"At least {action_type.cooldown_minutes} minutes between two of these.",
                "actionType",
            )
