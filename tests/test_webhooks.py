"""Signed webhooks delivered to a real HTTP server on 127.0.0.1: the signature verifies, a failing
receiver is retried with backoff until it answers, every attempt is recorded, nothing is lost."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from arq import Worker
from arq.connections import RedisSettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import bootstrap
from core.settings import Settings
from gamification.webhooks import destinations, webhooks
from gamification.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookStatus
from tests.builders import (
    give_points,
    new_program,
    purchase_event,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes
from tests.serving import served
from workers.settings import WorkerSettings

SETTINGS_OVERRIDES = {"webhook_retry_base_seconds": 0.05, "webhook_max_attempts": 4}

CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    webhook { id url eventTypes archivedAt }
    secret
    errors { code field }
  }
}
"""
ARCHIVE_WEBHOOK = """
mutation($input: ArchiveWebhookInput!) {
  archiveWebhook(input: $input) { webhook { id archivedAt } errors { code } }
}
"""
WEBHOOKS = """
query { webhooks { id url deliveries { edges { node { eventId status attempts } } } } }
"""


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A brand's endpoint: answers 500 to the first `failures` requests of each event."""

    url: str = ""
    failures: int = 0
    received: list[Received] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        self.received.append(Received(dict(request.headers), body))
        event_id = request.headers.get("loyalty-event-id", "")
        self.seen[event_id] = self.seen.get(event_id, 0) + 1
        if self.seen[event_id] <= self.failures:
            return Response("down", status_code=500)
        return Response("ok")

    def expect(self, failures: int = 0) -> None:
        """Forget what came before; answer 500 to the first `failures` requests of each event."""
        self.received.clear()
        self.failures = failures

    def delivered_ids(self) -> list[int]:
        return [json.loads(r.body)["id"] for r in self.received]


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = Starlette(routes=[Route("/hook", state.endpoint, methods=["POST"])])
    async with served(app) as base:
        state.url = f"{base}/hook"
        yield state


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nobody-home"


async def run_worker(settings: Settings, redis_url: str) -> Worker:
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        ctx={"settings": settings},
    )
    await worker.main()
    await worker.close()
    return worker


async def register(gql: GraphQLClient, url: str, types: list[str], **extra: Any) -> tuple:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    payload = await admin.mutate(CREATE_WEBHOOK, {"url": url, "eventTypes": types, **extra})
    assert payload["errors"] == [], payload
    return program, admin, payload


async def purchase_for_webhook(gql: GraphQLClient, url: str, **extra: Any) -> tuple:
    """A program with a webhook for PURCHASE_RECORDED at `url`, and one purchase event."""
    program, admin, payload = await register(gql, url, ["PURCHASE_RECORDED"], **extra)
    member = await sign_up(gql, program)
    event_id = await purchase_event(member.id, program.id)
    return program, admin, payload, event_id


async def failed_delivery(gql: GraphQLClient, settings: Settings, redis_url: str) -> tuple:
    """A webhook nobody answers, and its delivery of one purchase event, FAILED after every
    attempt."""
    _, admin, payload, event_id = await purchase_for_webhook(gql, closed_port_url())
    await run_worker(settings, redis_url)
    delivery = await WebhookDelivery.get(event_id=event_id)
    assert delivery.status == WebhookStatus.FAILED
    return admin, payload, delivery


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


async def test_a_delivery_is_signed_over_timestamp_and_body(
    gql: GraphQLClient, receiver: Receiver, settings: Settings, redis_url: str
) -> None:
    receiver.expect()
    program, _, payload = await register(gql, receiver.url, ["PURCHASE_RECORDED"])
    secret = payload["secret"]
    assert secret.startswith("whsec_")
    member = await sign_up(gql, program)

    event_id = await purchase_event(member.id, program.id, total="9.90")
    await give_points(member.id, 10)  # a type this endpoint did not ask for
    await run_worker(settings, redis_url)

    assert receiver.delivered_ids() == [event_id]
    (request,) = receiver.received
    body = json.loads(request.body)
    assert body["type"] == "PURCHASE_RECORDED" and body["memberId"] == member.id
    assert body["data"]["total"] == "9.90"
    assert request.headers["loyalty-event-id"] == str(event_id)
    # verify as a receiver would, from the header alone
    parts = dict(p.split("=", 1) for p in request.headers["loyalty-signature"].split(","))
    signed = f"{parts['t']}.".encode() + request.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert verify(secret, request.headers["loyalty-signature"], request.body)
    assert not verify(
        "another-secret-entirely", parts and request.headers["loyalty-signature"], request.body
    )
    assert not verify(secret, request.headers["loyalty-signature"], request.body + b" ")


async def test_a_receiver_failing_twice_gets_the_event_after_retries_with_attempts_recorded(
    gql: GraphQLClient, receiver: Receiver, settings: Settings, redis_url: str
) -> None:
    receiver.expect(failures=2)
    _, admin, _, event_id = await purchase_for_webhook(
        gql, receiver.url, secret="a-secret-of-our-own-choosing"
    )

    worker = await run_worker(settings, redis_url)

    assert receiver.delivered_ids() == [event_id] * 3
    delivery = await WebhookDelivery.get(event_id=event_id)
    assert delivery.status == WebhookStatus.DELIVERED and delivery.attempts == 3
    attempts = await WebhookAttempt.filter(delivery_id=delivery.id).order_by("number")
    assert [(a.number, a.status_code) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert attempts[0].error == "HTTP 500" and attempts[2].error == ""
    # the retries waited, growing: base, then twice the base
    gaps = [
        (b.attempted_at - a.attempted_at).total_seconds() for a, b in itertools.pairwise(attempts)
    ]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09
    assert worker.jobs_failed == 0
    listed = (await admin.query(WEBHOOKS))["webhooks"][0]["deliveries"]["edges"]
    assert listed[0]["node"] == {"eventId": str(event_id), "status": "DELIVERED", "attempts": 3}


async def test_nothing_is_lost_when_every_first_attempt_fails(
    gql: GraphQLClient, receiver: Receiver, settings: Settings, redis_url: str
) -> None:
    receiver.expect(failures=1)
    program, _, _ = await register(gql, receiver.url, ["PURCHASE_RECORDED", "POINTS_EARNED"])
    members = [await sign_up(gql, program) for _ in range(3)]
    sent = await asyncio.gather(
        *(purchase_event(m.id, program.id) for m in members for _ in range(4))
    )
    await run_worker(settings, redis_url)
    delivered = {json.loads(r.body)["id"] for r in receiver.received if receiver.seen and r.body}
    assert set(sent) <= delivered
    statuses = {d.status for d in await WebhookDelivery.filter(event_id__in=list(sent))}
    assert statuses == {WebhookStatus.DELIVERED}
    # at least once, and here exactly twice each: one failure, one success
    assert all(receiver.seen[str(event_id)] == 2 for event_id in sent)


async def test_an_unreachable_receiver_is_given_up_after_the_last_attempt(
    gql: GraphQLClient, settings: Settings, redis_url: str
) -> None:
    _, _, delivery = await failed_delivery(gql, settings, redis_url)
    assert delivery.attempts == 4
    attempts = await WebhookAttempt.filter(delivery_id=delivery.id)
    assert len(attempts) == 4
    assert all(a.status_code is None and a.error for a in attempts)


async def test_staff_manage_webhooks_and_archived_ones_receive_nothing(
    gql: GraphQLClient, receiver: Receiver, settings: Settings, redis_url: str
) -> None:
    receiver.expect()
    program, admin, payload = await register(gql, receiver.url, ["PURCHASE_RECORDED"])
    webhook_id = payload["webhook"]["id"]
    assert payload["webhook"]["eventTypes"] == ["PURCHASE_RECORDED"]

    for fields, code in [
        ({"url": "ftp://example.com/x"}, "INVALID_URL"),
        ({"url": "not a url"}, "INVALID_URL"),
        ({"eventTypes": []}, "INVALID_EVENT_TYPE"),
        ({"secret": "short"}, "INVALID_INPUT"),
    ]:
        values = {"url": receiver.url, "eventTypes": ["PURCHASE_RECORDED"], **fields}
        assert codes(await admin.mutate(CREATE_WEBHOOK, values)) == [code], fields

    manager = await staff_client(gql, program, "MANAGER")
    variables = {"input": {"url": receiver.url, "eventTypes": ["PURCHASE_RECORDED"]}}
    assert await manager.error_code(CREATE_WEBHOOK, variables) == "FORBIDDEN"
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    assert codes(await stranger.mutate(ARCHIVE_WEBHOOK, {"webhookId": webhook_id})) == ["NOT_FOUND"]

    archived = await admin.mutate(ARCHIVE_WEBHOOK, {"webhookId": webhook_id})
    assert archived["webhook"]["archivedAt"] is not None
    member = await sign_up(gql, program)
    event_id = await purchase_event(member.id, program.id)
    await run_worker(settings, redis_url)
    assert event_id not in receiver.delivered_ids()
    assert not await WebhookDelivery.exists(event_id=event_id)


async def test_a_delivery_job_is_queued_once_whatever_asks_for_it(
    gql: GraphQLClient, receiver: Receiver, settings: Settings, redis_url: str
) -> None:
    receiver.expect()
    _, _, _, event_id = await purchase_for_webhook(gql, receiver.url)
    delivery = await WebhookDelivery.get(event_id=event_id)
    # the fan-out queued it already: the scan or a retry asking again adds nothing
    assert not await webhooks.enqueue_delivery(bootstrap.current().queue, delivery.id)
    await run_worker(settings, redis_url)
    assert receiver.delivered_ids() == [event_id]


REPLAY = """
mutation($input: ReplayWebhookDeliveryInput!) {
  replayWebhookDelivery(input: $input) {
    delivery { id status attempts replays }
    errors { code field }
  }
}
"""


async def test_a_failed_delivery_replayed_by_staff_gets_a_fresh_round_and_is_delivered(
    gql: GraphQLClient, receiver: Receiver, settings: Settings, redis_url: str
) -> None:
    # The receiver is down through the whole first round (4 attempts) and the first attempt after
    # the replay; the replay's second attempt gets through.
    receiver.expect(failures=5)
    program, admin, _, event_id = await purchase_for_webhook(gql, receiver.url)
    await run_worker(settings, redis_url)
    delivery = await WebhookDelivery.get(event_id=event_id)
    assert delivery.status == WebhookStatus.FAILED and delivery.attempts == 4
    # five replays at once: one of them replays it
    replays = await asyncio.gather(
        *(admin.mutate(REPLAY, {"deliveryId": str(delivery.id)}) for _ in range(5))
    )
    assert sorted(codes(r) for r in replays) == [[]] + [["DELIVERY_NOT_FAILED"]] * 4
    (replayed,) = [r["delivery"] for r in replays if not r["errors"]]
    assert replayed == {"id": str(delivery.id), "status": "PENDING", "attempts": 4, "replays": 1}

    await run_worker(settings, redis_url)
    delivery = await WebhookDelivery.get(id=delivery.id)
    assert delivery.status == WebhookStatus.DELIVERED
    assert (delivery.attempts, delivery.replays) == (6, 1)
    attempts = await WebhookAttempt.filter(delivery_id=delivery.id).order_by("number")
    assert [a.number for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert [a.status_code for a in attempts] == [500] * 5 + [200]
    assert receiver.seen[str(event_id)] == 6
    # delivered: nothing to replay; another program's admin finds no such delivery
    assert codes(await admin.mutate(REPLAY, {"deliveryId": str(delivery.id)})) == [
        "DELIVERY_NOT_FAILED"
    ]
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    assert codes(await stranger.mutate(REPLAY, {"deliveryId": str(delivery.id)})) == ["NOT_FOUND"]
    manager = await staff_client(gql, program, "MANAGER")
    assert await manager.error_code(REPLAY, {"input": {"deliveryId": str(delivery.id)}}) == (
        "FORBIDDEN"
    )


async def test_a_failed_delivery_of_an_archived_webhook_is_not_replayed(
    gql: GraphQLClient, settings: Settings, redis_url: str
) -> None:
    admin, payload, delivery = await failed_delivery(gql, settings, redis_url)
    await admin.mutate(ARCHIVE_WEBHOOK, {"webhookId": payload["webhook"]["id"]})
    assert codes(await admin.mutate(REPLAY, {"deliveryId": str(delivery.id)})) == [
        "ALREADY_ARCHIVED"
    ]
    assert (await WebhookDelivery.get(id=delivery.id)).status == WebhookStatus.FAILED


async def test_the_delivery_client_connects_to_no_private_address_unless_allowed(
    receiver: Receiver,
) -> None:
    receiver.expect()
    port = urlsplit(receiver.url).port
    async with destinations.delivery_client(5.0, allow_private=False) as client:
        for url in (
            receiver.url,
            f"http://localhost:{port}/hook",
            f"http://[::1]:{port}/hook",
            f"http://10.1.2.3:{port}/hook",
        ):
            with pytest.raises(httpx.ConnectError, match="public addresses only"):
                await client.post(url, content=b"{}")
    assert receiver.received == []
    async with destinations.delivery_client(5.0, allow_private=True) as client:
        assert (await client.post(receiver.url, content=b"{}")).status_code == 200
    assert len(receiver.received) == 1


async def test_a_name_that_turns_private_after_its_check_is_never_connected_to(
    gql: GraphQLClient,
    receiver: Receiver,
    settings: Settings,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DNS rebinding: the name first resolves to a public address, then to this machine, where
    # the receiver listens. A delivery that checked one answer and connected after a second
    # lookup would reach the receiver.
    receiver.expect()
    port = urlsplit(receiver.url).port
    loop = asyncio.get_running_loop()
    resolve = loop.getaddrinfo
    lookups: list[str] = []

    async def rebinding(host: str | bytes, *args: Any, **kwargs: Any) -> list[tuple]:
        if host not in ("rebinding.test", b"rebinding.test"):  # anyio asks with bytes
            return await resolve(host, *args, **kwargs)
        lookups.append(str(host))
        if len(lookups) == 1:  # public, unreachable from here
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:4860:4860::8888", port))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding)
    _, _, _, event_id = await purchase_for_webhook(gql, f"http://rebinding.test:{port}/hook")
    production = settings.model_copy(update={"webhook_allow_private": False})
    await run_worker(production, redis_url)

    assert receiver.received == []
    delivery = await WebhookDelivery.get(event_id=event_id)
    assert delivery.status == WebhookStatus.FAILED and delivery.attempts == 4
    # One lookup per attempt: the address checked is the address connected to.
    assert len(lookups) == 4
    attempts = await WebhookAttempt.filter(delivery_id=delivery.id).order_by("number")
    assert all(a.status_code is None for a in attempts)
    assert all(destinations.PRIVATE_DESTINATION in a.error for a in attempts[1:])
