"""The embedded default under a small shop's load: the API (in this process) and the real arq
worker (a subprocess) write to one SQLite file at once. Purchases from four shops while their
webhooks are delivered all succeed, each recorded once with its ledger entry; a write lock that
another process holds longer than the busy timeout is answered with the retryable
`DATABASE_BUSY`, never a 500 (docs/architecture.md, "SQLite")."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.settings import Settings
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind, LedgerEntry, LedgerKind, Purchase
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
)
from tests.conftest import ON_POSTGRES
from tests.graphql import GraphQLClient
from tests.serving import served
from tests.sqlite_lock import write_lock_held

pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="SQLite only: PostgreSQL has row locks and no database-wide write lock"
)

ROOT = Path(__file__).resolve().parent.parent

SHOPS = 4
MEMBERS_PER_SHOP = 5
PURCHASES_PER_SHOP = 20
# Each shop's CRM and analytics both take every purchase: the worker writes twice as often.
WEBHOOKS_PER_SHOP = 2


class Sink:
    """A brand's webhook endpoint that counts what it receives, by event id."""

    def __init__(self) -> None:
        self.url = ""
        self.received: Counter[str] = Counter()

    async def endpoint(self, request: Request) -> Response:
        await request.body()
        self.received[request.headers.get("loyalty-event-id", "")] += 1
        return Response("ok")


@pytest.fixture(scope="module")
async def sink() -> AsyncIterator[Sink]:
    state = Sink()
    app = Starlette(routes=[Route("/hook", state.endpoint, methods=["POST"])])
    async with served(app) as base:
        state.url = f"{base}/hook"
        yield state


def process_env(settings: Settings) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in ("LOG_JSON",)},
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "WEBHOOK_RETRY_BASE_SECONDS": "0.05",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def worker(
    app: Starlette, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The real arq worker, as `make run` starts it, on the test's database file and Redis."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "arq", "workers.WorkerSettings"],
            cwd=ROOT,
            env=process_env(settings),
            stdout=log,
            stderr=log,
        )
    try:
        yield log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def log_tail(path: Path) -> str:
    return path.read_text()[-5_000:]


async def until(condition: Callable[[], Awaitable[bool]], what: str, worker_log: Path) -> None:
    """Wait for `condition()` to hold, a bounded number of times."""
    for _ in range(600):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} never happened; the worker's log ends:\n{log_tail(worker_log)}")


async def test_purchases_from_four_shops_while_webhooks_go_out_all_succeed_once(
    gql: GraphQLClient, sink: Sink, worker: Path
) -> None:
    # given four shops, each with members, a till and webhooks for every purchase
    shops = []
    for _ in range(SHOPS):
        program = await new_program(points_validity_days=365)
        await add_rule(
            program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1)
        )
        for _ in range(WEBHOOKS_PER_SHOP):
            await webhooks.create_webhook(
                SYSTEM, program.id, sink.url, ["PURCHASE_RECORDED"], allow_private=True
            )
        members = [await sign_up(gql, program) for _ in range(MEMBERS_PER_SHOP)]
        shops.append((await integration_client(gql, program), members))

    # and the worker up and delivering (a first purchase per shop reaches the sink)
    for till, members in shops:
        payload = await till.mutate(RECORD_PURCHASE, purchase_input(members[0].id))
        assert payload["errors"] == [], payload

    async def first_ones_delivered() -> bool:
        return len(sink.received) >= SHOPS

    await until(first_ones_delivered, "the first deliveries", worker)

    # when the four tills send their purchases at once, while the worker delivers the webhooks
    # of the ones already recorded
    inputs = [
        (
            till,
            purchase_input(members[n % MEMBERS_PER_SHOP].id, lines=[("A", "x", 1, f"{n + 1}.00")]),
        )
        for till, members in shops
        for n in range(PURCHASES_PER_SHOP)
    ]
    answers = await asyncio.gather(
        *(till.raw(RECORD_PURCHASE, {"input": values}) for till, values in inputs)
    )

    # then every one succeeded: no error at all, let alone INTERNAL_SERVER_ERROR
    failures = [a for a in answers if a.get("errors") or a["data"]["recordPurchase"]["errors"]]
    assert failures == []
    # and each is recorded once, with its one EARN entry
    for _, values in inputs:
        purchases = await Purchase.filter(external_id=values["externalId"])
        assert len(purchases) == 1
        entries = await LedgerEntry.filter(reference=f"purchase:{purchases[0].id}")
        assert [(e.kind, e.delta) for e in entries] == [
            (LedgerKind.EARN, purchases[0].points_earned)
        ]
    # and every balance equals its ledger
    for _, members in shops:
        for member in members:
            await assert_ledger_consistent(member.id)
    # and every webhook reached the sink once
    purchase_count = SHOPS * (PURCHASES_PER_SHOP + 1)

    async def all_delivered() -> bool:
        return (
            await WebhookDelivery.filter(status=WebhookStatus.DELIVERED).count()
            == purchase_count * WEBHOOKS_PER_SHOP
        )

    await until(all_delivered, "every delivery", worker)
    assert len(sink.received) == purchase_count
    assert set(sink.received.values()) == {WEBHOOKS_PER_SHOP}
    assert await Member.filter(points_balance__lt=0).count() == 0


async def test_a_purchase_waits_for_another_process_s_write_to_end(
    gql: GraphQLClient, database_url: str
) -> None:
    # given a shop and a member
    program = await new_program(points_validity_days=365)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    values = purchase_input(member.id, lines=[("A", "x", 1, "12.00")])

    # when a purchase comes while another process is writing, and that write ends meanwhile
    with write_lock_held(database_url) as release:
        sent = asyncio.create_task(till.raw(RECORD_PURCHASE, {"input": values}))
        await asyncio.sleep(0.3)  # the purchase reaches the database and waits for the lock
        release()
        answer = await sent

    # then the purchase waited its turn and was recorded
    assert "errors" not in answer, answer
    assert answer["data"]["recordPurchase"]["errors"] == []
    assert await Purchase.filter(external_id=values["externalId"]).count() == 1
    assert await assert_ledger_consistent(member.id) == 12
