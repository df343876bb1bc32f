"""Names unique within a program.

Staff tell a program's badges, rewards, challenges, tiers, earning rules, games, contests and
membership plans apart by name, and the demo used to find its own by name: two of one name made
either ambiguous. Each of those tables has a unique constraint on (program, name), archived rows
included (an archived row keeps its name in reports and on members' histories). The constraint is
what keeps two concurrent creates from both winning; this module turns its refusal into
`NAME_TAKEN`, naming the field, and refuses the common case before writing at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.errors import ErrorCode, Refused


def _taken(what: str, name: str) -> Refused:
    return Refused(
        ErrorCode.NAME_TAKEN,
        f"This program already has a {what} named '{name}' (archived ones keep their names): "
        "choose another name.",
        "name",
    )


async def _is_taken(model: type[Model], program_id: int, name: str, own_id: int | None) -> bool:
    query = model.filter(program_id=program_id, name=name)
    if own_id is not None:
        query = query.exclude(id=own_id)
    return await query.exists()


async def refuse_taken(
    model: type[Model], program_id: int, name: str, *, what: str, own_id: int | None = None
) -> None:
    """NAME_TAKEN when another row of the program has `name` (the check `unique_name` makes
    before its write, for a caller that only validates, such as a draft's preview)."""
    if await _is_taken(model, program_id, name, own_id):
        raise _taken(what, name)


@asynccontextmanager
async def unique_name(
    model: type[Model], program_id: int, name: str, *, what: str, own_id: int | None = None
) -> AsyncIterator[None]:
    """Around the write that gives a row of `model` the name `name`: refuses with NAME_TAKEN
    when another row of the program has it, before the write or, when a concurrent write won
    the race, from the constraint. Other integrity errors pass through. The write runs in a
    savepoint, so the transaction around it can still read after a refusal."""
    await refuse_taken(model, program_id, name, what=what, own_id=own_id)
    try:
        async with in_transaction():
            yield
    except IntegrityError:
        if await _is_taken(model, program_id, name, own_id):
            raise _taken(what, name) from None
        raise
