"""GraphQL types of leaderboards, and the public view of a member others may see."""

from __future__ import annotations

import strawberry

from api.enums import graphql_enum
from gamification import leaderboards
from gamification.accounts import members
from gamification.leaderboards import public_names

LeaderboardPeriod = graphql_enum(
    leaderboards.Period,
    "LeaderboardPeriod",
    "Which window a board counts.",
    {
        "ALL_TIME": "Since the board began.",
        "MONTH": "The current calendar month (UTC).",
        "WEEK": "The current ISO week (Monday to Sunday, UTC).",
    },
)


@strawberry.type(description="What other members may see of a member: a display name only.")
class PublicMember:
    member_id: strawberry.Private[int]
    # Filled by the resolver that made the list, from one batched lookup (names_of): a plain
    # field, so a page of entries costs no query and no coroutine per entry.
    display_name: str = strawberry.field(description="The member's display name.")

    @strawberry.field(description="The member's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.member_id))


async def names_of(member_ids: list[int]) -> list[str]:
    """Display names in order, from one query: each list that shows members (a board page, my
    referrals) asks once for all of its names, so a dataloader would only add a future per name."""
    names = await members.display_names(member_ids)
    return [names.get(member_id, "") for member_id in member_ids]


@strawberry.type(description="A member's place on a board.")
class LeaderboardEntry:
    rank: int = strawberry.field(description="1 for the top; ties go to whoever got there first.")
    score: int = strawberry.field(
        description="The board's measure: points earned, qualified referrals or challenge "
        "progress.",
    )
    member: PublicMember = strawberry.field(description="Who (display name only).")


async def entries_of(standings: list[leaderboards.Standing]) -> list[LeaderboardEntry]:
    """Entries with their display names (remembered a while:
    gamification/leaderboards/public_names.py)."""
    names = await public_names.board_names([s.member_id for s in standings])
    return [
        LeaderboardEntry(
            rank=s.rank,
            score=s.score,
            member=PublicMember(member_id=s.member_id, display_name=name),
        )
        for s, name in zip(standings, names, strict=True)
    ]


@strawberry.type(description="The caller's place on a board.")
class LeaderboardRank:
    rank: int = strawberry.field(description="1 for the top.")
    score: int = strawberry.field(description="The caller's score.")


@strawberry.type(description="A leaderboard page: the top, and the caller's place.")
class Leaderboard:
    board: str = strawberry.field(description="The board's name, as asked.")
    period: LeaderboardPeriod = strawberry.field(description="The window counted.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    entries: list[LeaderboardEntry] = strawberry.field(
        description="The top `first` members, best first.",
    )
    me: LeaderboardRank | None = strawberry.field(
        description="The calling member's rank and score; null if not on the board."
    )
    around: list[LeaderboardEntry] = strawberry.field(
        description="The members ranked just above and below the caller, the caller included."
    )
