"""The member's activity feed."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from gamification.events.models import Event
from gamification.reporting import activity


@strawberry.type
class ActivityItem:
    id: strawberry.ID
    type: str
    text: str = strawberry.field(description="A sentence to show the member.")
    occurred_at: datetime
    data: JSON

    @classmethod
    def from_model(cls, event: Event) -> ActivityItem:
        return cls(
            id=strawberry.ID(str(event.id)),
            type=event.type,
            text=activity.describe(event),
            occurred_at=event.occurred_at,
            data=event.data,
        )
