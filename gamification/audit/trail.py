"""Recording staff actions and reading them back.

A service that carries out a staff action takes the `Actor` as its first argument and calls
`record` inside the transaction of the change, with `snapshot`s of the object before and after:
the entry keeps only what changed. The request id in force is kept too, so an entry leads to the
request's log lines.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from tortoise.models import Model
from tortoise.queryset import QuerySet

from core import request_ids
from core.clock import clock
from gamification.audit.actions import AuditAction
from gamification.audit.models import AuditEntry

# Never written to the trail, whatever the object: credentials, and a contest's seed until it is
# published by the draw's own record.
SECRETS = frozenset({"password_hash", "key_hash", "token_hash", "secret", "seed"})
# The bookkeeping of a row rather than what staff chose.
UNTRACKED = frozenset({"id", "program_id", "created_at"})


class ActorKind(enum.StrEnum):
    STAFF = "STAFF"
    # The service itself: the demo seed, the command line, a worker finishing what staff asked.
    SYSTEM = "SYSTEM"
    # A member acting on their own account where the trail must show it (erasing it).
    MEMBER = "MEMBER"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does a staff action: a staff user, or the system under a label saying which part."""

    kind: ActorKind
    staff_id: int | None = None
    label: str = ""

    @classmethod
    def staff(cls, staff_id: int) -> Actor:
        return cls(ActorKind.STAFF, staff_id=staff_id)

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(ActorKind.SYSTEM, label=label)

    @classmethod
    def member(cls) -> Actor:
        return cls(ActorKind.MEMBER, label="the member")

    @property
    def tag(self) -> str:
        """ "staff:<id>", "member" or "system": how events name who acted."""
        if self.kind == ActorKind.STAFF:
            return f"staff:{self.staff_id}"
        return self.kind.value.lower()


SYSTEM = Actor.system("system")


def _plain(value: Any) -> Any:
    """`value` as JSON can hold it: times in UTC ISO 8601, decimals as exact strings."""
    if isinstance(value, datetime):
        # Aware from the database and the clock; a naive one is UTC already (SQLite's).
        return (
            (value if value.tzinfo is None else value.astimezone(UTC))
            .replace(tzinfo=UTC)
            .isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def snapshot(obj: Model, *, without: Iterable[str] = ()) -> dict[str, Any]:
    """The object's columns as JSON-safe values, secrets and bookkeeping left out."""
    left_out = SECRETS | UNTRACKED | set(without)
    return {
        name: _plain(getattr(obj, name))
        for name in obj._meta.fields_db_projection
        if name not in left_out
    }


def changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """What differs between two snapshots, as (before, after) holding only those keys; a
    creation (no before) or a removal (no after) keeps the other side whole."""
    if before is None or after is None:
        return (dict(before) if before else None, dict(after) if after else None)
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    # A key on one side only is context of that side (a restock's quantity), not a change.
    return (
        {key: before[key] for key in keys if key in before},
        {key: after[key] for key in keys if key in after},
    )


async def record(
    actor: Actor,
    action: AuditAction,
    *,
    program_id: int,
    target_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Write the entry, keeping only what changed. An update that changes nothing is not an
    action: nothing is written and None is answered."""
    old, new = changes(
        None if before is None else _plain(before), None if after is None else _plain(after)
    )
    if before is not None and after is not None and not new:
        return None
    return await AuditEntry.create(
        program_id=program_id,
        at=clock.now(),
        actor_kind=actor.kind.value,
        actor_staff_id=actor.staff_id,
        actor_label=actor.label[:100],
        action=action.value,
        target_type=action.target_type,
        target_id=target_id,
        before=old,
        after=new,
        request_id=request_ids.current(),
    )


def _program_of(obj: Model) -> int:
    # Every audited row belongs to a program; Model itself does not say so.
    return int(cast(Any, obj).program_id)


async def created(actor: Actor, action: AuditAction, obj: Model) -> None:
    """Record the creation of `obj` (a row with `program_id`), whole."""
    await record(actor, action, program_id=_program_of(obj), target_id=obj.pk, after=snapshot(obj))


async def changed(actor: Actor, action: AuditAction, obj: Model, before: Mapping[str, Any]) -> None:
    """Record what changed in `obj` since its `snapshot` `before`; nothing when nothing did."""
    await record(
        actor,
        action,
        program_id=_program_of(obj),
        target_id=obj.pk,
        before=before,
        after=snapshot(obj),
    )


def entries(
    program_id: int,
    *,
    action: AuditAction | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    staff_id: int | None = None,
) -> QuerySet[AuditEntry]:
    """The program's trail, filtered as asked; the caller orders and pages it."""
    query = AuditEntry.filter(program_id=program_id)
    if action is not None:
        query = query.filter(action=action.value)
    if target_type is not None:
        query = query.filter(target_type=target_type)
    if target_id is not None:
        query = query.filter(target_id=target_id)
    if staff_id is not None:
        query = query.filter(actor_staff_id=staff_id)
    return query
