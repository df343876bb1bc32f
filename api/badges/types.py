"""GraphQL types of badges."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.activity.types import EventType
from api.errors import UserError
from badges import criteria as kinds
from badges import models

BadgeCriteria = strawberry.enum(models.BadgeCriteria, name="BadgeCriteria")


def _units(criteria: models.BadgeCriteria, value: int) -> Decimal:
    unit = kinds.scale(criteria)
    return (Decimal(value) / unit).quantize(Decimal("0.01")) if unit != 1 else Decimal(value)


@strawberry.type
class BadgeProgress:
    value: Decimal
    level: int
    next_threshold: Decimal | None


@strawberry.type
class Badge:
    model: strawberry.Private[models.Badge]
    progress: strawberry.Private[models.BadgeProgress | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field
    def icon_url(self) -> str:
        return self.model.icon_url

    @strawberry.field
    def criteria(self) -> BadgeCriteria:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.criteria

    @strawberry.field
    def event_type(self) -> EventType | None:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.params.get("event_type")

    @strawberry.field
    def sku(self) -> str | None:
        return self.model.params.get("sku")

    @strawberry.field
    def category(self) -> str | None:
        return self.model.params.get("category")

    @strawberry.field(description="One threshold per level (bronze, silver, gold).")
    def thresholds(self) -> list[Decimal]:
        return [_units(self.model.criteria, t) for t in self.model.thresholds]

    @strawberry.field(description="Points granted at each level awarded.")
    def points(self) -> int:
        return self.model.points

    @strawberry.field
    def hidden(self) -> bool:
        return self.model.hidden

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return self.model.starts_at

    @strawberry.field
    def ends_at(self) -> datetime | None:
        return self.model.ends_at

    @strawberry.field
    def archived(self) -> bool:
        return self.model.archived_at is not None

    @strawberry.field(description="The calling member's progress (null for staff).")
    def my_progress(self) -> BadgeProgress | None:
        if self.progress is None:
            return None
        value, level = self.progress.value, self.progress.level
        pending = [t for t in self.model.thresholds[level:] if t > value]
        return BadgeProgress(
            value=_units(self.model.criteria, value),
            level=level,
            next_threshold=_units(self.model.criteria, pending[0]) if pending else None,
        )

    @classmethod
    def from_model(cls, badge: models.Badge, progress: models.BadgeProgress | None = None) -> Badge:
        return cls(model=badge, progress=progress)


@strawberry.type
class MemberBadge:
    badge: Badge
    level: int
    awarded_at: datetime


@strawberry.input
class CreateBadgeInput:
    name: str
    criteria: BadgeCriteria  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    thresholds: list[Decimal] = strawberry.field(
        default_factory=list,
        description="1 to 3 increasing values, one per level; not needed for MANUAL.",
    )
    description: str = ""
    icon_url: str = ""
    event_type: EventType | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None, description="For EVENT_COUNT and WEEKLY_STREAK."
    )
    sku: str | None = None
    category: str | None = None
    points: int = 0
    hidden: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@strawberry.input
class UpdateBadgeInput:
    badge_id: strawberry.ID
    name: str | None = None
    description: str | None = None
    icon_url: str | None = None
    thresholds: list[Decimal] | None = None
    points: int | None = None
    hidden: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@strawberry.input
class ArchiveBadgeInput:
    badge_id: strawberry.ID


@strawberry.type
class BadgePayload:
    badge: Badge | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateBadgePayload(BadgePayload):
    pass


@strawberry.type
class UpdateBadgePayload(BadgePayload):
    pass


@strawberry.type
class ArchiveBadgePayload(BadgePayload):
    pass
