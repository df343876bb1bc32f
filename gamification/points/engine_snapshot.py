"""A short-lived, per-process snapshot of what the earning engine reads on every purchase: the
program row, its earning rules and its tiers.

Not needed for correctness: a change made through the services (rules, tiers) drops the
snapshot of this process at once, and other processes see it within `TTL_SECONDS`. Without it,
every recordPurchase would spend three queries re-reading rows that change a few times a year.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gamification.points.models import EarningRule, Tier
from gamification.programs.models import Program

TTL_SECONDS = 2.0
_LIMIT = 10_000


@dataclass(frozen=True)
class EngineSnapshot:
    program: Program
    rules: tuple[EarningRule, ...]
    tiers: tuple[Tier, ...]  # live tiers, lowest rank first


_snapshots: dict[int, tuple[float, EngineSnapshot]] = {}


async def snapshot(program_id: int) -> EngineSnapshot:
    hit = _snapshots.get(program_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    program = await Program.get(id=program_id)
    rules = await EarningRule.filter(program_id=program_id, archived=False)
    tiers = await Tier.filter(program_id=program_id, archived=False).order_by("rank")
    taken = EngineSnapshot(program, tuple(rules), tuple(tiers))
    if len(_snapshots) >= _LIMIT:
        _snapshots.clear()
    _snapshots[program_id] = (time.monotonic() + TTL_SECONDS, taken)
    return taken


def forget(program_id: int) -> None:
    """Drop this process's snapshot of the program (after a change to its rules or tiers)."""
    _snapshots.pop(program_id, None)


def forget_all() -> None:
    """Drop every snapshot (start-up: a new app may face another database, as in tests)."""
    _snapshots.clear()
