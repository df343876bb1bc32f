"""Challenge leaderboards: the Redis board `challenge:<id>` of each challenge, fed by progress and
rebuilt from the participants' rows (the source of truth).

A challenge's board ranks its participants by progress, ties to whoever got there first (the time
of their last progress). It keeps one standing, for the challenge's own window: it is kept under
ALL_TIME only and answers that standing whatever period is asked (a month or a week means nothing
to a challenge, and the database keeps each participant's total, not a history of changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from challenges.models import Challenge, ChallengeParticipant, ChallengeStatus
from core.bulk import column
from core.redis import ScriptCall
from gamification import leaderboards
from gamification.leaderboards import Change, Period, Total, Window

FAMILY = "challenge"


def board_of(challenge_id: int) -> str:
    return f"{FAMILY}:{challenge_id}"


@dataclass(frozen=True)
class Move:
    """A participant's progress moved by `amount` at `at` (their new `progress_at`), because of
    event `event_id`."""

    event_id: int
    member_id: int
    challenge: Challenge
    amount: int
    at: datetime


def feed_calls(moves: list[Move]) -> list[ScriptCall]:
    """The board changes of these moves, one script call per program, for the caller to run
    once the handler's transaction has committed: each keyed by its event (a re-run of the event
    counts once), at the participant's `progress_at` (which the rebuild reads back). An
    anonymised member stays off: the board script skips the erased."""
    calls = []
    for program_id in {m.challenge.program_id for m in moves}:
        call = leaderboards.scores_call(
            program_id,
            [
                leaderboards.ScoreChange(
                    board_of(m.challenge.id), m.member_id, m.amount, _aware(m.at), f"v{m.event_id}"
                )
                for m in moves
                if m.challenge.program_id == program_id
            ],
        )
        if call is not None:
            calls.append(call)
    return calls


class ChallengeSource:
    """Rebuilds `challenge:<id>` from the participants' progress.

    The participants' rows keep totals, not the individual changes, so `totals` returns the whole
    current standing and `changes_since` nothing: a progress committed between the rebuild's read
    and its swap reaches the new board at the next change of that member or the next rebuild."""

    async def totals(
        self, program_id: int, board: str, win: Window, before: datetime
    ) -> list[Total]:
        challenge = await _challenge(program_id, board)
        if challenge is None or not _in_window(challenge, win):
            return []
        rows = await ChallengeParticipant.filter(
            challenge_id=challenge.id, progress__gt=0
        ).values_list("member_id", "progress", "progress_at")
        return [
            Total(member_id, int(progress), _aware(at or challenge.starts_at))
            for member_id, progress, at in rows
        ]

    async def changes_since(
        self, program_id: int, board: str, win: Window, since: datetime
    ) -> list[Change]:
        return []

    async def boards(self, program_id: int) -> list[str]:
        ids = await column(
            Challenge.filter(program_id=program_id).exclude(status=ChallengeStatus.ARCHIVED), "id"
        )
        return [board_of(i) for i in ids]

    async def holds(self, program_id: int, board: str) -> bool:
        return await Challenge.filter(
            id=int(board.split(":", 1)[1]), program_id=program_id
        ).exists()


async def _challenge(program_id: int, board: str) -> Challenge | None:
    return await Challenge.get_or_none(id=int(board.split(":", 1)[1]), program_id=program_id)


def _in_window(challenge: Challenge, win: Window) -> bool:
    starts = _aware(challenge.starts_at)
    return win.start is None or win.end is None or win.start <= starts < win.end


def _aware(value: datetime | str) -> datetime:
    # SQLite may hand datetimes back as text or without a zone.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def install() -> None:
    leaderboards.register_source(FAMILY, ChallengeSource(), periods=(Period.ALL_TIME,))
