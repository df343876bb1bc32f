"""A member's activity feed: their own events, newest first, each with a sentence to show."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from gamification.events import EventType, Payload, PayloadError, payload_of
from gamification.events.models import Event
from gamification.events.payloads import (
    ActionRecorded,
    AuctionWon,
    BadgeAwarded,
    BidPlaced,
    ChallengeCompleted,
    ChallengeJoined,
    ChallengeProgressed,
    ContestEntered,
    GamePlayed,
    MemberSignedUp,
    Outbid,
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    PointsReversed,
    PointsSpent,
    PrizeWon,
    PurchaseRecorded,
    PurchaseRefunded,
    ReferralQualified,
    RewardRedeemed,
    TierChanged,
)

# Types that are plumbing rather than something a member did or got.
HIDDEN_TYPES = frozenset({EventType.POINTS_ADJUSTED.value})

_LEVEL_NAMES = {1: "bronze", 2: "silver", 3: "gold"}


def feed_of(member_id: int) -> QuerySet[Event]:
    return Event.filter(member_id=member_id).exclude(type__in=list(HIDDEN_TYPES))


def _points(points: int) -> str:
    return f"{points} point{'s' if abs(points) != 1 else ''}"


def describe(event: Event) -> str:
    """One human sentence per event; unknown types, and data this version cannot read, still
    read sensibly."""
    try:
        payload: Payload | None = payload_of(event)
    except PayloadError:
        payload = None
    match payload:
        case MemberSignedUp():
            return "You joined the program."
        case PurchaseRecorded(total=total, currency=currency):
            return f"Purchase of {total} {currency}".rstrip() + " recorded."
        case PurchaseRefunded(amount=amount):
            return f"Refund of {amount} recorded."
        case PointsEarned(points=points):
            return f"You earned {_points(points)}."
        case PointsSpent(points=points):
            return f"You spent {_points(points)}."
        case PointsExpired(points=points):
            return f"{_points(points).capitalize()} expired."
        case PointsReversed(points=points):
            return f"{_points(points).capitalize()} were taken back after a refund."
        case TierChanged():
            return "Your tier changed."
        case RewardRedeemed(points=points):
            return f"You redeemed a reward for {_points(points)}."
        case BadgeAwarded(level=level, name=name):
            suffix = f" ({_LEVEL_NAMES.get(level, f'level {level}')})" if level > 1 else ""
            return f"You earned the badge {name or 'a badge'}{suffix}."
        case ChallengeJoined(name=name):
            return f"You joined the challenge {name}".rstrip() + "."
        case ChallengeProgressed(name=name, progress=progress, target=target):
            return f"Your progress on the challenge {name}: {progress} of {target}."
        case ChallengeCompleted(name=name):
            return f"You completed the challenge {name}".rstrip() + "."
        case ReferralQualified():
            return "A friend you referred made their first purchase."
        case GamePlayed():
            return "You played an instant-win game."
        case PrizeWon():
            return "You won a prize!"
        case ContestEntered():
            return "You entered a prize draw."
        case ActionRecorded(points=points):
            return f"Your action earned {_points(points)}." if points else "Your action counted."
        case PointsExpiring(points=points, days=days):
            return f"{_points(points).capitalize()} expire within {days} days: spend them soon."
        case BidPlaced(points=points):
            return f"You bid {_points(points)} in an auction: they are held until it ends."
        case Outbid(released=released):
            return f"You were outbid: your {_points(released)} are back."
        case AuctionWon(points=points):
            return f"You won an auction for {_points(points)}!"
    return event.type.replace("_", " ").capitalize() + "."
