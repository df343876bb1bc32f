"""Signed webhooks: staff register endpoints; every event of a type they chose is delivered to
them at least once, as JSON signed like Stripe does, with retries and exponential backoff.

- Fan-out is an event handler: it writes one `WebhookDelivery` per (endpoint, event), unique, in
  the handler's transaction, then enqueues one arq job per delivery whose job id is derived from
  the delivery, so it is queued once.
- The job POSTs the body with `Loyalty-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<body>" under the endpoint's secret>` and records each attempt. A non-2xx answer or a
  network error is retried after base x 2^(n-1) seconds, up to `webhook_max_attempts`.
- A cron scan re-enqueues pending deliveries whose job Redis may have lost.
- The body carries the event id: receivers deduplicate on it (at least once means maybe twice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import structlog
from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from core import metrics, request_ids
from core.bulk import column
from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from gamification import events
from gamification.audit import Actor, AuditAction, trail
from gamification.events import EventType, caches
from gamification.events.error_codes import EventErrorCode
from gamification.events.models import Event
from gamification.webhooks.destinations import private_destination, private_host
from gamification.webhooks.error_codes import WebhookErrorCode
from gamification.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus

log = structlog.get_logger("gamification.webhooks")

SIGNATURE_HEADER = "Loyalty-Signature"
EVENT_ID_HEADER = "Loyalty-Event-Id"
DELIVER_JOB = "deliver_webhook"
MAX_URL = 500
MIN_SECRET = 16
MAX_BACKOFF_SECONDS = 3600.0


def delivery_job_id(delivery_id: int, replays: int = 0) -> str:
    """One job per delivery and round of attempts: arq keeps a finished job's id for a while,
    and a replayed delivery must not wait for the first round's to lapse."""
    return f"webhook-delivery:{delivery_id}" + (f":replay-{replays}" if replays else "")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _clean_url(url: str, allow_private: bool) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            ErrorCode.INVALID_URL, "A webhook URL is an http(s) URL up to 500 characters.", "url"
        )
    if not allow_private and private_host(parts.hostname):
        raise private_destination()
    return url


def _clean_event_types(event_types: list[str]) -> list[str]:
    known = {t.value for t in EventType}
    cleaned = sorted({t.strip().upper() for t in event_types})
    if not cleaned or any(t not in known for t in cleaned):
        raise ValidationFailed(
            EventErrorCode.INVALID_EVENT_TYPE, "Give one or more known event types.", "eventTypes"
        )
    return cleaned


async def create_webhook(
    actor: Actor,
    program_id: int,
    url: str,
    event_types: list[str],
    secret: str | None = None,
    *,
    allow_private: bool = False,
) -> tuple[Webhook, str]:
    """Register an endpoint. Returns it and its secret (generated unless given), shown once."""
    url = _clean_url(url, allow_private)
    types = _clean_event_types(event_types)
    if secret is None:
        secret = "whsec_" + secrets.token_urlsafe(32)
    elif not MIN_SECRET <= len(secret) <= 200:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A secret has 16 to 200 characters.", "secret"
        )
    async with in_transaction():
        webhook = await Webhook.create(
            program_id=program_id,
            url=url,
            secret=secret,
            event_types=types,
            created_at=clock.now(),
        )
        await trail.created(actor, AuditAction.WEBHOOK_CREATED, webhook)
    caches.changed(subscribed, program_id)
    return webhook, secret


async def archive_webhook(actor: Actor, program_id: int, webhook_id: int) -> Webhook:
    webhook = await Webhook.get_or_none(id=webhook_id, program_id=program_id)
    if webhook is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such webhook.", "webhookId")
    if webhook.archived_at is not None:
        raise Refused(ErrorCode.ALREADY_ARCHIVED, "This webhook is archived.", "webhookId")
    now = clock.now()
    async with in_transaction():
        if await Webhook.filter(id=webhook.id, archived_at__isnull=True).update(archived_at=now):
            await trail.record(
                actor,
                AuditAction.WEBHOOK_ARCHIVED,
                program_id=program_id,
                target_id=webhook.id,
                before={"archived_at": None},
                after={"archived_at": now},
            )
    webhook.archived_at = now
    caches.changed(subscribed, program_id)
    return webhook


def event_body(event: Event) -> bytes:
    body = {
        "id": event.id,
        "type": event.type,
        "programId": event.program_id,
        "memberId": event.member_id,
        "occurredAt": event.occurred_at.isoformat(),
        # The stored data as it is: receivers see the keys and formats of the payload classes'
        # JSON (gamification.events.payloads), whichever version wrote or reads the row.
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode()


async def _subscribed_types(program_id: int) -> set[str]:
    rows = await column(
        Webhook.filter(program_id=program_id, archived_at__isnull=True), "event_types"
    )
    return {t for types in rows for t in (types or ())}


# Event types some active endpoint of the program wants (staleness: see
# gamification.events.caches).
subscribed = caches.ProgramTypes(_subscribed_types)


async def wants(
    program_id: int, event_type: str, member_id: int | None, payload: events.Payload
) -> bool:
    return await subscribed.wants(program_id, event_type)


async def fan_out(event: Event, queue: ArqRedis | None) -> None:
    """One delivery per active endpoint that wants this type, queued on `queue` after the
    commit (without one, the deliveries are still written and the scan queues them)."""
    endpoints = await Webhook.filter(program_id=event.program_id, archived_at__isnull=True)
    wanted = [w for w in endpoints if event.type in w.event_types]
    if not wanted:
        return
    now = clock.now()
    created: list[int] = []
    for webhook in wanted:
        delivery = await WebhookDelivery.create(
            webhook_id=webhook.id, event_id=event.id, next_attempt_at=now, created_at=now
        )
        created.append(delivery.id)

    async def enqueue() -> None:
        for delivery_id in created:
            await enqueue_delivery(queue, delivery_id)

    events.after_commit(enqueue)


async def enqueue_delivery(queue: ArqRedis | None, delivery_id: int, replays: int = 0) -> bool:
    """Queue the delivery's job; False without a queue or when that job is already queued."""
    if queue is None:
        return False
    job = await queue.enqueue_job(
        DELIVER_JOB,
        delivery_id,
        _job_id=delivery_job_id(delivery_id, replays),
        request_id=request_ids.current(),
    )
    return job is not None


def backoff_seconds(base: float, attempt: int) -> float:
    return min(base * 2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS)


async def attempt_delivery(
    delivery_id: int,
    *,
    client: httpx.AsyncClient,
    max_attempts: int,
    retry_base_seconds: float,
) -> tuple[WebhookStatus, float | None]:
    """One attempt of one delivery, sent with `client` (`destinations.delivery_client`,
    which refuses private destinations at connection time). Returns its status and, when it must
    be tried again, after how many seconds. Safe to call for a delivery already settled (does
    nothing)."""
    delivery = await WebhookDelivery.get_or_none(id=delivery_id)
    if delivery is None or delivery.status != WebhookStatus.PENDING:
        return (delivery.status if delivery else WebhookStatus.FAILED), None
    number = delivery.attempts + 1
    of_round = number - delivery.attempts_before_replay  # a replay starts a fresh round
    # Claim the attempt number: two runs of the same job never both send attempt n.
    if not await WebhookDelivery.filter(id=delivery.id, attempts=delivery.attempts).update(
        attempts=number
    ):
        return WebhookStatus.PENDING, None
    webhook = await Webhook.get(id=delivery.webhook_id)
    event = await Event.get(id=delivery.event_id)
    body = event_body(event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
        EVENT_ID_HEADER: str(event.id),
        "User-Agent": "loyalty-webhooks/1",
    }
    # The request (or the job run) that set this delivery off, for the receiver's logs and ours.
    if (request_id := request_ids.current()) is not None:
        headers[request_ids.HEADER] = request_id
    started = time.perf_counter()
    status_code: int | None = None
    error = ""
    try:
        # A private destination is a failed connection, recorded and retried like any other: a
        # name may point elsewhere later.
        response = await client.post(webhook.url, content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as problem:
        error = f"{problem.__class__.__name__}: {problem}"[:300]
    duration_ms = int((time.perf_counter() - started) * 1000)
    now = clock.now()
    await WebhookAttempt.create(
        delivery_id=delivery.id,
        number=number,
        attempted_at=now,
        status_code=status_code,
        error=error,
        duration_ms=duration_ms,
    )
    if not error:
        await WebhookDelivery.filter(id=delivery.id).update(
            status=WebhookStatus.DELIVERED, delivered_at=now, next_attempt_at=None
        )
        return WebhookStatus.DELIVERED, None
    if of_round >= max_attempts:
        await WebhookDelivery.filter(id=delivery.id).update(
            status=WebhookStatus.FAILED, next_attempt_at=None
        )
        metrics.webhook_failures.labels("failed").inc()
        log.warning("webhook delivery failed for good", delivery=delivery.id, error=error)
        return WebhookStatus.FAILED, None
    metrics.webhook_failures.labels("retrying").inc()
    wait = backoff_seconds(retry_base_seconds, of_round)
    await WebhookDelivery.filter(id=delivery.id).update(
        next_attempt_at=now + timedelta(seconds=wait)
    )
    return WebhookStatus.PENDING, wait


async def lost_deliveries(older_than: timedelta, limit: int = 500) -> list[tuple[int, int]]:
    """Pending deliveries whose next attempt is long overdue (their job was probably lost), as
    (id, replays)."""
    return list(
        await WebhookDelivery.filter(
            status=WebhookStatus.PENDING, next_attempt_at__lte=clock.now() - older_than
        )
        .order_by("id")
        .limit(limit)
        .values_list("id", "replays")
    )


async def replay_delivery(
    actor: Actor, queue: ArqRedis | None, program_id: int, delivery_id: int
) -> WebhookDelivery:
    """Give a FAILED delivery a fresh round of attempts (a receiver back after an outage) and
    queue it. Only one of concurrent replays of the same delivery wins; the others are refused,
    as is a replay of a delivery that is pending or delivered, or of an archived webhook."""
    delivery = await WebhookDelivery.get_or_none(id=delivery_id, webhook__program_id=program_id)
    if delivery is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such delivery.", "deliveryId")
    webhook = await Webhook.get(id=delivery.webhook_id)
    if webhook.archived_at is not None:
        raise Refused(ErrorCode.ALREADY_ARCHIVED, "This webhook is archived.", "deliveryId")
    fresh_round = {
        "status": WebhookStatus.PENDING,
        "replays": delivery.replays + 1,
        "attempts_before_replay": delivery.attempts,
        "next_attempt_at": clock.now(),
    }
    # Conditional on the row as read, so that what is set below is what the database holds.
    async with in_transaction():
        if not await WebhookDelivery.filter(
            id=delivery.id,
            status=WebhookStatus.FAILED,
            replays=delivery.replays,
            attempts=delivery.attempts,
        ).update(**fresh_round):
            raise Refused(
                WebhookErrorCode.DELIVERY_NOT_FAILED,
                "Only a failed delivery can be replayed.",
                "deliveryId",
            )
        await trail.record(
            actor,
            AuditAction.WEBHOOK_DELIVERY_REPLAYED,
            program_id=program_id,
            target_id=webhook.id,
            before={"delivery_id": delivery.id, "status": delivery.status},
            after={
                "delivery_id": delivery.id,
                "status": WebhookStatus.PENDING,
                "replays": delivery.replays + 1,
            },
        )
    for name, value in fresh_round.items():
        setattr(delivery, name, value)
    # Should Redis be away, the scan of lost deliveries queues it within minutes.
    await enqueue_delivery(queue, delivery.id, delivery.replays)
    log.info("webhook delivery replayed", delivery=delivery.id, replays=delivery.replays)
    return delivery


class WebhookFanOut:
    """The handler that turns every event into deliveries, queued on one arq pool."""

    def __init__(self, queue: ArqRedis | None) -> None:
        self.queue = queue

    async def on_event(self, event: Event) -> None:
        await fan_out(event, self.queue)

    def install(self) -> None:
        """Subscribe (bootstrap), replacing any earlier fan-out; last, so that the outside
        world hears of an event after our own effects."""
        for event_type in EventType:
            events.subscribe(event_type, self.on_event, wants, name=HANDLER_NAME)


# The name the outbox records this handler's work under, as first recorded: it outlives moves.
HANDLER_NAME = "gamification.webhooks.fan_out"


async def failed_deliveries() -> int:
    """How many deliveries gave up (FAILED) and wait for a replay, in every program."""
    return await WebhookDelivery.filter(status=WebhookStatus.FAILED).count()
