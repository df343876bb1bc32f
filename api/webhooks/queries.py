"""Webhook queries (ADMIN)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.permissions import staff_only
from api.webhooks.types import Webhook
from gamification.accounts.models import StaffRole
from gamification.webhooks.models import Webhook as WebhookModel


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        extensions=staff_only(StaffRole.ADMIN),
        description="The program's webhooks, newest first, archived ones included. Staff, "
        "ADMIN role.",
    )
    async def webhooks(self, info: Info) -> list[Webhook]:
        rows = await WebhookModel.filter(program_id=info.context.program_id).order_by("-id")
        return [Webhook.from_model(w) for w in rows]
