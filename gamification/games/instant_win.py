"""Instant-win games: creating them (with their winning moments), playing, and reading them.

A play, in one `events.atomic()`:
1. the game is read (a per-process copy at most 2 seconds old);
2. the play row is inserted before any check: `(member, idempotency_key)` is unique, so a retry
   of the same key (concurrent or later) fails here and answers the first play's outcome;
3. the window and eligibility are checked; the member's day and total counters are raised by
   one upsert each, conditional on `plays < limit`;
4. the cost is spent through the ledger (kind GAME_PLAY);
5. MOMENTS mode: the earliest unclaimed moment at or before now is claimed by
   `UPDATE ... SET play_id = :play WHERE id = :moment AND play_id IS NULL`; a lost race looks for
   the next one. PROBABILITY mode: a CSPRNG draw against the odds, then a conditional stock
   decrement (`remaining > 0`);
6. a won prize is granted at once (`prizes.grant_prize`), and GAME_PLAYED / PRIZE_WON emitted.
A refusal at any step rolls the whole play back: nothing is spent, nothing counted.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.bulk import insert_row
from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.statements import Statement
from core.unique_names import unique_name
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events import caches
from gamification.events.payloads import GamePlayed, PrizeWon
from gamification.games import prizes
from gamification.games.error_codes import GameErrorCode
from gamification.games.models import (
    GameMode,
    GamePlay,
    GamePlayCounter,
    GamePrize,
    InstantWinGame,
    WinningMoment,
)
from gamification.points import audiences, ledger
from gamification.points.audiences import Audience
from gamification.points.models import LedgerKind
from gamification.programs import languages
from gamification.rewards.eligibility import (
    check_eligibility,
    check_gate_input,
    check_required_badge,
)

TOTAL = "total"  # the `day` of a member's all-time counter
MAX_MOMENTS = 100_000


@dataclass(frozen=True)
class PlayResult:
    play: GamePlay
    prize: GamePrize | None
    replayed: bool


def _check_optional_positive(value: int | None, field: str) -> None:
    if value is not None and not 1 <= value <= 1_000_000:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A limit is between 1 and 1000000.", field)


def draw_moments(starts_at: datetime, ends_at: datetime, count: int) -> list[datetime]:
    """`count` moments uniform over [starts_at, ends_at), to the microsecond, from a CSPRNG."""
    span = (ends_at - starts_at) // timedelta(microseconds=1)
    return sorted(starts_at + timedelta(microseconds=secrets.randbelow(span)) for _ in range(count))


async def create_game(
    actor: Actor,
    program_id: int,
    *,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    prizes_in: list[prizes.PrizeInput],
    play_cost: int = 0,
    mode: GameMode = GameMode.MOMENTS,
    win_odds_ppm: int = 0,
    max_plays_per_day: int | None = None,
    max_plays_total: int | None = None,
    min_tier_rank: int | None = None,
    required_badge_id: int | None = None,
    translations: Iterable[Any] = (),
    target_segments: list[str] | None = None,
    target_classes: list[str] | None = None,
    target_tier_ids: list[int] | None = None,
) -> InstantWinGame:
    name = prizes.check_name(name)
    translated = languages.clean_translations(translations)
    starts_at, ends_at = prizes.check_window(starts_at, ends_at, "startsAt", "endsAt")
    prizes.check_cost(play_cost, "playCost")
    _check_optional_positive(max_plays_per_day, "maxPlaysPerDay")
    _check_optional_positive(max_plays_total, "maxPlaysTotal")
    check_gate_input(min_tier_rank, required_badge_id)
    await check_required_badge(program_id, required_badge_id)
    audience = await audiences.input_columns(
        program_id, target_segments, target_classes, target_tier_ids
    )
    if mode == GameMode.PROBABILITY and not 0 < win_odds_ppm <= 1_000_000:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Odds are above 0 and at most 1.", "winProbability"
        )
    names = await prizes.check_prizes(program_id, prizes_in, "game")
    if mode == GameMode.MOMENTS and sum(p.quantity for p in prizes_in) > MAX_MOMENTS:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"At most {MAX_MOMENTS} prize units.", "prizes"
        )
    async with events.atomic(), unique_name(InstantWinGame, program_id, name, what="game"):
        game = await InstantWinGame.create(
            program_id=program_id,
            name=name,
            mode=mode,
            win_odds_ppm=win_odds_ppm if mode == GameMode.PROBABILITY else 0,
            play_cost=play_cost,
            starts_at=starts_at,
            ends_at=ends_at,
            max_plays_per_day=max_plays_per_day,
            max_plays_total=max_plays_total,
            min_tier_rank=min_tier_rank,
            required_badge_id=required_badge_id,
            translations=translated,
            **audience,
            created_at=clock.now(),
        )
        for prize_in, prize_name in zip(prizes_in, names, strict=True):
            prize = await GamePrize.create(
                game_id=game.id,
                name=prize_name,
                kind=prize_in.kind,
                points=prize_in.points,
                reward_id=prize_in.reward_id,
                quantity=prize_in.quantity,
                remaining=prize_in.quantity,
            )
            if mode == GameMode.MOMENTS:
                await WinningMoment.bulk_create(
                    [
                        WinningMoment(game_id=game.id, prize_id=prize.id, at=at)
                        for at in draw_moments(starts_at, ends_at, prize_in.quantity)
                    ],
                    batch_size=1000,
                )
        await trail.record(
            actor,
            AuditAction.INSTANT_WIN_GAME_CREATED,
            program_id=program_id,
            target_id=game.id,
            after={**trail.snapshot(game), "prizes": prizes.described(prizes_in, names)},
        )
    return game


# The statements of every play, as fixed text (core/statements.py).
_GAME = Statement(
    InstantWinGame, 'SELECT * FROM "instant_win_game" WHERE "id" = $1 AND "program_id" = $2'
)
_PLAY_BY_KEY = Statement(
    GamePlay, 'SELECT * FROM "game_play" WHERE "member_id" = $1 AND "idempotency_key" = $2'
)
# PostgreSQL: pass over moments that concurrent plays are claiming right now, instead of queueing
# behind their locks (if such a play rolls back, its moment is free again for the next play).
# The conditional UPDATE after it stays the guard.
_NEXT_MOMENT = Statement(
    WinningMoment,
    'SELECT "id", "prize_id" FROM "winning_moment" '
    'WHERE "game_id" = $1 AND "play_id" IS NULL AND "at" <= $2 ORDER BY "at", "id" LIMIT 1{lock}',
    lock="FOR UPDATE SKIP LOCKED",
)
_CLAIM_MOMENT = Statement(
    WinningMoment,
    'UPDATE "winning_moment" SET "play_id" = $1, "claimed_at" = $2 '
    'WHERE "id" = $3 AND "play_id" IS NULL',
)
_PRIZE = Statement(GamePrize, 'SELECT * FROM "game_prize" WHERE "id" = $1')
_FIRST_UNCLAIMED = Statement(
    WinningMoment,
    'SELECT "id", "at" FROM "winning_moment" WHERE "game_id" = $1 AND "play_id" IS NULL '
    'ORDER BY "at" LIMIT 1',
)
_GAME_BY_ID = Statement(InstantWinGame, 'SELECT * FROM "instant_win_game" WHERE "id" = $1')
# Per process: each game's row as plays read it, keyed by game id, for up to GAME_TTL_SECONDS.
# Its window and cost never change; a change made through this process (archive, limits,
# eligibility) drops it at once and again after its commit, and other processes see it within
# that time, as with earning rules (gamification/points/engine_snapshot.py).
GAME_TTL_SECONDS = 2.0
_GAMES = caches.ProgramCache(_GAME_BY_ID.first, ttl=GAME_TTL_SECONDS)
# Per process, per game: the first unclaimed moment seen, before which no play can win. It only
# ever moves later, in every process: moments are drawn once, when the game is created, and a
# committed claim is never undone. Most plays lose, and this spares them the moment query.
_no_win_before: dict[int, datetime] = {}


def forget_all() -> None:
    """Drop what this process learnt of games (start-up: a new app may face another database).
    `caches.clear_all()` drops the copies of game rows with every other such cache."""
    _no_win_before.clear()


async def _game_to_play(program_id: int, game_id: int) -> InstantWinGame:
    game = await _GAMES.get(game_id)
    if game is None or game.program_id != program_id:
        raise NotFound(ErrorCode.NOT_FOUND, "No such game.", "gameId")
    return game


# A member's play counter for a day (or all time), created at 1 or raised by 1 while under the
# limit, in one statement: it changes no row when the limit is reached. A concurrent play of the
# same member waits on the row (or on its uncommitted creation) until this play commits.
_COUNT_PLAY = Statement(
    GamePlayCounter,
    'INSERT INTO "game_play_counter" ("game_id", "member_id", "day", "plays") '
    'VALUES ($1, $2, $3, 1) ON CONFLICT ("game_id", "member_id", "day") DO UPDATE '
    'SET "plays" = "game_play_counter"."plays" + 1 WHERE "game_play_counter"."plays" < $4',
)


async def game_in_program(program_id: int, game_id: int) -> InstantWinGame:
    game = await _GAME.first(game_id, program_id)
    if game is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such game.", "gameId")
    return game


async def update_game(
    actor: Actor,
    program_id: int,
    game_id: int,
    *,
    name: str | None = None,
    max_plays_per_day: int | None = None,
    max_plays_total: int | None = None,
    min_tier_rank: int | None = None,
    required_badge_id: int | None = None,
    translations: Iterable[Any] | None = None,
    target_segments: list[str] | None = None,
    target_classes: list[str] | None = None,
    target_tier_ids: list[int] | None = None,
    clear: frozenset[str] = frozenset(),
) -> InstantWinGame:
    """Change what can change without redrawing moments: name, limits, eligibility, audience.
    Fields in `clear` are set back to null (no limit, no requirement); an audience list left
    None stays, an empty one lifts that limit."""
    game = await game_in_program(program_id, game_id)
    before = trail.snapshot(game)
    await audiences.apply_input(
        game, program_id, audiences.given(target_segments, target_classes, target_tier_ids)
    )
    if name is not None:
        game.name = prizes.check_name(name)
    if translations is not None:
        game.translations = languages.clean_translations(translations)
    _check_optional_positive(max_plays_per_day, "maxPlaysPerDay")
    _check_optional_positive(max_plays_total, "maxPlaysTotal")
    check_gate_input(min_tier_rank, required_badge_id)
    await check_required_badge(program_id, required_badge_id)
    for field, value in (
        ("max_plays_per_day", max_plays_per_day),
        ("max_plays_total", max_plays_total),
        ("min_tier_rank", min_tier_rank),
        ("required_badge_id", required_badge_id),
    ):
        if field in clear:
            setattr(game, field, None)
        elif value is not None:
            setattr(game, field, value)
    async with unique_name(InstantWinGame, program_id, game.name, what="game", own_id=game.id):
        await game.save()
        await trail.changed(actor, AuditAction.INSTANT_WIN_GAME_UPDATED, game, before)
    caches.changed(_GAMES, game.id)
    return game


async def archive_game(actor: Actor, program_id: int, game_id: int) -> InstantWinGame:
    """Hide the game and stop its plays. Its plays and prizes stay."""
    game = await game_in_program(program_id, game_id)
    async with in_transaction():
        before = trail.snapshot(game)
        game.archived = True
        await game.save(update_fields=["archived"])
        await trail.changed(actor, AuditAction.INSTANT_WIN_GAME_ARCHIVED, game, before)
    caches.changed(_GAMES, game.id)
    return game


async def games_of(program_id: int) -> list[InstantWinGame]:
    """The games members see: not archived, not over."""
    return await InstantWinGame.filter(
        program_id=program_id, archived=False, ends_at__gt=clock.now()
    ).order_by("starts_at", "id")


async def prizes_left(games: list[InstantWinGame]) -> dict[int, int]:
    """Prize units not won yet: unclaimed moments (MOMENTS) or stock left (PROBABILITY)."""
    left = {game.id: 0 for game in games}
    by_moments = [g.id for g in games if g.mode == GameMode.MOMENTS]
    by_stock = [g.id for g in games if g.mode != GameMode.MOMENTS]
    if by_moments:
        for game_id, count in (
            await WinningMoment.filter(game_id__in=by_moments, play_id=None)
            .annotate(count=Count("id"))
            .group_by("game_id")
            .values_list("game_id", "count")
        ):
            left[game_id] = count
    if by_stock:
        for game_id, remaining in await GamePrize.filter(game_id__in=by_stock).values_list(
            "game_id", "remaining"
        ):
            left[game_id] += remaining
    return left


async def plays_left_today(game: InstantWinGame, member_id: int) -> int | None:
    """How many more plays the member has today (null: no limit)."""
    return (await plays_left_of([game], member_id))[game.id]


async def plays_left_of(games: Sequence[InstantWinGame], member_id: int) -> dict[int, int | None]:
    """`plays_left_today` of each game: one query for any number of games (none when no game
    limits plays)."""
    limited = [g for g in games if g.max_plays_per_day is not None or g.max_plays_total is not None]
    day = clock.now().date().isoformat()
    counts: dict[int, dict[str, int]] = {g.id: {} for g in limited}
    if limited:
        for game_id, counted_day, plays in await GamePlayCounter.filter(
            game_id__in=[g.id for g in limited], member_id=member_id, day__in=[day, TOTAL]
        ).values_list("game_id", "day", "plays"):
            counts[game_id][counted_day] = plays
    left: dict[int, int | None] = {g.id: None for g in games}
    left.update({g.id: _plays_left(g, counts[g.id], day) for g in limited})
    return left


def _plays_left(game: InstantWinGame, counts: dict[str, int], day: str) -> int:
    left: list[int] = []
    if game.max_plays_per_day is not None:
        left.append(game.max_plays_per_day - counts.get(day, 0))
    if game.max_plays_total is not None:
        left.append(game.max_plays_total - counts.get(TOTAL, 0))
    return max(0, min(left))


async def play(member: Member, game_id: int, idempotency_key: str) -> PlayResult:
    ledger.check_key(idempotency_key)
    now = clock.now()
    day = now.date().isoformat()
    try:
        async with events.atomic():
            game = await _game_to_play(member.program_id, game_id)
            # The play is written before any check: a retry of a key already played fails here
            # on the unique key and answers its first outcome (below), even once the game has
            # closed or the day's plays are used up. A check that refuses rolls the play back.
            played = await insert_row(
                GamePlay,
                program_id=member.program_id,
                game_id=game.id,
                member_id=member.id,
                idempotency_key=idempotency_key,
                played_at=now,
                cost=game.play_cost,
            )
            if game.archived or not game.starts_at <= now < game.ends_at:
                raise Refused(GameErrorCode.GAME_CLOSED, "This game is not open now.", "gameId")
            await check_eligibility(
                member,
                min_tier_rank=game.min_tier_rank,
                required_badge_id=game.required_badge_id,
                audience=Audience.of(game),
            )
            await _count_play(game, member.id, day)
            if game.play_cost:
                await ledger.spend(
                    member,
                    game.play_cost,
                    LedgerKind.GAME_PLAY,
                    reason=f"Played {game.name}"[:200],
                    reference=f"play:{played.id}",
                )
            won = await _claim_prize(game, played, now)
            if won is not None:
                await _award(member, game, played, won)
            await events.emit(
                GamePlayed(game_id=game.id, play_id=played.id, won=played.won),
                program_id=member.program_id,
                member_id=member.id,
            )
    except IntegrityError:
        # This key was played already (or is being played by a concurrent request, which
        # committed first): answer its outcome.
        previous = await _PLAY_BY_KEY.first(member.id, idempotency_key)
        if previous is None:
            raise
        return await _replay(previous, game_id)
    return PlayResult(played, won, replayed=False)


async def _replay(previous: GamePlay, game_id: int) -> PlayResult:
    if previous.game_id != game_id:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another play.",
            "idempotencyKey",
        )
    prize = await _PRIZE.first(previous.prize_id) if previous.prize_id else None
    return PlayResult(previous, prize, replayed=True)


async def _count_play(game: InstantWinGame, member_id: int, day: str) -> None:
    for limit, key, message in (
        (game.max_plays_per_day, day, "You have played as often as allowed today."),
        (game.max_plays_total, TOTAL, "You have played as often as allowed."),
    ):
        if limit is not None and not await _COUNT_PLAY.changed(game.id, member_id, key, limit):
            raise Refused(GameErrorCode.PLAY_LIMIT_REACHED, message, "gameId")


async def _claim_prize(game: InstantWinGame, played: GamePlay, now: datetime) -> GamePrize | None:
    if game.mode == GameMode.PROBABILITY:
        return await _claim_by_odds(game)
    if now < _no_win_before.get(game.id, now):
        return None
    while True:
        candidate = await _NEXT_MOMENT.rows(game.id, now)
        if not candidate:
            # None is due: until the first unclaimed moment, no play of this game can win. (One
            # that a concurrent play is claiming counts as unclaimed here, as it is until that
            # play commits, so a due moment is never skipped.)
            first = await _FIRST_UNCLAIMED.first(game.id)
            _no_win_before[game.id] = first.at if first else game.ends_at
            return None
        moment_id, prize_id = candidate[0]["id"], candidate[0]["prize_id"]
        # Only one play can move play_id from null: a loser of the race looks again.
        if await _CLAIM_MOMENT.changed(played.id, now, moment_id):
            # No stock row to decrement: in this mode the unclaimed moments are the stock
            # (a shared counter would serialise every winning play on one row lock).
            played.moment_id = moment_id
            return await _PRIZE.first(prize_id)


async def _claim_by_odds(game: InstantWinGame) -> GamePrize | None:
    if secrets.randbelow(1_000_000) >= game.win_odds_ppm:
        return None
    stock = await GamePrize.filter(game_id=game.id, remaining__gt=0).order_by("id")
    while stock:
        # A prize at random, in proportion to its units left.
        pick = secrets.randbelow(sum(p.remaining for p in stock))
        for prize in stock:
            pick -= prize.remaining
            if pick < 0:
                break
        if await GamePrize.filter(id=prize.id, remaining__gt=0).update(
            remaining=F("remaining") - 1
        ):
            return prize
        stock.remove(prize)
    return None


async def _award(member: Member, game: InstantWinGame, played: GamePlay, prize: GamePrize) -> None:
    grant = await prizes.grant_prize(
        member,
        prizes.PrizeSpec(prize.name, prize.kind, prize.points, prize.reward_id),
        source=f"play:{played.id}",
        reason=f"Won in {game.name}"[:200],
    )
    played.won = True
    played.prize_id = prize.id
    played.claim_code = grant.claim_code
    await played.save(update_fields=["won", "prize_id", "moment_id", "claim_code"])
    await events.emit(
        PrizeWon(prize_id=prize.id, game_id=game.id, play_id=played.id, kind=prize.kind.value),
        program_id=member.program_id,
        member_id=member.id,
    )


def plays_of(game_id: int, won_only: bool = False) -> QuerySet[GamePlay]:
    """The game's plays, for staff (a queryset the API paginates)."""
    query = GamePlay.filter(game_id=game_id)
    return query.filter(won=True) if won_only else query


async def prizes_of(game_id: int) -> list[GamePrize]:
    return (await prizes_of_games([game_id]))[game_id]


async def prizes_of_games(game_ids: Collection[int]) -> dict[int, list[GamePrize]]:
    """Each game's prize lines by id: one query for any number of games."""
    found: dict[int, list[GamePrize]] = {g: [] for g in game_ids}
    for prize in await GamePrize.filter(game_id__in=list(game_ids)).order_by("id"):
        found[prize.game_id].append(prize)
    return found


async def moments_of(game_id: int) -> list[WinningMoment]:
    """Every winning moment of the game, for staff only: claimed and unclaimed."""
    return await WinningMoment.filter(game_id=game_id).order_by("at", "id")
