"""A short-lived, per-process snapshot of what the earning engine reads on every purchase: the
program row, its earning rules and its tiers.

Not needed for correctness: a change made through the services (rules, tiers) drops the
snapshot of this process at once and again after its commit (`forget`), and other processes
see it within `TTL_SECONDS`. Without it, every recordPurchase would spend three queries
re-reading rows that change a few times a year.
"""

from __future__ import annotations

from dataclasses import dataclass

from gamification.events import caches
from gamification.points.models import EarningRule, Tier
from gamification.programs.models import Program

TTL_SECONDS = 2.0


@dataclass(frozen=True)
class EngineSnapshot:
    program: Program
    rules: tuple[EarningRule, ...]
    tiers: tuple[Tier, ...]  # live tiers, lowest rank first


async def _take(program_id: int) -> EngineSnapshot:
    program = await Program.get(id=program_id)
    rules = await EarningRule.filter(program_id=program_id, archived=False)
    tiers = await Tier.filter(program_id=program_id, archived=False).order_by("rank")
    return EngineSnapshot(program, tuple(rules), tuple(tiers))


_SNAPSHOTS = caches.ProgramCache(_take, ttl=TTL_SECONDS)


async def snapshot(program_id: int) -> EngineSnapshot:
    return await _SNAPSHOTS.get(program_id)


def forget(program_id: int) -> None:
    """Drop this process's snapshot of the program after a change to its rules or tiers: now,
    and once more after the change commits (a load in between would still read the old rows)."""
    caches.changed(_SNAPSHOTS, program_id)


async def live_tier(program_id: int, tier_id: int) -> Tier | None:
    """One of the program's live tiers, from the snapshot (no query while it is fresh); None for
    an archived tier or another program's."""
    for tier in (await snapshot(program_id)).tiers:
        if tier.id == tier_id:
            return tier
    return None
