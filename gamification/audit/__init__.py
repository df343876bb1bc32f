"""The audit trail: what staff (and the system on their behalf) did to a program, who did it and
when, with the values before and after. Written in the transaction of the change it describes, so
a change and its entry commit or vanish together; never deleted, not even when the member it
concerns is erased (entries hold ids and the program's own settings, no personal data).

Every service that carries out a staff action takes the `Actor` first and records through
`trail.record`; `trail.entries` reads the trail back, newest first.
"""

from gamification.audit.actions import AuditAction
from gamification.audit.trail import (
    SYSTEM,
    Actor,
    ActorKind,
    changed,
    changes,
    created,
    entries,
    record,
    snapshot,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "ActorKind",
    "AuditAction",
    "changed",
    "changes",
    "created",
    "entries",
    "record",
    "snapshot",
]
