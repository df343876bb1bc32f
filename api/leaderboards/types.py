"""GraphQL types of leaderboards, and the public view of a member others may see."""

from __future__ import annotations

import strawberry

from api.context import Info
from gamification import leaderboards

LeaderboardPeriod = strawberry.enum(leaderboards.Period, name="LeaderboardPeriod")


@strawberry.type(description="What other members may see of a member: a display name only.")
class PublicMember:
    member_id: strawberry.Private[int]
    # Set when the caller already batched the names (a leaderboard page), else loaded here.
    known_name: strawberry.Private[str | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.member_id))

    @strawberry.field
    async def display_name(self, info: Info) -> str:
        if self.known_name is not None:
            return self.known_name
        return await info.context.loaders.display_name.load(self.member_id) or ""


@strawberry.type
class LeaderboardEntry:
    rank: int
    score: int
    member: PublicMember


async def entries_of(info: Info, standings: list[leaderboards.Standing]) -> list[LeaderboardEntry]:
    """Entries with their display names fetched by one batched lookup (the dataloader)."""
    names = await info.context.loaders.display_name.load_many([s.member_id for s in standings])
    return [
        LeaderboardEntry(
            rank=s.rank,
            score=s.score,
            member=PublicMember(member_id=s.member_id, known_name=name or ""),
        )
        for s, name in zip(standings, names, strict=True)
    ]


@strawberry.type
class LeaderboardRank:
    rank: int
    score: int


@strawberry.type
class Leaderboard:
    board: str
    period: LeaderboardPeriod  # type: ignore[valid-type]
    entries: list[LeaderboardEntry]
    me: LeaderboardRank | None = strawberry.field(
        description="The calling member's rank and score; null if not on the board."
    )
    around: list[LeaderboardEntry] = strawberry.field(
        description="The members ranked just above and below the caller, the caller included."
    )
