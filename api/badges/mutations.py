"""Staff mutations on badge definitions."""

from __future__ import annotations

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
    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(CreateBadgePayload)
    async def create_badge(self, info: Info, input: CreateBadgeInput) -> CreateBadgePayload:
        badge = await definitions.create_badge(
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
            ),
            event_type=input.event_type,
            sku=input.sku,
            category=input.category,
        )
        return CreateBadgePayload(badge=Badge.from_model(badge))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(UpdateBadgePayload)
    async def update_badge(self, info: Info, input: UpdateBadgeInput) -> UpdateBadgePayload:
        badge = await definitions.update_badge(
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
            ),
        )
        return UpdateBadgePayload(badge=Badge.from_model(badge))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(ArchiveBadgePayload)
    async def archive_badge(self, info: Info, input: ArchiveBadgeInput) -> ArchiveBadgePayload:
        badge = await definitions.archive_badge(
            info.context.program_id, parse_id(input.badge_id, "badgeId")
        )
        return ArchiveBadgePayload(badge=Badge.from_model(badge))
