"""The member's activity feed."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.enums import graphql_enum
from gamification.events import EventType as DomainEventType
from gamification.events.models import Event
from gamification.reporting import activity

EventType = graphql_enum(
    DomainEventType,
    "EventType",
    "What happened: the type of a domain event, as activity items, badges that count events "
    "and webhook subscriptions name it.",
    {
        "MEMBER_SIGNED_UP": "A member created their account.",
        "MEMBER_BLOCKED": "Staff blocked a member: their sessions end and they cannot earn.",
        "MEMBER_UNBLOCKED": "Staff lifted a member's block.",
        "MEMBER_ANONYMISED": "A member's personal data was erased (by staff or by the member).",
        "PURCHASE_RECORDED": "An integration recorded a purchase for the member.",
        "ACTION_RECORDED": "An action beyond purchases counted (a review, a check-in...).",
        "PURCHASE_REFUNDED": "A purchase was refunded, in whole or in part.",
        "POINTS_EARNED": "Points were credited (a purchase, a bonus, a referral, a prize...).",
        "POINTS_SPENT": "Points were debited to pay for a reward, a game play or a contest entry.",
        "POINTS_EXPIRED": "Unspent points reached their expiry date and were removed.",
        "POINTS_EXPIRING": "A reminder: unspent points of one lot expire in the days the "
        "program's expiryReminderDays name (once per lot and threshold).",
        "POINTS_ADJUSTED": "Staff added or removed points by hand (adjustPoints); a POINTS_EARNED "
        "or POINTS_SPENT comes with it.",
        "POINTS_REVERSED": "Points earned on a purchase were taken back by its refund.",
        "TIER_CHANGED": "The member moved to another tier (up at once, down at a review).",
        "MEMBERSHIP_ACTIVATED": "A paid VIP membership started, granting its tier.",
        "MEMBERSHIP_ENDED": "A paid VIP membership reached its end.",
        "REWARD_REDEEMED": "The member redeemed a reward and got a redemption code.",
        "REDEMPTION_USED": "A shop marked a redemption code as used.",
        "REDEMPTION_CANCELLED": "A redemption was cancelled and its points given back.",
        "REDEMPTION_EXPIRED": "A redemption code passed its validity without being used.",
        "BADGE_AWARDED": "The member earned a badge level.",
        "CHALLENGE_JOINED": "The member joined a challenge.",
        "CHALLENGE_PROGRESSED": "The member's progress on an individual challenge grew "
        "(`progress` of `target`, in the metric's unit); one per challenge and commit.",
        "CHALLENGE_COMPLETED": "The member completed a challenge (reached its target).",
        "REFERRAL_QUALIFIED": "A referred friend made a first qualifying purchase.",
        "REFERRAL_CAPPED": "A referral would have qualified, but the referrer had reached the "
        "monthly cap: no points.",
        "REFERRAL_REVERSED": "A qualified referral was undone: its purchase was refunded below "
        "the minimum.",
        "GAME_PLAYED": "The member played an instant-win game.",
        "PRIZE_WON": "The member won a prize (an instant-win game or a contest draw).",
        "CONTEST_ENTERED": "The member entered a contest (prize draw).",
        "BID_PLACED": "The member bid on an auction: the bid's points are held.",
        "OUTBID": "A higher bid pushed the member's bid out: its held points are back.",
        "AUCTION_WON": "The member won an auction: the bid's points were spent, the prize granted.",
        "AUCTION_SETTLED": "An auction ended and was settled (a program-wide event).",
    },
)


@strawberry.type(description="One event of the member's own activity feed.")
class ActivityItem:
    id: strawberry.ID = strawberry.field(description="The event's id.")
    type: EventType = strawberry.field(description="What happened.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    text: str = strawberry.field(description="A sentence to show the member.")
    occurred_at: datetime = strawberry.field(
        description="When it happened (ISO-8601, UTC); for a purchase, the time the till reported.",
    )
    data: JSON = strawberry.field(
        description="The event's details as JSON: the keys of its type's payload (the same "
        "body webhooks receive as `data`; docs/engagement.md).",
    )

    @classmethod
    def from_model(cls, event: Event) -> ActivityItem:
        return cls(
            id=strawberry.ID(str(event.id)),
            type=event.type,
            text=activity.describe(event),
            occurred_at=event.occurred_at,
            data=event.data,
        )
