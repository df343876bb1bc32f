"""Webhook mutations (ADMIN)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from api.webhooks.types import (
    ArchiveWebhookInput,
    ArchiveWebhookPayload,
    CreateWebhookInput,
    CreateWebhookPayload,
    Webhook,
)
from gamification import webhooks
from gamification.models import StaffRole


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(extensions=staff_only(StaffRole.ADMIN))
    @returns_user_errors(CreateWebhookPayload)
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
        webhook, secret = await webhooks.create_webhook(
            info.context.program_id,
            input.url,
            input.event_types,
            input.secret,
            allow_private=info.context.services.settings.webhook_private_destinations,
        )
        return CreateWebhookPayload(webhook=Webhook.from_model(webhook), secret=secret)

    @strawberry.mutation(extensions=staff_only(StaffRole.ADMIN))
    @returns_user_errors(ArchiveWebhookPayload)
    async def archive_webhook(
        self, info: Info, input: ArchiveWebhookInput
    ) -> ArchiveWebhookPayload:
        webhook = await webhooks.archive_webhook(
            info.context.program_id, parse_id(input.webhook_id, "webhookId")
        )
        return ArchiveWebhookPayload(webhook=Webhook.from_model(webhook))
