"""How the demo finds what it made: by a stable key per object (gamification/programs/
seed_keys.py), never by display name, so staff may rename, archive or add objects of any name
and a rerun still finds its own and duplicates nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from tortoise.models import Model

from core.clock import clock
from core.errors import ErrorCode, Refused
from gamification.programs import seed_keys
from gamification.programs.models import Program

M = TypeVar("M", bound=Model)


def by_name(model: type[M], program: Program, name: str) -> Callable[[], Awaitable[M | None]]:
    """Adoption for a database seeded before the demo kept keys: its objects carry the demo's
    names (unique per program since then), so the one of that name is the demo's own."""

    async def adopt() -> M | None:
        return await model.get_or_none(program_id=program.id, name=name)

    return adopt


async def ensure(
    program: Program,
    key: str,
    model: type[M],
    make: Callable[[], Awaitable[M]],
    adopt: Callable[[], Awaitable[M | None]] | None = None,
) -> M:
    return await seed_keys.ensure(program.id, key, model, make, adopt)


async def running(
    program: Program,
    key: str,
    model: type[M],
    name: str,
    make: Callable[[str], Awaitable[M]],
    ends_at: Callable[[M], datetime | None],
) -> M | None:
    """A time-bound object (a game, a campaign, a challenge) kept running: once the one under
    `key` has ended, a new one takes the key, named with its start date (names are unique, and
    the ended one keeps its own). None when staff hold the name the new one would take."""
    current = await ensure(program, key, model, lambda: make(name), by_name(model, program, name))
    end = ends_at(current)
    if end is None or end > clock.now():
        return current
    try:
        fresh = await make(f"{name} ({clock.now():%Y-%m-%d})")
    except Refused as refused:
        if refused.code != ErrorCode.NAME_TAKEN:
            raise
        return None
    await seed_keys.remember(program.id, key, fresh.pk)
    return fresh
