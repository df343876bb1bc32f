"""Mutations of instant-win games and contests: members play and enter, staff configure."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeVar

import strawberry

from api.accounts.types import Member
from api.audiences import audience_values
from api.context import Info
from api.errors import returns_user_errors
from api.games.types import (
    ArchiveInstantWinGameInput,
    Contest,
    ContestEntry,
    ContestIdInput,
    ContestPayload,
    CreateContestInput,
    CreateInstantWinGameInput,
    DrawContestPayload,
    EnterContestInput,
    EnterContestPayload,
    GamePlay,
    InstantWinGame,
    InstantWinGamePayload,
    PlayInstantWinInput,
    PlayInstantWinPayload,
    PrizeInput,
    UpdateContestInput,
    UpdateInstantWinGameInput,
)
from api.ids import parse_id
from api.permissions import member_only, staff_only
from api.rate_limits import member_spends
from core.errors import ErrorCode, NotFound, ValidationFailed
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member as MemberModel
from gamification.accounts.models import StaffRole
from gamification.games import contests, instant_win, prizes
from gamification.games.models import GameMode
from workers.contests import enqueue_draw

T = TypeVar("T")


def _prizes(inputs: list[PrizeInput]) -> list[prizes.PrizeInput]:
    return [
        prizes.PrizeInput(
            name=p.name,
            kind=p.kind,
            quantity=p.quantity,
            points=p.points,
            reward_id=parse_id(p.reward_id, f"prizes.{i}.rewardId") if p.reward_id else None,
        )
        for i, p in enumerate(inputs)
    ]


def _odds_ppm(probability: Decimal | None) -> int:
    if probability is None:
        return 0
    try:
        ppm = probability * 1_000_000
        if ppm != ppm.to_integral_value() or not 0 < ppm <= 1_000_000:
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT,
            "Odds are above 0 and at most 1, to the millionth.",
            "winProbability",
        ) from None
    return int(ppm)


def _optional_id(raw: strawberry.ID | None, field: str) -> int | None:
    return parse_id(raw, field) if raw is not None else None


async def _caller_member(info: Info) -> MemberModel:
    member = await info.context.loaders.member.load(info.context.caller.member_id)
    if member is None:
        raise NotFound(AccountErrorCode.MEMBER_NOT_FOUND, "This account no longer exists.")
    return member


async def _game_node(game_id: int, program_id: int) -> InstantWinGame:
    game = await instant_win.game_in_program(program_id, game_id)
    return InstantWinGame.from_model(game, (await instant_win.prizes_left([game]))[game.id])


@strawberry.type
class GameMutations:
    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Play an instant-win game: pays its cost, then wins a prize or not, at "
        "once. Member only. Codes: INVALID_INPUT (idempotencyKey), NOT_FOUND, GAME_CLOSED, "
        "NOT_ELIGIBLE, PLAY_LIMIT_REACHED, INSUFFICIENT_POINTS, MEMBER_BLOCKED, "
        "IDEMPOTENCY_KEY_REUSED (the key was used on another game).",
    )
    @returns_user_errors(PlayInstantWinPayload)
    async def play_instant_win(
        self,
        info: Info,
        input: Annotated[
            PlayInstantWinInput,
            strawberry.argument(description="The game and the play's idempotency key."),
        ],
    ) -> PlayInstantWinPayload:
        member = await _caller_member(info)
        result = await instant_win.play(
            member, parse_id(input.game_id, "gameId"), input.idempotency_key
        )
        return PlayInstantWinPayload(
            play=GamePlay.from_model(result.play, result.prize),
            # A new play's spend and prize left the balance on `member`; a replay reads it.
            member=Member.from_model(
                member if not result.replayed else await MemberModel.get(id=member.id)
            ),
        )

    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Buy entries in an OPEN contest, paying entries x entryCost points. Member "
        "only. Codes: INVALID_INPUT (entries, idempotencyKey), NOT_FOUND, CONTEST_CLOSED, "
        "NOT_ELIGIBLE, ENTRY_LIMIT_REACHED, INSUFFICIENT_POINTS, MEMBER_BLOCKED, "
        "IDEMPOTENCY_KEY_REUSED.",
    )
    @returns_user_errors(EnterContestPayload)
    async def enter_contest(
        self,
        info: Info,
        input: Annotated[
            EnterContestInput,
            strawberry.argument(
                description="The contest, how many entries and the idempotency key."
            ),
        ],
    ) -> EnterContestPayload:
        member = await _caller_member(info)
        result = await contests.enter(
            member, parse_id(input.contest_id, "contestId"), input.entries, input.idempotency_key
        )
        return EnterContestPayload(
            entry=ContestEntry.from_model(result.entry),
            member=Member.from_model(await MemberModel.get(id=member.id)),
        )

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Create an instant-win game (MOMENTS are drawn now). Staff, MANAGER role "
        "or higher. Codes: INVALID_INPUT (name, window, cost, limits, odds, prize lines), "
        "NOT_FOUND (requiredBadgeId), REWARD_NOT_FOUND (a prize's rewardId).",
    )
    @returns_user_errors(InstantWinGamePayload)
    async def create_instant_win_game(
        self,
        info: Info,
        input: Annotated[
            CreateInstantWinGameInput, strawberry.argument(description="The game's definition.")
        ],
    ) -> InstantWinGamePayload:
        game = await instant_win.create_game(
            info.context.actor,
            info.context.program_id,
            name=input.name,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            prizes_in=_prizes(input.prizes),
            play_cost=input.play_cost,
            mode=GameMode(input.mode),
            win_odds_ppm=_odds_ppm(input.win_probability),
            max_plays_per_day=input.max_plays_per_day,
            max_plays_total=input.max_plays_total,
            min_tier_rank=input.min_tier_rank,
            required_badge_id=_optional_id(input.required_badge_id, "requiredBadgeId"),
            translations=input.translations or (),
            **audience_values(input),
        )
        return InstantWinGamePayload(game=await _game_node(game.id, game.program_id))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change a game's name, limits or eligibility (the window, cost and prizes "
        "are fixed). Staff, MANAGER role or higher. Codes: NOT_FOUND, INVALID_INPUT.",
    )
    @returns_user_errors(InstantWinGamePayload)
    async def update_instant_win_game(
        self,
        info: Info,
        input: Annotated[
            UpdateInstantWinGameInput, strawberry.argument(description="The game and what changes.")
        ],
    ) -> InstantWinGamePayload:
        clear = frozenset(
            field
            for field, value in (
                ("max_plays_per_day", input.max_plays_per_day),
                ("max_plays_total", input.max_plays_total),
                ("min_tier_rank", input.min_tier_rank),
                ("required_badge_id", input.required_badge_id),
            )
            if value is None
        )

        def given(value: T) -> T | None:
            return None if value is strawberry.UNSET else value

        badge = given(input.required_badge_id)
        game = await instant_win.update_game(
            info.context.actor,
            info.context.program_id,
            parse_id(input.game_id, "gameId"),
            name=given(input.name),
            max_plays_per_day=given(input.max_plays_per_day),
            max_plays_total=given(input.max_plays_total),
            min_tier_rank=given(input.min_tier_rank),
            required_badge_id=_optional_id(badge, "requiredBadgeId"),
            translations=input.translations,
            clear=clear,
            **audience_values(input),
        )
        return InstantWinGamePayload(game=await _game_node(game.id, game.program_id))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Stop a game: no more plays, no longer listed. Staff, MANAGER role or "
        "higher. Codes: NOT_FOUND.",
    )
    @returns_user_errors(InstantWinGamePayload)
    async def archive_instant_win_game(
        self,
        info: Info,
        input: Annotated[
            ArchiveInstantWinGameInput, strawberry.argument(description="Which game.")
        ],
    ) -> InstantWinGamePayload:
        game = await instant_win.archive_game(
            info.context.actor, info.context.program_id, parse_id(input.game_id, "gameId")
        )
        return InstantWinGamePayload(game=await _game_node(game.id, game.program_id))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Create a contest; its seed commitment is published now. Staff, MANAGER "
        "role or higher. Codes: INVALID_INPUT (name, window, cost, cap, prize lines), "
        "NOT_FOUND (requiredBadgeId), REWARD_NOT_FOUND (a prize's rewardId).",
    )
    @returns_user_errors(ContestPayload)
    async def create_contest(
        self,
        info: Info,
        input: Annotated[
            CreateContestInput, strawberry.argument(description="The contest's definition.")
        ],
    ) -> ContestPayload:
        contest = await contests.create_contest(
            info.context.actor,
            info.context.program_id,
            name=input.name,
            opens_at=input.opens_at,
            closes_at=input.closes_at,
            prizes_in=_prizes(input.prizes),
            entry_cost=input.entry_cost,
            max_entries_per_member=input.max_entries_per_member,
            min_tier_rank=input.min_tier_rank,
            required_badge_id=_optional_id(input.required_badge_id, "requiredBadgeId"),
            allow_multiple_wins=input.allow_multiple_wins,
            translations=input.translations or (),
            **audience_values(input),
        )
        return ContestPayload(contest=Contest.from_model(contest))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Rename a contest or raise its entry cap. Staff, MANAGER role or higher. "
        "Codes: NOT_FOUND, INVALID_INPUT.",
    )
    @returns_user_errors(ContestPayload)
    async def update_contest(
        self,
        info: Info,
        input: Annotated[
            UpdateContestInput, strawberry.argument(description="The contest and what changes.")
        ],
    ) -> ContestPayload:
        contest = await contests.update_contest(
            info.context.actor,
            info.context.program_id,
            parse_id(input.contest_id, "contestId"),
            name=input.name,
            max_entries_per_member=input.max_entries_per_member,
            translations=input.translations,
            **audience_values(input),
        )
        return ContestPayload(contest=Contest.from_model(contest))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Hide a contest and stop its entries; it is still drawn (entries were paid "
        "for). Staff, MANAGER role or higher. Codes: NOT_FOUND.",
    )
    @returns_user_errors(ContestPayload)
    async def archive_contest(
        self,
        info: Info,
        input: Annotated[ContestIdInput, strawberry.argument(description="Which contest.")],
    ) -> ContestPayload:
        contest = await contests.archive_contest(
            info.context.actor, info.context.program_id, parse_id(input.contest_id, "contestId")
        )
        return ContestPayload(contest=Contest.from_model(contest))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Enqueue the contest's draw now rather than at the next scan (same job "
        "id, same winners). Staff, MANAGER role or higher. Codes: NOT_FOUND, CONTEST_NOT_CLOSED.",
    )
    @returns_user_errors(DrawContestPayload)
    async def draw_contest(
        self,
        info: Info,
        input: Annotated[ContestIdInput, strawberry.argument(description="Which contest.")],
    ) -> DrawContestPayload:
        contest = await contests.contest_in_program(
            info.context.program_id, parse_id(input.contest_id, "contestId")
        )
        await contests.request_draw(info.context.actor, contest)
        enqueued = await enqueue_draw(info.context.request.app.state.arq, contest.id)
        return DrawContestPayload(contest=Contest.from_model(contest), enqueued=enqueued)
