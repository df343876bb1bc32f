"""A write lock that another process holds longer than the busy timeout (configured small here,
in the database URL) is answered with the retryable `DATABASE_BUSY`, never a 500: nothing is
written, reads still answer, and the same request sent again once the lock is gone is applied
once. A worker's job that meets such a lock runs again once it is gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from arq import Worker
from arq.connections import RedisSettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.settings import Settings
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind, Purchase
from gamification.webhooks import webhooks
from gamification.webhooks.models import WebhookDelivery, WebhookStatus
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    assert_ledger_consistent,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.conftest import ON_POSTGRES
from tests.graphql import GraphQLClient
from tests.serving import served
from tests.sqlite_lock import write_lock_held
from workers.settings import WorkerSettings

pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="SQLite only: PostgreSQL has row locks and no database-wide write lock"
)

# Milliseconds: short, so that the test need not wait out the default.
BUSY_TIMEOUT_MS = 300

CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } errors { code } }
}
"""


@pytest.fixture(scope="module")
def database_url(database_url: str) -> str:
    return f"{database_url}?busy_timeout={BUSY_TIMEOUT_MS}"


@pytest.fixture(scope="module")
async def over_http(app: Starlette) -> AsyncIterator[GraphQLClient]:
    """The app on a real socket: each request runs in a task of its own, as in production."""
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        yield GraphQLClient(http)


def busy_error(answer: dict[str, object]) -> dict[str, object]:
    errors = answer.get("errors")
    assert isinstance(errors, list) and len(errors) == 1, answer
    (error,) = errors
    assert error["extensions"] == {"code": "DATABASE_BUSY"}, answer
    return error


async def test_a_lock_not_waited_out_is_database_busy_and_the_retry_is_applied_once(
    over_http: GraphQLClient, database_url: str
) -> None:
    gql = over_http
    # given a shop and a member
    program = await new_program(points_validity_days=365)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    admin = await staff_client(gql, program, "ADMIN")
    values = purchase_input(member.id, lines=[("A", "x", 1, "25.00")])

    # when another process holds the write lock longer than the busy timeout
    with write_lock_held(database_url):
        purchase = await till.raw(RECORD_PURCHASE, {"input": values})
        webhook = await admin.raw(
            CREATE_WEBHOOK,
            {"input": {"url": "https://crm.example.com/hook", "eventTypes": ["PURCHASE_RECORDED"]}},
        )
        me = await member.client.raw("query { me { pointsBalance } }")
        recorded_meanwhile = await Purchase.filter(external_id=values["externalId"]).count()

    # then a write in a transaction (the purchase) and a lone write (the webhook) are both
    # DATABASE_BUSY, saying to try again, and nothing was written
    assert "Try again" in busy_error(purchase)["message"]
    busy_error(webhook)
    assert recorded_meanwhile == 0
    # and reads went on answering
    assert me == {"data": {"me": {"pointsBalance": 0}}}

    # when the till sends the same purchase again, once the lock is gone (bounded: a process
    # that kept its connection locked after the refusal would never answer)
    again = await asyncio.wait_for(till.mutate(RECORD_PURCHASE, values), timeout=30)
    replay = await till.mutate(RECORD_PURCHASE, values)

    # then it is recorded, once, with its points
    assert again["errors"] == [] and again["replayed"] is False
    assert again["member"]["pointsBalance"] == 25
    assert replay["replayed"] is True
    assert await Purchase.filter(external_id=values["externalId"]).count() == 1
    assert await assert_ledger_consistent(member.id) == 25


async def test_a_job_that_meets_the_lock_runs_again_once_it_is_gone(
    over_http: GraphQLClient, database_url: str, settings: Settings
) -> None:
    # given a shop whose purchases go to a webhook, and a purchase whose delivery is queued
    received: list[str] = []

    async def endpoint(request: Request) -> Response:
        received.append(request.headers.get("loyalty-event-id", ""))
        return Response("ok")

    sink = Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])
    async with served(sink) as base:
        program = await new_program()
        webhook, _ = await webhooks.create_webhook(
            SYSTEM, program.id, f"{base}/hook", ["PURCHASE_RECORDED"], allow_private=True
        )
        member = await sign_up(over_http, program)
        till = await integration_client(over_http, program)
        payload = await till.mutate(RECORD_PURCHASE, purchase_input(member.id))
        assert payload["errors"] == []

        # when the worker takes the delivery while another process holds the write lock longer
        # than the busy timeout, and the lock goes once the job has met it
        worker = Worker(
            functions=WorkerSettings.functions,
            redis_settings=RedisSettings.from_dsn(settings.redis_url),
            burst=True,
            poll_delay=0.02,
            handle_signals=False,
            ctx={"settings": settings},
        )
        with write_lock_held(database_url) as release:
            running = asyncio.create_task(worker.main())
            for _ in range(600):
                if worker.jobs_retried or worker.jobs_failed or running.done():
                    break
                await asyncio.sleep(0.05)
            release()
            await running
        await worker.close()

    # then the job met the lock, ran again later instead of failing, and delivered once
    assert (worker.jobs_retried >= 1, worker.jobs_failed) == (True, 0)
    (delivery,) = await WebhookDelivery.filter(webhook_id=webhook.id)
    assert delivery.status == WebhookStatus.DELIVERED
    assert received == [str(delivery.event_id)]
