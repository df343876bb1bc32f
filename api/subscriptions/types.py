"""GraphQL types of live updates (the member's own activity items are api.activity's)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from api.activity.types import EventType
from api.games.types import Contest
from api.leaderboards.types import LeaderboardEntry, LeaderboardPeriod, LeaderboardRank


@strawberry.type(description="The member's balance, sent when subscribing and after each change.")
class BalanceChange:
    points_balance: int = strawberry.field(description="The member's points balance now.")
    event_id: strawberry.ID | None = strawberry.field(
        description="The last event that moved it (null in the first message, the balance when "
        "subscribing): compare with the activity list's ids.",
    )


@strawberry.type(
    description="The member's place on a board, sent when subscribing and when it changes (at "
    "most about once a second, however often the board moves)."
)
class LeaderboardChange:
    board: str = strawberry.field(description="The board's name, as asked.")
    period: LeaderboardPeriod = strawberry.field(description="The window counted.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    me: LeaderboardRank | None = strawberry.field(
        description="The member's rank and score; null while they are not on the board.",
    )
    around: list[LeaderboardEntry] = strawberry.field(
        description="The members ranked just above and below the member (`around` each side), "
        "the member included, best first.",
    )
    event_id: strawberry.ID | None = strawberry.field(
        description="The last event of the program before this reading (null in the first "
        "message).",
    )


@strawberry.type(
    description="A collective challenge's community total, sent when subscribing and when it "
    "changes (at most about once a second)."
)
class ChallengeProgressChange:
    challenge_id: strawberry.ID = strawberry.field(description="The challenge.")
    community_progress: Decimal = strawberry.field(
        description="The community's total so far, in the challenge's metric.",
    )
    target: Decimal = strawberry.field(description="The total the community aims for.")
    participants: int = strawberry.field(description="How many members take part.")
    reached_at: datetime | None = strawberry.field(
        description="When the community reached the target (null until then).",
    )
    event_id: strawberry.ID | None = strawberry.field(
        description="The last event counted before this reading (null in the first message).",
    )


@strawberry.type(description="A contest's draw, once done: its winners and revealed seed.")
class ContestDrawn:
    contest: Contest = strawberry.field(
        description="The contest, DRAWN: `winners`, `seed` and `entryList` are published.",
    )


@strawberry.type(description="One event of the program, for the console's live feed.")
class ProgramActivityItem:
    id: strawberry.ID = strawberry.field(description="The event's id.")
    type: EventType = strawberry.field(description="What happened.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    occurred_at: datetime = strawberry.field(description="When it happened (ISO-8601, UTC).")
    member_id: strawberry.ID | None = strawberry.field(
        description="The member concerned (null for an event of no member).",
    )
    data: JSON = strawberry.field(
        description="The event's details: the keys of its type's payload, as webhooks get them.",
    )
