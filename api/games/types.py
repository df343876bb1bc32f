"""GraphQL types of instant-win games and contests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.accounts.types import Member
from api.context import Info
from api.errors import UserError
from api.ids import parse_id
from gamification.games import contests, instant_win
from gamification.games import models as games_models

PrizeKind = strawberry.enum(games_models.PrizeKind, name="PrizeKind")
GameMode = strawberry.enum(games_models.GameMode, name="GameMode")
ContestStatus = strawberry.enum(contests.ContestStatus, name="ContestStatus")


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type
class Prize:
    id: strawberry.ID
    name: str
    kind: PrizeKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points: int | None
    reward_id: strawberry.ID | None
    quantity: int

    @classmethod
    def from_model(cls, prize: games_models.GamePrize | games_models.ContestPrize) -> Prize:
        return cls(
            id=strawberry.ID(str(prize.id)),
            name=prize.name,
            kind=prize.kind,
            points=prize.points,
            reward_id=_id(prize.reward_id),
            quantity=prize.quantity,
        )


@strawberry.type
class InstantWinGame:
    model: strawberry.Private[games_models.InstantWinGame]
    prizes_left: int

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def mode(self) -> GameMode:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.mode

    @strawberry.field
    def win_probability(self) -> Decimal | None:
        if self.model.mode != games_models.GameMode.PROBABILITY:
            return None
        return Decimal(self.model.win_odds_ppm) / Decimal(1_000_000)

    @strawberry.field
    def play_cost(self) -> int:
        return self.model.play_cost

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field
    def max_plays_per_day(self) -> int | None:
        return self.model.max_plays_per_day

    @strawberry.field
    def max_plays_total(self) -> int | None:
        return self.model.max_plays_total

    @strawberry.field
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field
    def required_badge_id(self) -> strawberry.ID | None:
        return _id(self.model.required_badge_id)

    @strawberry.field
    def archived(self) -> bool:
        return self.model.archived

    @strawberry.field
    async def prizes(self) -> list[Prize]:
        return [Prize.from_model(p) for p in await instant_win.prizes_of(self.model.id)]

    @strawberry.field(description="Plays the calling member has left today; null: no limit.")
    async def my_plays_left_today(self, info: Info) -> int | None:
        caller = info.context.caller
        if caller.kind != "member":
            return None
        return await instant_win.plays_left_today(self.model, caller.member_id)

    @classmethod
    def from_model(cls, game: games_models.InstantWinGame, prizes_left: int) -> InstantWinGame:
        return cls(model=game, prizes_left=prizes_left)


@strawberry.type
class WonPrize:
    id: strawberry.ID
    name: str
    kind: PrizeKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points: int | None


@strawberry.type
class GamePlay:
    id: strawberry.ID
    game_id: strawberry.ID
    member_id: strawberry.ID
    won: bool
    played_at: datetime
    cost: int
    prize: WonPrize | None
    claim_code: str | None = strawberry.field(
        description="The code to collect a physical prize, or the redemption code of a reward."
    )

    @classmethod
    def from_model(
        cls, play: games_models.GamePlay, prize: games_models.GamePrize | None
    ) -> GamePlay:
        return cls(
            id=strawberry.ID(str(play.id)),
            game_id=strawberry.ID(str(play.game_id)),
            member_id=strawberry.ID(str(play.member_id)),
            won=play.won,
            played_at=play.played_at,
            cost=play.cost,
            prize=WonPrize(
                id=strawberry.ID(str(prize.id)),
                name=prize.name,
                kind=prize.kind,
                points=prize.points,
            )
            if prize
            else None,
            claim_code=play.claim_code,
        )


@strawberry.type
class WinningMoment:
    id: strawberry.ID
    at: datetime
    prize_name: str
    claimed: bool
    claimed_at: datetime | None
    play_id: strawberry.ID | None


@strawberry.type
class InstantWinMoments:
    claimed: int
    unclaimed: int
    moments: list[WinningMoment]


@strawberry.input
class PrizeInput:
    name: str
    kind: PrizeKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    quantity: int
    points: int | None = None
    reward_id: strawberry.ID | None = None


@strawberry.input
class CreateInstantWinGameInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    prizes: list[PrizeInput]
    play_cost: int = 0
    mode: GameMode = games_models.GameMode.MOMENTS  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    win_probability: Decimal | None = strawberry.field(
        default=None, description="PROBABILITY mode: the odds of a win per play (0 < p <= 1)."
    )
    max_plays_per_day: int | None = None
    max_plays_total: int | None = None
    min_tier_rank: int | None = None
    required_badge_id: strawberry.ID | None = None


@strawberry.input(description="Absent fields stay; an explicit null clears a limit.")
class UpdateInstantWinGameInput:
    game_id: strawberry.ID
    name: str | None = strawberry.UNSET
    max_plays_per_day: int | None = strawberry.UNSET
    max_plays_total: int | None = strawberry.UNSET
    min_tier_rank: int | None = strawberry.UNSET
    required_badge_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class ArchiveInstantWinGameInput:
    game_id: strawberry.ID


@strawberry.type
class InstantWinGamePayload:
    game: InstantWinGame | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PlayInstantWinInput:
    game_id: strawberry.ID
    idempotency_key: str


@strawberry.type
class PlayInstantWinPayload:
    play: GamePlay | None = None
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# --- contests ---


@strawberry.type
class ContestPrize(Prize):
    position: int


@strawberry.type
class ContestWinner:
    slot: int
    display_name: str
    member_id: strawberry.ID
    entry_id: strawberry.ID
    prize: ContestPrize


@strawberry.type
class ContestEntryRecord:
    id: strawberry.ID
    member_id: strawberry.ID
    entries: int


@strawberry.type
class ContestEntry:
    id: strawberry.ID
    contest_id: strawberry.ID
    entries: int
    created_at: datetime

    @classmethod
    def from_model(cls, entry: games_models.ContestEntry) -> ContestEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            contest_id=strawberry.ID(str(entry.contest_id)),
            entries=entry.entries,
            created_at=entry.created_at,
        )


def _contest_prize(prize: games_models.ContestPrize) -> ContestPrize:
    return ContestPrize(
        id=strawberry.ID(str(prize.id)),
        name=prize.name,
        kind=prize.kind,
        points=prize.points,
        reward_id=_id(prize.reward_id),
        quantity=prize.quantity,
        position=prize.position,
    )


@strawberry.type
class Contest:
    model: strawberry.Private[games_models.Contest]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def status(self) -> ContestStatus:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return contests.status_of(self.model)

    @strawberry.field
    def opens_at(self) -> datetime:
        return self.model.opens_at

    @strawberry.field
    def closes_at(self) -> datetime:
        return self.model.closes_at

    @strawberry.field
    def entry_cost(self) -> int:
        return self.model.entry_cost

    @strawberry.field
    def max_entries_per_member(self) -> int:
        return self.model.max_entries_per_member

    @strawberry.field
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field
    def required_badge_id(self) -> strawberry.ID | None:
        return _id(self.model.required_badge_id)

    @strawberry.field
    def allow_multiple_wins(self) -> bool:
        return self.model.allow_multiple_wins

    @strawberry.field
    def archived(self) -> bool:
        return self.model.archived

    @strawberry.field(description="SHA-256 of the secret seed, hex: published from creation.")
    def seed_commitment(self) -> str:
        return self.model.seed_commitment

    @strawberry.field(description="The seed, hex: revealed once the contest is drawn.")
    def seed(self) -> str | None:
        return self.model.seed if self.model.drawn_at is not None else None

    @strawberry.field(description="SHA-256 of the frozen entry list (see docs/games.md).")
    def entry_list_hash(self) -> str | None:
        return self.model.entry_list_hash

    @strawberry.field
    def entry_count(self) -> int | None:
        return self.model.entry_count

    @strawberry.field
    def total_weight(self) -> int | None:
        return self.model.total_weight

    @strawberry.field
    def drawn_at(self) -> datetime | None:
        return self.model.drawn_at

    @strawberry.field(description="The prizes in draw order.")
    async def prizes(self) -> list[ContestPrize]:
        return [_contest_prize(p) for p in await contests.prizes_of(self.model.id)]

    @strawberry.field
    async def my_entries(self, info: Info) -> int | None:
        caller = info.context.caller
        if caller.kind != "member":
            return None
        return await contests.entries_of(self.model.id, caller.member_id)

    @strawberry.field(description="The winners by slot, once drawn.")
    async def winners(self) -> list[ContestWinner] | None:
        if self.model.drawn_at is None:
            return None
        prizes = {p.id: _contest_prize(p) for p in await contests.prizes_of(self.model.id)}
        return [
            ContestWinner(
                slot=row.slot,
                display_name=name,
                member_id=strawberry.ID(str(row.member_id)),
                entry_id=strawberry.ID(str(row.entry_id)),
                prize=prizes[row.prize_id],
            )
            for row, name in await contests.published_winners(self.model.id)
        ]

    @strawberry.field(
        description=(
            "The frozen entry list the draw used, by entry id; published once drawn. Read in "
            "pages: up to `first` entries (at most 10,000) after the entry id `after`; a page "
            "shorter than `first` is the last."
        )
    )
    async def entry_list(
        self, after: strawberry.ID | None = None, first: int = contests.ENTRY_LIST_PAGE
    ) -> list[ContestEntryRecord] | None:
        if self.model.drawn_at is None:
            return None
        rows = await contests.entry_list_rows(
            self.model.id, after=None if after is None else parse_id(after, "after"), first=first
        )
        return [
            ContestEntryRecord(
                id=strawberry.ID(str(entry_id)),
                member_id=strawberry.ID(str(member_id)),
                entries=weight,
            )
            for entry_id, member_id, weight in rows
        ]

    @classmethod
    def from_model(cls, contest: games_models.Contest) -> Contest:
        return cls(model=contest)


@strawberry.input
class CreateContestInput:
    name: str
    opens_at: datetime
    closes_at: datetime
    prizes: list[PrizeInput]
    entry_cost: int = 0
    max_entries_per_member: int = 1
    min_tier_rank: int | None = None
    required_badge_id: strawberry.ID | None = None
    allow_multiple_wins: bool = False


@strawberry.input
class UpdateContestInput:
    contest_id: strawberry.ID
    name: str | None = None
    max_entries_per_member: int | None = None


@strawberry.input
class ContestIdInput:
    contest_id: strawberry.ID


@strawberry.type
class ContestPayload:
    contest: Contest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DrawContestPayload:
    contest: Contest | None = None
    enqueued: bool | None = strawberry.field(
        default=None, description="False when its draw job was already queued, running or done."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class EnterContestInput:
    contest_id: strawberry.ID
    idempotency_key: str
    entries: int = 1


@strawberry.type
class EnterContestPayload:
    entry: ContestEntry | None = None
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
