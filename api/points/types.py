"""GraphQL types of the points ledger."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.errors import UserError
from gamification.points import models as points_models

LedgerKind = strawberry.enum(points_models.LedgerKind, name="LedgerKind")


@strawberry.type
class LedgerEntry:
    id: strawberry.ID
    delta: int
    kind: LedgerKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    reason: str
    reference: str | None
    created_at: datetime
    expires_at: datetime | None
    remaining: int | None

    @classmethod
    def from_model(cls, entry: points_models.LedgerEntry) -> LedgerEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            delta=entry.delta,
            kind=entry.kind,
            reason=entry.reason,
            reference=entry.reference,
            created_at=entry.created_at,
            expires_at=entry.expires_at,
            remaining=entry.remaining,
        )


@strawberry.type
class ExpiringPoints:
    points: int
    expires_at: datetime


@strawberry.input
class AdjustPointsInput:
    member_id: strawberry.ID
    delta: int
    reason: str
    idempotency_key: str


@strawberry.type
class AdjustPointsPayload:
    entry: LedgerEntry | None = None
    member_id: strawberry.ID | None = None
    points_balance: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
