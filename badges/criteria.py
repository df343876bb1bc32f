"""What each criteria kind reads from an event: the event type it listens to, and the change one
event makes to a member's progress. Pure functions: no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from badges.models import BadgeCriteria
from gamification.events import EventType
from gamification.events.models import Event
from gamification.events.payloads import (
    ActionRecorded,
    LineItem,
    PointsEarned,
    PurchaseRecorded,
    TierChanged,
)
from gamification.points import ledger
from gamification.points.models import LedgerKind

# Progress is an integer in each kind's unit; money is counted in cents.
MONEY_SCALE = 100
# Points that do not count as "earned": every kind outside ledger.EARNED_KINDS (which says why).
NOT_EARNED_KINDS = frozenset(LedgerKind) - ledger.EARNED_KINDS
_EPOCH_MONDAY = date(2000, 1, 3)

FIXED_EVENT_TYPE: dict[BadgeCriteria, EventType] = {
    BadgeCriteria.SPEND: EventType.PURCHASE_RECORDED,
    BadgeCriteria.POINTS_EARNED: EventType.POINTS_EARNED,
    BadgeCriteria.PRODUCT_QUANTITY: EventType.PURCHASE_RECORDED,
    BadgeCriteria.TIER_REACHED: EventType.TIER_CHANGED,
    BadgeCriteria.CHALLENGES_COMPLETED: EventType.CHALLENGE_COMPLETED,
    BadgeCriteria.REFERRALS_QUALIFIED: EventType.REFERRAL_QUALIFIED,
}


def scale(criteria: BadgeCriteria) -> int:
    return MONEY_SCALE if criteria == BadgeCriteria.SPEND else 1


def listens_to(criteria: BadgeCriteria, params: dict[str, Any]) -> str:
    if criteria in FIXED_EVENT_TYPE:
        return FIXED_EVENT_TYPE[criteria].value
    if criteria == BadgeCriteria.MANUAL:
        return ""
    return str(params.get("event_type") or EventType.PURCHASE_RECORDED.value)


@dataclass(frozen=True)
class Change:
    how: Literal["add", "max", "week"]
    amount: int


def money_units(amount: Decimal) -> int:
    return int((amount * MONEY_SCALE).to_integral_value())


def week_number(moment: datetime) -> int:
    """Weeks since a Monday: consecutive ISO weeks have consecutive numbers."""
    return (moment.date() - _EPOCH_MONDAY).days // 7


def line_quantity(lines: Iterable[LineItem], params: dict[str, Any]) -> int:
    sku, category = params.get("sku"), params.get("category")
    return sum(
        max(line.quantity, 0)
        for line in lines
        if (sku and line.sku == sku) or (category and line.category == category)
    )


def change_for(criteria: BadgeCriteria, params: dict[str, Any], event: Event) -> Change | None:
    """The change one event of the listened type makes, or None when it makes none. Only the
    kinds that read the event's data parse it: counting and streaks need its type and time."""
    match criteria:
        case BadgeCriteria.EVENT_COUNT if params.get("action"):
            return Change("add", 1) if ActionRecorded.of(event).code == params["action"] else None
        case (
            BadgeCriteria.EVENT_COUNT
            | BadgeCriteria.CHALLENGES_COMPLETED
            | BadgeCriteria.REFERRALS_QUALIFIED
        ):
            return Change("add", 1)
        case BadgeCriteria.WEEKLY_STREAK:
            return Change("week", week_number(event.occurred_at))
        case BadgeCriteria.SPEND:
            amount = money_units(PurchaseRecorded.of(event).total)
            return Change("add", amount) if amount > 0 else None
        case BadgeCriteria.POINTS_EARNED:
            earned = PointsEarned.of(event)
            if earned.points <= 0 or earned.kind in NOT_EARNED_KINDS:
                return None
            return Change("add", earned.points)
        case BadgeCriteria.PRODUCT_QUANTITY:
            quantity = line_quantity(PurchaseRecorded.of(event).lines, params)
            return Change("add", quantity) if quantity > 0 else None
        case BadgeCriteria.TIER_REACHED:
            rank = TierChanged.of(event).rank
            return Change("max", rank) if rank is not None else None
    return None


def apply(change: Change, value: int, period: int | None) -> tuple[int, int | None]:
    """The new (value, period) of a progress row after `change`."""
    if change.how == "add":
        return value + change.amount, period
    if change.how == "max":
        return max(value, change.amount), period
    week = change.amount
    if period is None or week > period + 1:
        return 1, week  # first week, or the streak broke: start again
    if week == period + 1:
        return value + 1, week
    return value, period  # same week again, or an older event arriving late


def level_for(thresholds: list[int], value: int) -> int:
    return sum(1 for threshold in thresholds if value >= threshold)
