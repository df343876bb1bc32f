"""Challenge progress from events, joining, rewards and rankings.

- Only events of the listened type whose `occurred_at` is inside [starts_at, ends_at) count, and
  for OPT_IN challenges only those at or after the member joined. AUTOMATIC challenges enrol an
  eligible member at their first counted event (as if joined at the start).
- INDIVIDUAL: the first event that brings a member to the target completes and rewards them, in
  that event's handler transaction (once: a conditional UPDATE on `completed_at`).
- COLLECTIVE: every counted event adds to the member's own progress; the community's total is
  their sum, and reaching the target is noticed after the commit (see challenges.community):
  `reached_at` is set once (conditional UPDATE), then every contributor (progress > 0) is
  rewarded, each in its own transaction with a conditional UPDATE on `rewarded_at`; the closing
  scan does it again for any that a crash left out. Events committed after `reached_at` is set
  no longer count.
- Lock order: participant row, then challenge row, then the member (ledger): never the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from badges.criteria import NOT_EARNED_KINDS, line_quantity, money_units
from challenges import boards, community, rewarding
from challenges.error_codes import ChallengeErrorCode
from challenges.models import (
    Challenge,
    ChallengeKind,
    ChallengeMetric,
    ChallengeParticipant,
    ChallengeStatus,
    Enrolment,
)
from core.bulk import read_columns, read_locked, write_back
from core.clock import clock
from core.errors import Refused
from core.redis import RedisClient, run_scripts
from gamification import events, leaderboards
from gamification.accounts.models import Member
from gamification.events import EventType, caches
from gamification.events.models import Event
from gamification.events.payloads import (
    ActionRecorded,
    ChallengeJoined,
    ChallengeProgressed,
    PointsEarned,
    PurchaseRecorded,
)
from gamification.rewards.eligibility import meets_rank, tier_rank_of


def metric_amount(challenge: Challenge, event: Event) -> int:
    # Counting needs only the event's type: only the other metrics parse its data.
    match challenge.metric:
        case ChallengeMetric.PURCHASES | ChallengeMetric.REFERRALS:
            return 1
        case ChallengeMetric.SPEND:
            return max(money_units(PurchaseRecorded.of(event).total), 0)
        case ChallengeMetric.QUANTITY:
            params = {"sku": challenge.sku, "category": challenge.category}
            return line_quantity(PurchaseRecorded.of(event).lines, params)
        case ChallengeMetric.ACTIONS:
            return 1 if ActionRecorded.of(event).code == challenge.action else 0
        case ChallengeMetric.POINTS_EARNED:
            earned = PointsEarned.of(event)
            if earned.kind in NOT_EARNED_KINDS:  # the one rule of what counts as earned
                return 0
            return max(earned.points, 0)


async def _active(program_id: int) -> tuple[tuple[Challenge, ...], frozenset[str]]:
    challenges = tuple(
        await Challenge.filter(program_id=program_id, status=ChallengeStatus.ACTIVE).order_by("id")
    )
    return challenges, frozenset(c.listens_to for c in challenges)


# The program's active (running or scheduled) challenges and the event types they listen to:
# read by every event, changed rarely (see gamification.events.caches for the staleness bound).
# The rows are definitions: the counters on them (community total, reached_at) are read fresh
# where they decide anything.
active = caches.ProgramCache(_active)


async def wants(
    program_id: int, event_type: str, member_id: int | None, payload: events.Payload
) -> bool:
    return member_id is not None and event_type in (await active.get(program_id))[1]


def is_running(challenge: Challenge, at: datetime) -> bool:
    return (
        challenge.status == ChallengeStatus.ACTIVE and challenge.starts_at <= at < challenge.ends_at
    )


async def _eligible(challenge: Challenge, member_id: int) -> bool:
    if challenge.min_tier_rank is None:
        return True
    return meets_rank(await tier_rank_of(member_id), challenge.min_tier_rank)


class _Full(Exception):
    pass


async def _enrol(challenge: Challenge, member_id: int, joined_at: datetime) -> bool:
    """Create the participant row and, for a capped challenge, count it against
    `max_participants`, or neither. Returns whether it was created now (False: it already
    existed). Raises CHALLENGE_FULL. An uncapped challenge keeps no counter: every member's first
    event would queue on that one row when a challenge opens to a whole program."""
    try:
        async with in_transaction():  # a savepoint inside the caller's transaction
            await ChallengeParticipant.create(
                challenge_id=challenge.id, member_id=member_id, joined_at=joined_at
            )
            if challenge.max_participants is not None and not await Challenge.filter(
                id=challenge.id, participants__lt=challenge.max_participants
            ).update(participants=F("participants") + 1):
                raise _Full
    except IntegrityError:
        return False
    except _Full:
        raise Refused(
            ChallengeErrorCode.CHALLENGE_FULL, "This challenge is full.", "challengeId"
        ) from None
    return True


async def join(challenge: Challenge, member: Member) -> bool:
    """A member joins (inside `events.atomic()`). Joining twice is harmless: returns False."""
    now = clock.now()
    if challenge.status != ChallengeStatus.ACTIVE or now >= challenge.ends_at:
        raise Refused(
            ChallengeErrorCode.CHALLENGE_NOT_OPEN, "This challenge is over.", "challengeId"
        )
    if not await _eligible(challenge, member.id):
        raise Refused(
            ChallengeErrorCode.CHALLENGE_NOT_ELIGIBLE,
            "Your tier cannot join this one.",
            "challengeId",
        )
    # Automatic challenges count from their start; opt-in ones from the moment of joining.
    joined_at = challenge.starts_at if challenge.enrolment == Enrolment.AUTOMATIC else now
    if not await _enrol(challenge, member.id, min(joined_at, now)):
        return False
    await events.emit(
        ChallengeJoined(challenge_id=challenge.id, name=challenge.name),
        program_id=challenge.program_id,
        member_id=member.id,
    )
    return True


async def count_events(batch: list[Event], redis: RedisClient | None) -> None:
    """Batch event handler: add these events (one commit's, in order) to every running challenge
    they count for, with one locked read and one write-back of the participants' rows."""
    counted: list[tuple[Event, Challenge, int]] = []
    for event in batch:
        if event.member_id is None:
            continue
        for challenge in (await active.get(event.program_id))[0]:
            if challenge.listens_to != event.type or not is_running(challenge, event.occurred_at):
                continue
            amount = metric_amount(challenge, event)
            if amount > 0:
                counted.append((event, challenge, amount))
    if not counted:
        return
    reached = await _reached({c.id for _, c, _ in counted if c.kind == ChallengeKind.COLLECTIVE})
    now = clock.now()
    # Lock the participants' rows in (member, challenge) order: no cycles between transactions.
    locked = await read_locked(
        ChallengeParticipant,
        ("member_id", "challenge_id"),
        member_id={e.member_id for e, _, _ in counted if e.member_id is not None},
        challenge_id={c.id for _, c, _ in counted},
    )
    rows = {(p.member_id, p.challenge_id): p for p in locked}
    changed: dict[int, ChallengeParticipant] = {}
    # The INDIVIDUAL challenges a member progressed on: one CHALLENGE_PROGRESSED each, with the
    # progress the commit leaves (a batch of several purchases makes one).
    progressed: dict[int, Challenge] = {}
    moved: list[boards.Move] = []
    completed: list[tuple[Challenge, int]] = []
    contributions: list[community.Contribution] = []
    for event, challenge, amount in counted:
        if challenge.id in reached:
            continue  # the community reached the target: later events no longer count
        member_id = event.member_id
        assert member_id is not None
        participant = rows.get((member_id, challenge.id))
        if participant is None:
            participant = await _auto_enrol(challenge, member_id)
            if participant is None:
                continue
            rows[member_id, challenge.id] = participant
        if event.occurred_at < participant.joined_at or participant.completed_at is not None:
            continue  # before joining, or already completed: nothing more counts
        participant.progress += amount
        participant.progress_at = now
        if challenge.kind == ChallengeKind.INDIVIDUAL and participant.progress >= challenge.target:
            participant.completed_at = now
            completed.append((challenge, member_id))
        if challenge.kind == ChallengeKind.COLLECTIVE:
            contributions.append(community.Contribution(event.id, challenge, amount))
        changed[participant.id] = participant
        if challenge.kind == ChallengeKind.INDIVIDUAL:
            progressed[participant.id] = challenge
        moved.append(boards.Move(event.id, member_id, challenge, amount, now))
    await write_back(
        ChallengeParticipant, list(changed.values()), ["progress", "progress_at", "completed_at"]
    )
    for participant_id, challenge in progressed.items():
        participant = changed[participant_id]
        await events.emit(
            ChallengeProgressed(
                challenge_id=challenge.id,
                name=challenge.name,
                progress=participant.progress,
                target=challenge.target,
            ),
            program_id=challenge.program_id,
            member_id=participant.member_id,
        )
    _after_commit(moved, contributions, redis)
    for challenge, member_id in completed:
        await rewarding.reward(challenge, member_id)


def _after_commit(
    moves: list[boards.Move], contributions: list[community.Contribution], redis: RedisClient | None
) -> None:
    """Once the commit is done: the moves onto the challenges' boards and the contributions onto
    the community counters, in one Redis round trip; then reach what got to its target."""
    if not moves and not contributions:
        return

    async def run() -> None:
        if redis is None:
            await community.reach_all(contributions)
            return
        calls = boards.feed_calls(moves)
        # One counting call per program: a batch of the retry scan mixes programs, and a
        # script's keys must share one slot (each program's counters carry its hash tag).
        by_program: dict[int, list[community.Contribution]] = {}
        for contribution in contributions:
            by_program.setdefault(contribution.challenge.program_id, []).append(contribution)
        counts = [community.count_call(group) for group in by_program.values()]
        programs = {m.challenge.program_id for m in moves}
        at = min((m.at for m in moves), default=clock.now())
        results = await leaderboards.update_or_mark_stale(
            run_scripts(redis, [*calls, *counts]), programs, at
        )
        if results is None:
            # Redis down: the boards are repaired once it answers (leaderboards.repairs), and
            # the counters' targets are checked in the database, as without Redis.
            await community.reach_all(contributions)
            return
        for group, result in zip(by_program.values(), results[len(calls) :], strict=True):
            await community.counted(redis, group, result)

    events.after_commit(run)


async def _reached(collective_ids: set[int]) -> set[int]:
    """Which of these COLLECTIVE challenges reached their target (read fresh: the cached
    definitions do not follow it)."""
    if not collective_ids:
        return set()
    rows = await read_columns(Challenge, ("id", "reached_at"), id=collective_ids)
    return {int(cid) for cid, reached_at in rows if reached_at is not None}


async def _auto_enrol(challenge: Challenge, member_id: int) -> ChallengeParticipant | None:
    if challenge.enrolment == Enrolment.OPT_IN or not await _eligible(challenge, member_id):
        return None
    try:
        await _enrol(challenge, member_id, challenge.starts_at)
    except Refused:
        return None  # full: this member does not take part
    return (
        await ChallengeParticipant.filter(challenge_id=challenge.id, member_id=member_id)
        .select_for_update()
        .first()
    )


@dataclass(frozen=True)
class Standing:
    member_id: int
    progress: int
    reached_at: datetime | None


async def standings(challenge_id: int, limit: int = 100, offset: int = 0) -> list[Standing]:
    """The ranking by a database query: most progress first, ties to whoever got there first.
    What a Redis leaderboard can be fed (or rebuilt) from."""
    rows = (
        await ChallengeParticipant.filter(challenge_id=challenge_id, progress__gt=0)
        .order_by("-progress", "progress_at", "id")
        .offset(offset)
        .limit(limit)
        .values_list("member_id", "progress", "progress_at")
    )
    return [Standing(member_id, progress, at) for member_id, progress, at in rows]


class ProgressFeed:
    """Challenge progress from domain events, with the Redis client that feeds the challenges'
    boards and community counters (None: the database alone, the boards wait for a rebuild)."""

    def __init__(self, redis: RedisClient | None) -> None:
        self.redis = redis

    async def on_events(self, batch: list[Event]) -> None:
        await count_events(batch, self.redis)

    def install(self) -> None:
        """Subscribe (bootstrap), replacing any earlier feed. The outbox records a
        handler's work under its name: this keeps the one it was first recorded under."""
        for event_type in (
            EventType.PURCHASE_RECORDED,
            EventType.POINTS_EARNED,
            EventType.REFERRAL_QUALIFIED,
            EventType.ACTION_RECORDED,
        ):
            events.subscribe(
                event_type, self.on_events, wants, batch=True, name="challenges.progress.on_events"
            )
