"""Webhook delivery jobs: one job per delivery (job id derived from it), retried with backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import structlog
from arq import Retry

from core.settings import Settings, get_settings
from gamification.webhooks import destinations, webhooks
from gamification.webhooks.models import WebhookStatus

log = structlog.get_logger("workers.webhooks")


def _settings(ctx: dict[str, Any]) -> Settings:
    return ctx.get("settings") or get_settings()


async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    """Attempt one delivery; on failure arq runs this same job again after the backoff."""
    settings = _settings(ctx)
    client: httpx.AsyncClient | None = ctx.get("http")
    owned = client is None
    if client is None:
        client = destinations.delivery_client(
            settings.webhook_timeout_seconds, settings.webhook_private_destinations
        )
    try:
        status, retry_in = await webhooks.attempt_delivery(
            delivery_id,
            client=client,
            max_attempts=settings.webhook_max_attempts,
            retry_base_seconds=settings.webhook_retry_base_seconds,
        )
    finally:
        if owned:
            await client.aclose()
    if status == WebhookStatus.PENDING and retry_in is not None:
        raise Retry(defer=retry_in)
    return status.value


async def requeue_lost_webhook_deliveries(ctx: dict[str, Any]) -> int:
    """Cron: enqueue again pending deliveries long overdue (their job was lost). Idempotent: the
    job id is the delivery's, and a delivery already settled is skipped by the job."""
    requeued = 0
    for delivery_id, replays in await webhooks.lost_deliveries(older_than=timedelta(minutes=10)):
        requeued += await webhooks.enqueue_delivery(ctx["redis"], delivery_id, replays)
    if requeued:
        log.info("webhook deliveries requeued", count=requeued)
    return requeued
