"""GraphQL types of badges."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.activity.types import EventType
from api.context import Info
from api.enums import graphql_enum
from api.errors import UserError
from api.languages import (
    TRANSLATIONS,
    TRANSLATIONS_READ,
    Translation,
    TranslationInput,
    text_of,
    translations_of_row,
)
from badges import criteria as kinds
from badges import models

BadgeCriteria = graphql_enum(
    models.BadgeCriteria,
    "BadgeCriteria",
    "What a badge counts; its thresholds are in this kind's unit. Fixed at creation.",
    {
        "EVENT_COUNT": "Events of one type (`eventType`, required): thresholds are counts.",
        "SPEND": "Money spent on purchases (totals): thresholds are amounts in the program's "
        "currency, up to 2 decimals.",
        "POINTS_EARNED": "Points credited by purchases, bonuses and prizes (not staff "
        "adjustments or refunds of redemptions): thresholds are points.",
        "PRODUCT_QUANTITY": "Units bought of one SKU or one category (give `sku` or `category`, "
        "not both): thresholds are quantities.",
        "WEEKLY_STREAK": "Consecutive ISO weeks (Monday to Sunday, UTC) with an event of "
        "`eventType` (default PURCHASE_RECORDED); a skipped week starts again at 1: thresholds "
        "are weeks.",
        "TIER_REACHED": "The highest tier rank reached: thresholds are tier ranks.",
        "CHALLENGES_COMPLETED": "Challenges completed: thresholds are counts.",
        "REFERRALS_QUALIFIED": "Referrals that qualified: thresholds are counts.",
        "MANUAL": "Never counted: awarded only as a challenge's reward (no thresholds).",
    },
)


def _units(criteria: models.BadgeCriteria, value: int) -> Decimal:
    unit = kinds.scale(criteria)
    return (Decimal(value) / unit).quantize(Decimal("0.01")) if unit != 1 else Decimal(value)


@strawberry.type(description="A member's progress toward a badge.")
class BadgeProgress:
    value: Decimal = strawberry.field(
        description="Progress so far, in the criteria's unit (money as a decimal, else a whole "
        "number).",
    )
    level: int = strawberry.field(
        description="Levels earned: 0 (none) to the number of thresholds (1 bronze, 2 silver, "
        "3 gold).",
    )
    next_threshold: Decimal | None = strawberry.field(
        description="The value the next level needs; null once every level is earned.",
    )


@strawberry.type(
    description="An achievement members earn once per level (up to 3: bronze, silver, gold) "
    "when their progress reaches each threshold.",
)
class Badge:
    model: strawberry.Private[models.Badge]
    progress: strawberry.Private[models.BadgeProgress | None] = None

    @strawberry.field(description="The badge's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="1 to 80 characters, in the caller's language.")
    async def name(self, info: Info) -> str:
        return await text_of(info, self.model, "name")

    @strawberry.field(description="At most 500 characters, in the caller's language.")
    async def description(self, info: Info) -> str:
        return await text_of(info, self.model, "description")

    @strawberry.field(description=TRANSLATIONS_READ)
    def translations(self) -> list[Translation]:
        return translations_of_row(self.model)

    @strawberry.field(description="An http(s) image URL, or empty.")
    def icon_url(self) -> str:
        return self.model.icon_url

    @strawberry.field(description="What the badge counts.")
    def criteria(self) -> BadgeCriteria:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.criteria

    @strawberry.field(
        description="The event type counted, for EVENT_COUNT and WEEKLY_STREAK; null for other "
        "kinds.",
    )
    def event_type(self) -> EventType | None:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.params.get("event_type")

    @strawberry.field(
        description="The action type counted (its code), for EVENT_COUNT of ACTION_RECORDED "
        "limited to one action; else null."
    )
    def action(self) -> str | None:
        return self.model.params.get("action")

    @strawberry.field(description="The SKU counted, for PRODUCT_QUANTITY by SKU; else null.")
    def sku(self) -> str | None:
        return self.model.params.get("sku")

    @strawberry.field(
        description="The category counted, for PRODUCT_QUANTITY by category; else null.",
    )
    def category(self) -> str | None:
        return self.model.params.get("category")

    @strawberry.field(description="One threshold per level (bronze, silver, gold).")
    def thresholds(self) -> list[Decimal]:
        return [_units(self.model.criteria, t) for t in self.model.thresholds]

    @strawberry.field(description="Points granted at each level awarded.")
    def points(self) -> int:
        return self.model.points

    @strawberry.field(description="Shown to members only once they earn it.")
    def hidden(self) -> bool:
        return self.model.hidden

    @strawberry.field(description="Events before this time do not count (null: no start).")
    def starts_at(self) -> datetime | None:
        return self.model.starts_at

    @strawberry.field(description="Events from this time on do not count (null: no end).")
    def ends_at(self) -> datetime | None:
        return self.model.ends_at

    @strawberry.field(
        description="Archived badges count nothing more; earned ones stay on members' profiles.",
    )
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


@strawberry.type(description="A badge level a member earned.")
class MemberBadge:
    badge: Badge = strawberry.field(description="The badge.")
    level: int = strawberry.field(description="The level earned: 1 bronze, 2 silver, 3 gold.")
    awarded_at: datetime = strawberry.field(description="When it was earned (ISO-8601, UTC).")


@strawberry.input(
    description="A new badge definition. Which fields a criteria kind uses: EVENT_COUNT and "
    "WEEKLY_STREAK eventType; PRODUCT_QUANTITY sku or category; MANUAL no thresholds; every "
    "other kind thresholds only.",
)
class CreateBadgeInput:
    name: str = strawberry.field(description="1 to 80 characters (INVALID_INPUT).")
    criteria: BadgeCriteria = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="What the badge counts; it cannot change later.",
    )
    thresholds: list[Decimal] = strawberry.field(
        default_factory=list,
        description="1 to 3 increasing values, one per level, in the criteria's unit (money "
        "with up to 2 decimals, else whole numbers); not needed for MANUAL (INVALID_CRITERIA).",
    )
    description: str = strawberry.field(default="", description="At most 500 characters.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    icon_url: str = strawberry.field(
        default="",
        description="An http(s) URL up to 500 characters, or empty (INVALID_URL).",
    )
    event_type: EventType | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None,
        description="For EVENT_COUNT (required) and WEEKLY_STREAK (default PURCHASE_RECORDED): "
        "the event type counted.",
    )
    action: str | None = strawberry.field(
        default=None,
        description="For EVENT_COUNT of ACTION_RECORDED: count only this action type (its "
        'code), as in "5 reviews"; else INVALID_CRITERIA.',
    )
    sku: str | None = strawberry.field(
        default=None,
        description="For PRODUCT_QUANTITY: the SKU counted (up to 64 characters), or give "
        "category.",
    )
    category: str | None = strawberry.field(
        default=None,
        description="For PRODUCT_QUANTITY: the category counted (up to 64 characters), or give "
        "sku.",
    )
    points: int = strawberry.field(
        default=0,
        description="Points granted at each level awarded: 0 or more.",
    )
    hidden: bool = strawberry.field(
        default=False,
        description="Shown to members only once earned (default false).",
    )
    starts_at: datetime | None = strawberry.field(
        default=None,
        description="Optional: only events from this time count (ISO-8601 with a zone).",
    )
    ends_at: datetime | None = strawberry.field(
        default=None,
        description="Optional: only events before this time count; after startsAt "
        "(INVALID_WINDOW).",
    )


@strawberry.input(
    description="Changes to a badge; fields left out or null stay as they are. The criteria "
    "kind cannot change; levels already earned stay earned.",
)
class UpdateBadgeInput:
    badge_id: strawberry.ID = strawberry.field(description="The badge to change.")
    name: str | None = strawberry.field(default=None, description="1 to 80 characters.")
    description: str | None = strawberry.field(default=None, description="At most 500 characters.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    icon_url: str | None = strawberry.field(default=None, description="An http(s) URL, or empty.")
    thresholds: list[Decimal] | None = strawberry.field(
        default=None,
        description="1 to 3 increasing values in the criteria's unit.",
    )
    points: int | None = strawberry.field(
        default=None,
        description="Points granted at each level from now on.",
    )
    hidden: bool | None = strawberry.field(default=None, description="Shown only once earned.")
    starts_at: datetime | None = strawberry.field(
        default=None,
        description="Only events from this time count.",
    )
    ends_at: datetime | None = strawberry.field(
        default=None,
        description="Only events before this time count.",
    )


@strawberry.input(description="The badge to archive.")
class ArchiveBadgeInput:
    badge_id: strawberry.ID = strawberry.field(description="The badge's id.")


@strawberry.type(description="The badge a mutation made or changed, or why not.")
class BadgePayload:
    badge: Badge | None = strawberry.field(
        default=None,
        description="The badge; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.type(description="The new badge, or why not.")
class CreateBadgePayload(BadgePayload):
    pass


@strawberry.type(description="The changed badge, or why not.")
class UpdateBadgePayload(BadgePayload):
    pass


@strawberry.type(description="The archived badge, or why not.")
class ArchiveBadgePayload(BadgePayload):
    pass
