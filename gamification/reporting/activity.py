"""A member's activity feed: their own events, newest first, each with a sentence to show."""

from __future__ import annotations

from typing import Any

from tortoise.queryset import QuerySet

from gamification.events import EventType
from gamification.events.models import Event

# Types that are plumbing rather than something a member did or got.
HIDDEN_TYPES = frozenset({EventType.POINTS_ADJUSTED.value})

_LEVEL_NAMES = {1: "bronze", 2: "silver", 3: "gold"}


def feed_of(member_id: int) -> QuerySet[Event]:
    return Event.filter(member_id=member_id).exclude(type__in=list(HIDDEN_TYPES))


def _points(data: dict[str, Any]) -> str:
    points = int(data.get("points") or 0)
    return f"{points} point{'s' if abs(points) != 1 else ''}"


def describe(event_type: str, data: dict[str, Any]) -> str:
    """One human sentence per event; unknown types still read sensibly."""
    match event_type:
        case EventType.MEMBER_SIGNED_UP:
            return "You joined the program."
        case EventType.PURCHASE_RECORDED:
            total, currency = data.get("total"), data.get("currency") or ""
            return f"Purchase of {total} {currency}".rstrip() + " recorded."
        case EventType.PURCHASE_REFUNDED:
            return f"Refund of {data.get('amount')} recorded."
        case EventType.POINTS_EARNED:
            return f"You earned {_points(data)}."
        case EventType.POINTS_SPENT:
            return f"You spent {_points(data)}."
        case EventType.POINTS_EXPIRED:
            return f"{_points(data).capitalize()} expired."
        case EventType.POINTS_REVERSED:
            return f"{_points(data).capitalize()} were taken back after a refund."
        case EventType.TIER_CHANGED:
            return "Your tier changed."
        case EventType.REWARD_REDEEMED:
            return f"You redeemed a reward for {_points(data)}."
        case EventType.BADGE_AWARDED:
            level = int(data.get("level") or 1)
            name = data.get("name") or "a badge"
            suffix = f" ({_LEVEL_NAMES.get(level, f'level {level}')})" if level > 1 else ""
            return f"You earned the badge {name}{suffix}."
        case EventType.CHALLENGE_JOINED:
            return f"You joined the challenge {data.get('name') or ''}".rstrip() + "."
        case EventType.CHALLENGE_COMPLETED:
            return f"You completed the challenge {data.get('name') or ''}".rstrip() + "."
        case EventType.REFERRAL_QUALIFIED:
            return "A friend you referred made their first purchase."
        case EventType.GAME_PLAYED:
            return "You played an instant-win game."
        case EventType.PRIZE_WON:
            return "You won a prize!"
        case EventType.CONTEST_ENTERED:
            return "You entered a prize draw."
    return event_type.replace("_", " ").capitalize() + "."
