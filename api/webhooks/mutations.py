"""Webhook mutations (ADMIN)."""

from __future__ import annotations

from typing import Annotated

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
    ReplayWebhookDeliveryInput,
    ReplayWebhookDeliveryPayload,
    Webhook,
    WebhookDelivery,
)
from gamification.accounts.models import StaffRole
from gamification.webhooks import webhooks


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Register an endpoint to receive events; the signing secret is in the "
        "answer, once. Staff, ADMIN role. Codes: INVALID_URL, INVALID_EVENT_TYPE, "
        "INVALID_INPUT (secret).",
    )
    @returns_user_errors(CreateWebhookPayload)
    async def create_webhook(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookInput,
            strawberry.argument(description="The URL, the event types and maybe a secret."),
        ],
    ) -> CreateWebhookPayload:
        webhook, secret = await webhooks.create_webhook(
            info.context.actor,
            info.context.program_id,
            input.url,
            input.event_types,
            input.secret,
            allow_private=info.context.services.settings.webhook_private_destinations,
        )
        return CreateWebhookPayload(webhook=Webhook.from_model(webhook), secret=secret)

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Stop sending events to an endpoint. Staff, ADMIN role. Codes: NOT_FOUND, "
        "ALREADY_ARCHIVED.",
    )
    @returns_user_errors(ArchiveWebhookPayload)
    async def archive_webhook(
        self,
        info: Info,
        input: Annotated[ArchiveWebhookInput, strawberry.argument(description="Which webhook.")],
    ) -> ArchiveWebhookPayload:
        webhook = await webhooks.archive_webhook(
            info.context.actor, info.context.program_id, parse_id(input.webhook_id, "webhookId")
        )
        return ArchiveWebhookPayload(webhook=Webhook.from_model(webhook))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Send a FAILED delivery again: a fresh round of attempts. Staff, ADMIN role. "
        "Codes: NOT_FOUND, DELIVERY_NOT_FAILED, ALREADY_ARCHIVED (its webhook is archived).",
    )
    @returns_user_errors(ReplayWebhookDeliveryPayload)
    async def replay_webhook_delivery(
        self,
        info: Info,
        input: Annotated[
            ReplayWebhookDeliveryInput, strawberry.argument(description="Which delivery.")
        ],
    ) -> ReplayWebhookDeliveryPayload:
        delivery = await webhooks.replay_delivery(
            info.context.actor,
            info.context.request.app.state.arq,
            info.context.program_id,
            parse_id(input.delivery_id, "deliveryId"),
        )
        return ReplayWebhookDeliveryPayload(delivery=WebhookDelivery.from_model(delivery))
