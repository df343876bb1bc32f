"""Staff mutations on badge definitions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.badges.types import (
    ArchiveBadgeInput,
    ArchiveBadgePayload,
    Badge,
    CreateBadgeInput,
    CreateBadgePayload,
    UpdateBadgeInput,
    UpdateBadgePayload,
)
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from badges import definitions
from gamification.accounts.models import StaffRole


@strawberry.type
class BadgeMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Define a badge. Staff, MANAGER role or higher. Codes: INVALID_INPUT, "
        "INVALID_CRITERIA (thresholds, sku/category), INVALID_EVENT_TYPE (EVENT_COUNT without "
        "eventType), INVALID_URL, INVALID_WINDOW.",
    )
    @returns_user_errors(CreateBadgePayload)
    async def create_badge(
        self,
        info: Info,
        input: Annotated[
            CreateBadgeInput, strawberry.argument(description="The badge's definition.")
        ],
    ) -> CreateBadgePayload:
        badge = await definitions.create_badge(
            info.context.actor,
            info.context.program_id,
            input.criteria,
            definitions.BadgeFields(
                name=input.name,
                description=input.description,
                icon_url=input.icon_url,
                thresholds=input.thresholds,
                points=input.points,
                hidden=input.hidden,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                translations=input.translations,
            ),
            event_type=input.event_type,
            sku=input.sku,
            category=input.category,
            action=input.action,
        )
        return CreateBadgePayload(badge=Badge.from_model(badge))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change a badge's presentation, thresholds, points, visibility or window. "
        "Staff, MANAGER role or higher. Codes: NOT_FOUND, ALREADY_ARCHIVED, INVALID_INPUT, "
        "INVALID_CRITERIA, INVALID_URL, INVALID_WINDOW.",
    )
    @returns_user_errors(UpdateBadgePayload)
    async def update_badge(
        self,
        info: Info,
        input: Annotated[
            UpdateBadgeInput, strawberry.argument(description="The badge and what changes.")
        ],
    ) -> UpdateBadgePayload:
        badge = await definitions.update_badge(
            info.context.actor,
            info.context.program_id,
            parse_id(input.badge_id, "badgeId"),
            definitions.BadgeFields(
                name=input.name,
                description=input.description,
                icon_url=input.icon_url,
                thresholds=input.thresholds,
                points=input.points,
                hidden=input.hidden,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                translations=input.translations,
            ),
        )
        return UpdateBadgePayload(badge=Badge.from_model(badge))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Stop a badge: no new progress or awards; earned levels stay. Staff, "
        "MANAGER role or higher. Codes: NOT_FOUND, ALREADY_ARCHIVED.",
    )
    @returns_user_errors(ArchiveBadgePayload)
    async def archive_badge(
        self,
        info: Info,
        input: Annotated[ArchiveBadgeInput, strawberry.argument(description="Which badge.")],
    ) -> ArchiveBadgePayload:
        badge = await definitions.archive_badge(
            info.context.actor, info.context.program_id, parse_id(input.badge_id, "badgeId")
        )
        return ArchiveBadgePayload(badge=Badge.from_model(badge))
