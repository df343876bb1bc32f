"""GraphQL types of instant-win games and contests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from api.accounts.types import Member
from api.audiences import Audience, AudienceChanges, AudienceInput
from api.context import Info
from api.enums import graphql_enum
from api.errors import UserError
from api.ids import parse_id
from api.languages import (
    TRANSLATIONS,
    TRANSLATIONS_READ,
    Translation,
    TranslationInput,
    text_of,
    translations_of_row,
)
from gamification.games import contests
from gamification.games import models as games_models

PrizeKind = graphql_enum(
    games_models.PrizeKind,
    "PrizeKind",
    "What a prize gives its winner.",
    {
        "POINTS": "Points (`points`), credited at once (ledger kind PRIZE).",
        "REWARD": "A catalog reward (`rewardId`), granted as a redemption with its code.",
        "PRIZE": "A physical prize: the winner gets a claim code the shop checks.",
    },
)
GameMode = graphql_enum(
    games_models.GameMode,
    "GameMode",
    "How an instant-win game decides who wins.",
    {
        "MOMENTS": "One winning moment per prize unit, drawn uniformly over the window at "
        "creation: the first play at or after an unclaimed moment wins it.",
        "PROBABILITY": "Each play wins with fixed odds (`winProbability`) while prizes are left.",
    },
)
ContestStatus = graphql_enum(
    contests.ContestStatus,
    "ContestStatus",
    "Where a contest is in its life.",
    {
        "SCHEDULED": "Before opensAt: no entries yet.",
        "OPEN": "Between opensAt and closesAt: members may enter.",
        "CLOSED": "Past closesAt (or frozen for the draw), not drawn yet.",
        "DRAWN": "Winners drawn: seed, entryList and winners are published.",
    },
)


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A prize line of a game or a contest: `quantity` units of one prize.")
class Prize:
    id: strawberry.ID = strawberry.field(description="The prize line's id.")
    name: str = strawberry.field(description="The prize's name, shown to members.")
    kind: PrizeKind = strawberry.field(description="What it gives: POINTS, REWARD or PRIZE.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points: int | None = strawberry.field(
        description="For POINTS: the points each unit gives; else null.",
    )
    reward_id: strawberry.ID | None = strawberry.field(
        description="For REWARD: the catalog reward each unit gives; else null.",
    )
    quantity: int = strawberry.field(description="Units of this prize (1 to 10,000).")

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


@strawberry.type(
    description="An instant-win game: members play (maybe paying points) and learn at once "
    "whether they won.",
)
class InstantWinGame:
    model: strawberry.Private[games_models.InstantWinGame]
    prizes_left: int = strawberry.field(
        description="Prize units not won yet (for MOMENTS, the unclaimed moments).",
    )

    @strawberry.field(description="The game's id (for playInstantWin).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="The game's name, in the caller's language.")
    async def name(self, info: Info) -> str:
        return await text_of(info, self.model, "name")

    @strawberry.field(description=TRANSLATIONS_READ)
    def translations(self) -> list[Translation]:
        return translations_of_row(self.model)

    @strawberry.field(description="How winners are decided: MOMENTS or PROBABILITY.")
    def mode(self) -> GameMode:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.mode

    @strawberry.field(
        description="For PROBABILITY: the odds of a win per play (0 < p <= 1); null for MOMENTS.",
    )
    def win_probability(self) -> Decimal | None:
        if self.model.mode != games_models.GameMode.PROBABILITY:
            return None
        return Decimal(self.model.win_odds_ppm) / Decimal(1_000_000)

    @strawberry.field(description="Points each play costs (0: free).")
    def play_cost(self) -> int:
        return self.model.play_cost

    @strawberry.field(description="When plays open (ISO-8601, UTC).")
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field(description="When plays close (excluded).")
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field(description="Plays per member per UTC day; null: no limit.")
    def max_plays_per_day(self) -> int | None:
        return self.model.max_plays_per_day

    @strawberry.field(description="Plays per member over the game; null: no limit.")
    def max_plays_total(self) -> int | None:
        return self.model.max_plays_total

    @strawberry.field(description="The lowest tier rank that may play; null: everyone.")
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field(description="A badge a member must hold to play; null: none.")
    def required_badge_id(self) -> strawberry.ID | None:
        return _id(self.model.required_badge_id)

    @strawberry.field(description="Who may play: RFM segments, ABC classes, tiers.")
    def audience(self) -> Audience:
        return Audience.of(self.model)

    @strawberry.field(description="Archived games take no plays and are not listed.")
    def archived(self) -> bool:
        return self.model.archived

    @strawberry.field(description="The game's prize lines.")
    async def prizes(self, info: Info) -> list[Prize]:
        return [
            Prize.from_model(p) for p in await info.context.loaders.game_prizes.load(self.model.id)
        ]

    @strawberry.field(description="Plays the calling member has left today; null: no limit.")
    async def my_plays_left_today(self, info: Info) -> int | None:
        caller = info.context.caller
        if caller.kind != "member":
            return None
        return await info.context.loaders.plays_left(caller.member_id).load(self.model)

    @classmethod
    def from_model(cls, game: games_models.InstantWinGame, prizes_left: int) -> InstantWinGame:
        return cls(model=game, prizes_left=prizes_left)


@strawberry.type(description="The prize a play won.")
class WonPrize:
    id: strawberry.ID = strawberry.field(description="The prize line's id.")
    name: str = strawberry.field(description="The prize's name.")
    kind: PrizeKind = strawberry.field(description="What it gives.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points: int | None = strawberry.field(description="For POINTS: the points credited; else null.")


@strawberry.type(description="One play of an instant-win game.")
class GamePlay:
    id: strawberry.ID = strawberry.field(description="The play's id.")
    game_id: strawberry.ID = strawberry.field(description="The game played.")
    member_id: strawberry.ID = strawberry.field(description="The member who played.")
    won: bool = strawberry.field(description="Whether this play won a prize.")
    played_at: datetime = strawberry.field(description="When it was played (ISO-8601, UTC).")
    cost: int = strawberry.field(description="Points it cost.")
    prize: WonPrize | None = strawberry.field(description="What it won; null when it lost.")
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


@strawberry.type(
    description="A MOMENTS game's winning moment (staff only: members never see them).",
)
class WinningMoment:
    id: strawberry.ID = strawberry.field(description="The moment's id.")
    at: datetime = strawberry.field(
        description="The moment (ISO-8601, UTC): the first play at or after it wins.",
    )
    prize_name: str = strawberry.field(description="The prize it gives.")
    claimed: bool = strawberry.field(description="Whether a play won it.")
    claimed_at: datetime | None = strawberry.field(
        description="When it was won; null while unclaimed.",
    )
    play_id: strawberry.ID | None = strawberry.field(description="The play that won it.")


@strawberry.type(description="Every winning moment of a game.")
class InstantWinMoments:
    claimed: int = strawberry.field(description="Moments already won.")
    unclaimed: int = strawberry.field(
        description="Moments not won (yet, or ever once the game is over).",
    )
    moments: list[WinningMoment] = strawberry.field(description="The moments, in time order.")


@strawberry.input(
    description="A prize line. POINTS needs `points`; REWARD needs `rewardId`; PRIZE needs "
    "neither (and the others must be left out).",
)
class PrizeInput:
    name: str = strawberry.field(description="1 to 120 characters.")
    kind: PrizeKind = strawberry.field(description="What it gives.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    quantity: int = strawberry.field(description="Units: 1 to 10,000.")
    points: int | None = strawberry.field(
        default=None,
        description="POINTS only (required): points per unit, above 0.",
    )
    reward_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="REWARD only (required): a reward of the program (REWARD_NOT_FOUND).",
    )


@strawberry.input(description="A new instant-win game.")
class CreateInstantWinGameInput(AudienceInput):
    name: str = strawberry.field(description="1 to 120 characters.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    starts_at: datetime = strawberry.field(
        description="When plays open (ISO-8601 with a zone; at most a year long).",
    )
    ends_at: datetime = strawberry.field(description="When plays close, after startsAt.")
    prizes: list[PrizeInput] = strawberry.field(
        description="1 to 50 prize lines; for MOMENTS at most 100,000 units in all.",
    )
    play_cost: int = strawberry.field(
        default=0,
        description="Points per play: 0 (default, free) or more.",
    )
    mode: GameMode = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=games_models.GameMode.MOMENTS,
        description="MOMENTS (default) or PROBABILITY.",
    )
    win_probability: Decimal | None = strawberry.field(
        default=None, description="PROBABILITY mode: the odds of a win per play (0 < p <= 1)."
    )
    max_plays_per_day: int | None = strawberry.field(
        default=None,
        description="Optional: plays per member per UTC day, 1 to 1,000,000.",
    )
    max_plays_total: int | None = strawberry.field(
        default=None,
        description="Optional: plays per member over the game, 1 to 1,000,000.",
    )
    min_tier_rank: int | None = strawberry.field(
        default=None,
        description="Optional: the lowest tier rank that may play.",
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: a badge of the program a member must hold (NOT_FOUND).",
    )


@strawberry.input(description="Absent fields stay; an explicit null clears a limit.")
class UpdateInstantWinGameInput(AudienceChanges):
    game_id: strawberry.ID = strawberry.field(description="The game to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 120 characters.",
    )
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    max_plays_per_day: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Plays per member per UTC day (null: no limit).",
    )
    max_plays_total: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Plays per member over the game (null: no limit).",
    )
    min_tier_rank: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The lowest tier rank that may play (null: everyone).",
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A badge a member must hold (null: none).",
    )


@strawberry.input(description="The game to archive.")
class ArchiveInstantWinGameInput:
    game_id: strawberry.ID = strawberry.field(description="The game's id.")


@strawberry.type(description="The game a mutation made or changed, or why not.")
class InstantWinGamePayload:
    game: InstantWinGame | None = strawberry.field(
        default=None,
        description="The game; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(description="One play.")
class PlayInstantWinInput:
    game_id: strawberry.ID = strawberry.field(description="The game to play.")
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable characters, new for each play: a retry with the same "
        "key answers the first play's outcome and plays nothing more.",
    )


@strawberry.type(description="The play's outcome and the balance after it.")
class PlayInstantWinPayload:
    play: GamePlay | None = strawberry.field(
        default=None,
        description="The play: whether it won, and what; null when refused.",
    )
    member: Member | None = strawberry.field(
        default=None,
        description="The member, with the balance after the cost and any points won.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the play was refused (nothing was spent or counted).",
    )


# --- contests ---


@strawberry.type(description="A prize line of a contest, in draw order.")
class ContestPrize(Prize):
    position: int = strawberry.field(
        description="Its place in the draw order (lower is drawn first).",
    )


@strawberry.type(description="A winning entry of a drawn contest.")
class ContestWinner:
    slot: int = strawberry.field(description="The prize unit's number in draw order, from 0.")
    display_name: str = strawberry.field(description="The winner's display name.")
    member_id: strawberry.ID = strawberry.field(description="The winning member.")
    entry_id: strawberry.ID = strawberry.field(description="The winning entry (in `entryList`).")
    prize: ContestPrize = strawberry.field(description="The prize won.")


@strawberry.type(description="A line of a drawn contest's frozen entry list.")
class ContestEntryRecord:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    member_id: strawberry.ID = strawberry.field(description="The member who entered.")
    entries: int = strawberry.field(
        description="The entry's weight: how many entries the member bought.",
    )


@strawberry.type(
    description="The calling member's entry in a contest (all their entries together).",
)
class ContestEntry:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    contest_id: strawberry.ID = strawberry.field(description="The contest entered.")
    entries: int = strawberry.field(
        description="How many entries the member holds in this contest in all.",
    )
    created_at: datetime = strawberry.field(
        description="When the member first entered (ISO-8601, UTC).",
    )

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


@strawberry.type(
    description="A prize draw: members enter during the window; winners are drawn after it, "
    "verifiably (docs/games.md).",
)
class Contest:
    model: strawberry.Private[games_models.Contest]

    @strawberry.field(description="The contest's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="The contest's name, in the caller's language.")
    async def name(self, info: Info) -> str:
        return await text_of(info, self.model, "name")

    @strawberry.field(description=TRANSLATIONS_READ)
    def translations(self) -> list[Translation]:
        return translations_of_row(self.model)

    @strawberry.field(description="SCHEDULED, OPEN, CLOSED or DRAWN.")
    def status(self) -> ContestStatus:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return contests.status_of(self.model)

    @strawberry.field(description="When entries open (ISO-8601, UTC).")
    def opens_at(self) -> datetime:
        return self.model.opens_at

    @strawberry.field(description="When entries close (excluded).")
    def closes_at(self) -> datetime:
        return self.model.closes_at

    @strawberry.field(description="Points per entry (0: free).")
    def entry_cost(self) -> int:
        return self.model.entry_cost

    @strawberry.field(description="The most entries one member may hold.")
    def max_entries_per_member(self) -> int:
        return self.model.max_entries_per_member

    @strawberry.field(description="The lowest tier rank that may enter; null: everyone.")
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field(description="A badge a member must hold to enter; null: none.")
    def required_badge_id(self) -> strawberry.ID | None:
        return _id(self.model.required_badge_id)

    @strawberry.field(description="Who may enter: RFM segments, ABC classes, tiers.")
    def audience(self) -> Audience:
        return Audience.of(self.model)

    @strawberry.field(description="Whether one member may win several prizes.")
    def allow_multiple_wins(self) -> bool:
        return self.model.allow_multiple_wins

    @strawberry.field(
        description="Archived contests are not listed and take no entries (they are still drawn).",
    )
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

    @strawberry.field(description="Entries in the frozen list; null until the draw freezes it.")
    def entry_count(self) -> int | None:
        return self.model.entry_count

    @strawberry.field(description="The sum of the entries' weights; null until frozen.")
    def total_weight(self) -> int | None:
        return self.model.total_weight

    @strawberry.field(description="When the winners were drawn; null before.")
    def drawn_at(self) -> datetime | None:
        return self.model.drawn_at

    @strawberry.field(description="The prizes in draw order.")
    async def prizes(self, info: Info) -> list[ContestPrize]:
        return [
            _contest_prize(p) for p in await info.context.loaders.contest_prizes.load(self.model.id)
        ]

    @strawberry.field(description="Entries the calling member holds (null for other callers).")
    async def my_entries(self, info: Info) -> int | None:
        caller = info.context.caller
        if caller.kind != "member":
            return None
        return await info.context.loaders.contest_entries(caller.member_id).load(self.model.id)

    @strawberry.field(description="The winners by slot, once drawn.")
    async def winners(self, info: Info) -> list[ContestWinner] | None:
        if self.model.drawn_at is None:
            return None
        loaders = info.context.loaders
        prizes = {p.id: _contest_prize(p) for p in await loaders.contest_prizes.load(self.model.id)}
        return [
            ContestWinner(
                slot=row.slot,
                display_name=name,
                member_id=strawberry.ID(str(row.member_id)),
                entry_id=strawberry.ID(str(row.entry_id)),
                prize=prizes[row.prize_id],
            )
            for row, name in await loaders.contest_winners.load(self.model.id)
        ]

    @strawberry.field(
        description=(
            "The frozen entry list the draw used, by entry id; published once drawn. Read in "
            "pages: up to `first` entries (at most 10,000) after the entry id `after`; a page "
            "shorter than `first` is the last."
        )
    )
    async def entry_list(
        self,
        after: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Continue after this entry id (null: from the first)."),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="How many entries: at most 10,000.")
        ] = contests.ENTRY_LIST_PAGE,
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


@strawberry.input(description="A new contest.")
class CreateContestInput(AudienceInput):
    name: str = strawberry.field(description="1 to 120 characters.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    opens_at: datetime = strawberry.field(
        description="When entries open (ISO-8601 with a zone; at most a year long).",
    )
    closes_at: datetime = strawberry.field(description="When entries close, after opensAt.")
    prizes: list[PrizeInput] = strawberry.field(
        description="1 to 50 prize lines, drawn in this order.",
    )
    entry_cost: int = strawberry.field(
        default=0,
        description="Points per entry: 0 (default) or more.",
    )
    max_entries_per_member: int = strawberry.field(
        default=1,
        description="The most entries per member: 1 (default) or more.",
    )
    min_tier_rank: int | None = strawberry.field(
        default=None,
        description="Optional: the lowest tier rank that may enter.",
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: a badge of the program a member must hold (NOT_FOUND).",
    )
    allow_multiple_wins: bool = strawberry.field(
        default=False,
        description="Whether one member may win several prizes (default false).",
    )


@strawberry.input(description="Changes to a contest; left out or null stays.")
class UpdateContestInput(AudienceChanges):
    contest_id: strawberry.ID = strawberry.field(description="The contest to change.")
    name: str | None = strawberry.field(default=None, description="1 to 120 characters.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    max_entries_per_member: int | None = strawberry.field(
        default=None,
        description="A higher cap (it can only be raised: INVALID_INPUT).",
    )


@strawberry.input(description="Which contest.")
class ContestIdInput:
    contest_id: strawberry.ID = strawberry.field(description="The contest's id.")


@strawberry.type(description="The contest a mutation made or changed, or why not.")
class ContestPayload:
    contest: Contest | None = strawberry.field(
        default=None,
        description="The contest; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.type(description="Whether the contest's draw was enqueued.")
class DrawContestPayload:
    contest: Contest | None = strawberry.field(
        default=None,
        description="The contest (its draw runs in a worker: read it again for winners).",
    )
    enqueued: bool | None = strawberry.field(
        default=None, description="False when its draw job was already queued, running or done."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(description="Entries to buy in a contest.")
class EnterContestInput:
    contest_id: strawberry.ID = strawberry.field(description="The contest to enter.")
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable characters, new for each purchase of entries: a retry "
        "with the same key answers the first result; another contest or number with it is "
        "IDEMPOTENCY_KEY_REUSED.",
    )
    entries: int = strawberry.field(
        default=1,
        description="How many entries to add: 1 (default) or more, within the member's cap.",
    )


@strawberry.type(description="The member's entry after this purchase, and their balance.")
class EnterContestPayload:
    entry: ContestEntry | None = strawberry.field(
        default=None,
        description="The member's entry, with their total entries; null when refused.",
    )
    member: Member | None = strawberry.field(
        default=None,
        description="The member, with the balance after the cost.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (nothing was spent).",
    )
