"""Stable keys of what a seed made (the demo, `python -m api seed-demo`).

A seed run again must find the objects it made whatever staff did since: renamed, archived, or
made others of the same kind. Names are for people and change; a seed keeps each object's id
under a key of its own choosing ("badge:first-sip"), unique per program, and finds it by that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.models import Model

from core.clock import clock
from gamification.programs.models import SeedKey

M = TypeVar("M", bound=Model)


async def seeded(program_id: int, key: str, model: type[M]) -> M | None:
    """The object of `model` kept under `key` in the program, or None (not made yet, or gone)."""
    row = await SeedKey.get_or_none(program_id=program_id, key=key)
    if row is None:
        return None
    return await model.get_or_none(id=row.object_id, program_id=program_id)


async def known(program_id: int, key: str) -> bool:
    """Whether the seed kept something under `key` (a step done once, such as settings)."""
    return await SeedKey.exists(program_id=program_id, key=key)


async def remember(program_id: int, key: str, object_id: int) -> None:
    """Keep `object_id` under `key` (replacing what the key held)."""
    updated = await SeedKey.filter(program_id=program_id, key=key).update(object_id=object_id)
    if not updated:
        await SeedKey.create(
            program_id=program_id, key=key, object_id=object_id, created_at=clock.now()
        )


async def ensure(
    program_id: int,
    key: str,
    model: type[M],
    make: Callable[[], Awaitable[M]],
    adopt: Callable[[], Awaitable[M | None]] | None = None,
) -> M:
    """The object under `key`, made by `make` when there is none. `adopt` finds one the seed made
    before it kept keys (a database seeded by an older version), tried once, before making."""
    found = await seeded(program_id, key, model)
    if found is None and adopt is not None:
        found = await adopt()
    if found is None:
        found = await make()
    await remember(program_id, key, found.pk)
    return found
