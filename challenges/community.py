"""The community total of COLLECTIVE challenges, and reaching its target.

The database holds the truth: a community's total is the sum of its participants' progress,
rows that each member's own events write. No row is shared by every purchase, so purchases of
different members never queue behind one another here, as they would behind one total column
that every event updates.

Redis notices the crossing. After each commit, the amounts counted for collective challenges are
added to one counter per challenge, once per event (an applied set, as the boards have). A
counter moves only after a commit and once per event, so it does not run ahead of the database:
when it reaches the target, `reach()` checks the database's sum, marks the challenge reached
once (a conditional UPDATE) and rewards every contributor. A counter that did not exist (the
challenge's first event, or Redis lost) is set from the database's sum at once. Whatever Redis
misses, `reach_due()`, run by the closing scan every minute, checks every running collective
challenge against the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Count, Sum

from challenges import rewarding
from challenges.models import Challenge, ChallengeKind, ChallengeParticipant, ChallengeStatus
from core.clock import clock
from core.redis import RedisClient, ScriptCall

# Applied event ids are kept this long (a re-delivered event is older than this never).
SEEN_WINDOW = timedelta(days=2)
# Counters outlive their challenge by this margin.
KEY_MARGIN = timedelta(days=7)


def counter_key(program_id: int, challenge_id: int) -> str:
    return f"community:{{p{program_id}}}:{challenge_id}"


@dataclass(frozen=True)
class Tally:
    """A challenge's community: its participants' progress summed, and how many they are."""

    total: int
    participants: int


async def tallies(challenge_ids: Iterable[int]) -> dict[int, Tally]:
    """The community of each challenge, from its participants' rows (one grouped query). A
    capped challenge's seat counter equals its row count: both move in one savepoint."""
    ids = list(challenge_ids)
    if not ids:
        return {}
    rows = (
        await ChallengeParticipant.filter(challenge_id__in=ids)
        .annotate(total=Sum("progress"), participants=Count("id"))
        .group_by("challenge_id")
        .values("challenge_id", "total", "participants")
    )
    found = {
        row["challenge_id"]: Tally(int(row["total"] or 0), int(row["participants"])) for row in rows
    }
    return {cid: found.get(cid, Tally(0, 0)) for cid in ids}


async def totals(challenge_ids: Iterable[int]) -> dict[int, int]:
    """The community's total per challenge (0 without participants)."""
    return {cid: tally.total for cid, tally in (await tallies(challenge_ids)).items()}


@dataclass(frozen=True)
class Contribution:
    """`amount` counted for a COLLECTIVE challenge because of event `event_id`."""

    event_id: int
    challenge: Challenge
    amount: int


async def reach_all(contributions: list[Contribution]) -> None:
    """Without Redis: check every challenge these contributions counted for in the database."""
    for challenge in {c.challenge.id: c.challenge for c in contributions}.values():
        await reach(challenge)


def count_call(contributions: list[Contribution]) -> ScriptCall:
    """The script call that adds the contributions (of one program: its keys share the
    program's slot) to their counters, for the caller to run once the contributions have
    committed; its result goes to `counted`."""
    if len({c.challenge.program_id for c in contributions}) > 1:
        raise ValueError("one counting call counts for one program")
    now = clock.now()
    keys: list[str] = []
    args = [str(int((now - SEEN_WINDOW).timestamp())), str(int(now.timestamp()))]
    for c in contributions:
        key = counter_key(c.challenge.program_id, c.challenge.id)
        keys += [key, f"{key}:seen"]
        expire_at = c.challenge.ends_at + KEY_MARGIN
        args += [str(c.event_id), str(c.amount), str(int(expire_at.timestamp()))]
    return ScriptCall(_COUNT, keys, args)


async def counted(redis: RedisClient, contributions: list[Contribution], result: list[Any]) -> None:
    """After `count_call` ran: counters it created start from the database's sum, and every
    challenge whose counter got to its target is reached."""
    values: dict[int, int] = {}
    created: dict[int, Challenge] = {}
    for c, (value, new) in zip(contributions, result, strict=True):
        values[c.challenge.id] = int(value)
        if new:
            created[c.challenge.id] = c.challenge
    if created:
        # The counter starts from the database's sum (which holds this commit already).
        sums = await totals(created)
        for challenge_id, total in sums.items():
            await _set_counter(redis, created[challenge_id], total)
        values.update(sums)
    by_id = {c.challenge.id: c.challenge for c in contributions}
    for challenge_id, value in values.items():
        challenge = by_id[challenge_id]
        if value < challenge.target:
            continue
        total = await reach(challenge)
        if total < challenge.target:
            # The counter ran ahead of the database (keys left from another database, a
            # restore): set it right, or every event would sum the community again.
            await _set_counter(redis, challenge, total)


async def _set_counter(redis: RedisClient, challenge: Challenge, total: int) -> None:
    expire_at = challenge.ends_at + KEY_MARGIN
    key = counter_key(challenge.program_id, challenge.id)
    await redis.set(key, total, exat=int(expire_at.timestamp()))


# KEYS: (counter, applied set) pairs. ARGV: prune time, now, then per pair (event id, amount,
# expiry). Returns per pair {the counter's value after the change (unchanged when already
# applied), 1 if the counter did not exist before}.
_COUNT = """
local result = {}
for i = 1, #KEYS / 2 do
  local counter, seen = KEYS[2 * i - 1], KEYS[2 * i]
  local base = 2 + 3 * (i - 1)
  local created = 1 - redis.call('EXISTS', counter)
  if redis.call('ZADD', seen, 'NX', ARGV[2], ARGV[base + 1]) == 1 then
    redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. ARGV[1])
    local value = redis.call('INCRBY', counter, ARGV[base + 2])
    redis.call('EXPIREAT', counter, ARGV[base + 3])
    redis.call('EXPIREAT', seen, ARGV[base + 3])
    result[i] = {value, created}
  else
    result[i] = {tonumber(redis.call('GET', counter) or '0'), created}
  end
end
return result
"""


async def reach(challenge: Challenge) -> int:
    """If the community's total (in the database) has reached the target, mark the challenge
    reached, once, and reward every contributor not rewarded yet. Returns that total."""
    if challenge.kind != ChallengeKind.COLLECTIVE:
        return 0
    total = (await totals([challenge.id]))[challenge.id]
    if total < challenge.target:
        return total
    await Challenge.filter(id=challenge.id, reached_at__isnull=True).update(reached_at=clock.now())
    # Also when it was reached before (by another event, process or the scan): a contribution
    # counted by a transaction that began before `reached_at` was set may have committed after
    # that reach read its contributors; it is rewarded now (once: `rewarded_at`).
    await rewarding.reward_contributors(challenge.id)
    return total


async def reach_due(at: datetime | None = None) -> int:
    """Reach every running COLLECTIVE challenge whose community total got to its target without
    a counter noticing (Redis lost). Idempotent; returns how many it reached now."""
    at = at or clock.now()
    running = await Challenge.filter(
        kind=ChallengeKind.COLLECTIVE,
        status=ChallengeStatus.ACTIVE,
        reached_at__isnull=True,
        starts_at__lte=at,
    )
    reached = 0
    for challenge in running:
        reached += await reach(challenge) >= challenge.target
    return reached
