"""GraphQL types of webhooks."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.activity.types import EventType
from api.errors import UserError
from api.pagination import Connection, paginate
from gamification.webhooks import models as webhooks_models

WebhookStatus = strawberry.enum(webhooks_models.WebhookStatus, name="WebhookDeliveryStatus")


@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    event_id: strawberry.ID
    status: WebhookStatus  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    attempts: int
    replays: int = strawberry.field(description="How often staff replayed it after it failed.")
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

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


@strawberry.type
class Webhook:
    model: strawberry.Private[webhooks_models.Webhook]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def url(self) -> str:
        return self.model.url

    @strawberry.field
    def event_types(self) -> list[EventType]:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return list(self.model.event_types)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def archived_at(self) -> datetime | None:
        return self.model.archived_at

    @strawberry.field
    async def deliveries(
        self, first: int | None = None, after: str | None = None
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


@strawberry.input
class CreateWebhookInput:
    url: str
    event_types: list[EventType]  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    secret: str | None = strawberry.field(
        default=None, description="16-200 characters; generated when not given."
    )


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret. Shown this once: keep it to verify signatures.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ArchiveWebhookInput:
    webhook_id: strawberry.ID


@strawberry.type
class ArchiveWebhookPayload:
    webhook: Webhook | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ReplayWebhookDeliveryInput:
    delivery_id: strawberry.ID


@strawberry.type
class ReplayWebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
