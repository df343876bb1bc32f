"""GraphQL types of webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.activity.types import EventType
from api.enums import graphql_enum
from api.errors import UserError
from api.pagination import AFTER, FIRST, Connection, paginate
from gamification.webhooks import models as webhooks_models

WebhookStatus = graphql_enum(
    webhooks_models.WebhookStatus,
    "WebhookDeliveryStatus",
    "Where a webhook delivery stands.",
    {
        "PENDING": "Not delivered yet: it is retried with backoff.",
        "DELIVERED": "The endpoint answered 2xx.",
        "FAILED": "Every attempt failed: staff may replay it (replayWebhookDelivery).",
    },
)


@strawberry.type(description="One event sent (or to be sent) to one webhook endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="The delivery's id (for replayWebhookDelivery).",
    )
    event_id: strawberry.ID = strawberry.field(description="The event sent (the body's `id`).")
    status: WebhookStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    attempts: int = strawberry.field(description="HTTP attempts made so far.")
    replays: int = strawberry.field(description="How often staff replayed it after it failed.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due; null when none is.",
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the endpoint accepted it; null until then.",
    )
    created_at: datetime = strawberry.field(
        description="When the event was queued for this endpoint (ISO-8601, UTC).",
    )

    @classmethod
    def from_model(cls, delivery: webhooks_models.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(delivery.id)),
            event_id=strawberry.ID(str(delivery.event_id)),
            status=delivery.status,
            attempts=delivery.attempts,
            replays=delivery.replays,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


@strawberry.type(
    description="An endpoint of the brand's systems that receives events as signed POSTs "
    "(header Loyalty-Signature, HMAC-SHA256 of the body under its secret).",
)
class Webhook:
    model: strawberry.Private[webhooks_models.Webhook]

    @strawberry.field(description="The webhook's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="Where events are POSTed.")
    def url(self) -> str:
        return self.model.url

    @strawberry.field(description="The event types it receives.")
    def event_types(self) -> list[EventType]:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return list(self.model.event_types)

    @strawberry.field(description="When it was registered (ISO-8601, UTC).")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(
        description="When it was archived (it then receives nothing); null while active.",
    )
    def archived_at(self) -> datetime | None:
        return self.model.archived_at

    @strawberry.field(description="Its deliveries, newest first.")
    async def deliveries(
        self,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[WebhookDelivery]:
        return await paginate(
            webhooks_models.WebhookDelivery.filter(webhook_id=self.model.id),
            WebhookDelivery.from_model,
            first,
            after,
        )

    @classmethod
    def from_model(cls, webhook: webhooks_models.Webhook) -> Webhook:
        return cls(model=webhook)


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookInput:
    url: str = strawberry.field(
        description="An http(s) URL of at most 500 characters; private addresses are refused "
        "in production (INVALID_URL).",
    )
    event_types: list[EventType] = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="One or more event types to receive (INVALID_EVENT_TYPE when empty).",
    )
    secret: str | None = strawberry.field(
        default=None, description="16-200 characters; generated when not given."
    )


@strawberry.type(description="The new webhook and its secret.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(
        default=None,
        description="The webhook; null when refused.",
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret. Shown this once: keep it to verify signatures.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(description="The webhook to archive.")
class ArchiveWebhookInput:
    webhook_id: strawberry.ID = strawberry.field(description="The webhook's id.")


@strawberry.type(description="The archived webhook, or why not.")
class ArchiveWebhookPayload:
    webhook: Webhook | None = strawberry.field(
        default=None,
        description="The webhook; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(description="The delivery to send again.")
class ReplayWebhookDeliveryInput:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery's id.")


@strawberry.type(description="The delivery, PENDING again, or why not.")
class ReplayWebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        default=None,
        description="The delivery; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )
