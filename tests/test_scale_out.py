"""Scale-out: two API processes and two arq workers (subprocesses, as deployed) against one
PostgreSQL database and one Redis. Members and shops talk to both APIs over real sockets at
once, each request often sent to both; afterwards every invariant holds as with one process:
balances equal ledgers, stock is never oversold, each prize moment is won once, each purchase
and redemption applied once, the draw drawn once with the winners its seed gives, and each
webhook delivered once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.settings import Settings
from gamification.accounts.api_keys import create_api_key
from gamification.audit import SYSTEM
from gamification.games import contests
from gamification.games.models import ContestWinner, GamePlay, WinningMoment
from gamification.points.models import LedgerEntry, Purchase
from gamification.rewards.models import Redemption, Reward
from gamification.webhooks.models import WebhookDelivery, WebhookStatus
from tests.builders import (
    RECORD_PURCHASE,
    assert_ledger_consistent,
    give_points,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.conftest import ON_POSTGRES
from tests.graphql import GraphQLClient
from tests.rewards_docs import REDEEM, create_reward
from tests.serving import served

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="several API processes share PostgreSQL; SQLite is the single-machine default",
)

# Where the API processes' ports are looked for (moved with TEST_API_PORT).
FIRST_PORT = int(os.environ.get("TEST_API_PORT", "8400"))
ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 16

CREATE_CONTEST = """
mutation($input: CreateContestInput!) {
  createContest(input: $input) { contest { id seedCommitment } errors { code field } }
}
"""
ENTER = """
mutation($input: EnterContestInput!) {
  enterContest(input: $input) { entry { id entries } errors { code } }
}
"""
DRAW = """
mutation($input: ContestIdInput!) {
  drawContest(input: $input) { contest { id status } enqueued errors { code } }
}
"""
CREATE_GAME = """
mutation($input: CreateInstantWinGameInput!) {
  createInstantWinGame(input: $input) { game { id } errors { code field message } }
}
"""
PLAY = """
mutation($input: PlayInstantWinInput!) {
  playInstantWin(input: $input) { play { id won } errors { code } }
}
"""
CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } errors { code field } }
}
"""


def _free_ports(count: int) -> list[int]:
    ports = []
    for port in range(FIRST_PORT, FIRST_PORT + 100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"no {count} free ports from {FIRST_PORT} for the API processes")


async def _ready(url: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(600):  # uvicorn gives no start-up signal to another process
            if process.returncode is not None:
                raise RuntimeError(f"the API process on {url} exited ({process.returncode})")
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"the API process on {url} never got ready")


@pytest.fixture(scope="module")
async def fleet(
    app: Starlette, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[GraphQLClient]]:
    """Two uvicorn API processes and two arq workers on the module's database and Redis (the
    in-process `app` has migrated the database); a client for each API."""
    logs = tmp_path_factory.mktemp("fleet")
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "SIGNUPS_PER_ADDRESS": "1000000",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000000",
        # The test's members spend far faster than any person would (api/rate_limits.py).
        "RATE_LIMIT_MEMBER_SPENDS": "0",
        "RATE_LIMIT_PROGRAM_SPENDS": "0",
        "RATE_LIMIT_PROGRAM_SIGN_UPS": "0",
        "RATE_LIMIT_PROGRAM_LOG_INS": "0",
    }
    processes = []
    ports = _free_ports(2)
    files = contextlib.ExitStack()
    try:
        for port in ports:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *["-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
                    cwd=ROOT,
                    env=env,
                    stdout=files.enter_context((logs / f"api-{port}.log").open("wb")),
                    stderr=subprocess.STDOUT,
                )
            )
        for i in range(2):
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *["-m", "arq", "workers.WorkerSettings"],
                    cwd=ROOT,
                    env=env,
                    stdout=files.enter_context((logs / f"worker-{i}.log").open("wb")),
                    stderr=subprocess.STDOUT,
                )
            )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=False):
            await _ready(url, process)
        clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]
        try:
            yield [GraphQLClient(client) for client in clients]
        finally:
            for client in clients:
                await client.aclose()
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()
        files.close()


class Receiver:
    """A brand's webhook endpoint, counting each delivery it receives."""

    def __init__(self) -> None:
        self.deliveries: dict[str, int] = {}

    async def endpoint(self, request: Request) -> Response:
        await request.body()
        # One delivery per endpoint and event: the event's id names it.
        event = request.headers.get("loyalty-event-id", "")
        self.deliveries[event] = self.deliveries.get(event, 0) + 1
        return Response("ok")


def on(client: GraphQLClient, other: GraphQLClient) -> GraphQLClient:
    """The same caller (token or key) talking to another API process."""
    return GraphQLClient(other.http, token=client.token, api_key=client.api_key)


async def both(
    clients: tuple[GraphQLClient, GraphQLClient], document: str, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """The same request sent to both API processes at once."""
    return list(await asyncio.gather(*(c.mutate(document, values) for c in clients)))


async def wait_for(check: Any, what: str) -> None:
    for _ in range(1200):  # the workers give the test no signal: poll the database
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_two_apis_and_two_workers_hold_every_invariant(
    fleet: list[GraphQLClient],
) -> None:
    api_a, api_b = fleet
    receiver = Receiver()
    hook_app = Starlette(routes=[Route("/hook", receiver.endpoint, methods=["POST"])])
    async with served(hook_app) as hook_base:
        # given a program set up by staff on one API, its shop's key and members on both
        program = await new_program()
        staff = await staff_client(api_a, program)
        staff_b = on(staff, api_b)
        _, key = await create_api_key(SYSTEM, program.id, "Till")
        tills = (api_a.as_api_key(key), api_b.as_api_key(key))
        hook = await staff_b.mutate(
            CREATE_WEBHOOK,
            {"url": f"{hook_base}/hook", "eventTypes": ["PRIZE_WON", "REWARD_REDEEMED"]},
        )
        assert hook["errors"] == []
        now = datetime.now(UTC).replace(microsecond=0)
        # ten prize moments spread over a window that is mostly past
        game = await staff_b.mutate(
            CREATE_GAME,
            {
                "name": "Scratch",
                "startsAt": (now - timedelta(hours=1)).isoformat(),
                "endsAt": (now + timedelta(minutes=10)).isoformat(),
                "prizes": [{"name": "50 points", "kind": "POINTS", "points": 50, "quantity": 10}],
            },
        )
        assert game["errors"] == []
        game_id = game["game"]["id"]
        reward = await create_reward(staff, pointsCost=50, stock=8)
        members = [await sign_up(fleet[i % 2], program) for i in range(MEMBERS)]
        for member in members:
            await give_points(member.id, 300)
        pairs = [(m.client, on(m.client, fleet[(i + 1) % 2])) for i, m in enumerate(members)]
        # a draw whose entries close a little after the entries below are sent
        now = datetime.now(UTC).replace(microsecond=0)
        closes_at = now + timedelta(seconds=10)
        contest = await staff.mutate(
            CREATE_CONTEST,
            {
                "name": "Scale draw",
                "opensAt": (now - timedelta(hours=1)).isoformat(),
                "closesAt": closes_at.isoformat(),
                "entryCost": 5,
                "maxEntriesPerMember": 3,
                "prizes": [
                    {"name": "Trip", "kind": "PRIZE", "quantity": 1},
                    {"name": "200 points", "kind": "POINTS", "points": 200, "quantity": 3},
                ],
            },
        )
        assert contest["errors"] == []
        contest_id = contest["contest"]["id"]

        # when they enter the draw, each entry sent to both APIs with one key
        entering = [
            {"contestId": contest_id, "entries": 1 + i % 3, "idempotencyKey": "entry"}
            for i in range(MEMBERS)
        ]
        entries = await asyncio.gather(
            *(both(pair, ENTER, values) for pair, values in zip(pairs, entering, strict=True))
        )
        # and buy, redeem and play at once, purchases and redemptions sent to both APIs
        plays_from = datetime.now(UTC)
        purchases = [
            both(tills, RECORD_PURCHASE, purchase_input(m.id, f"order-{m.id}-{n}"))
            for m in members
            for n in range(4)
        ]
        redemptions = [
            both(pair, REDEEM, {"rewardId": reward["id"], "idempotencyKey": f"redeem-{n}"})
            for pair in pairs
            for n in range(2)
        ]
        plays = [
            pair[n % 2].mutate(PLAY, {"gameId": game_id, "idempotencyKey": f"play-{n}"})
            for pair in pairs
            for n in range(3)
        ]
        bought, redeemed, played = await asyncio.gather(
            asyncio.gather(*purchases), asyncio.gather(*redemptions), asyncio.gather(*plays)
        )

        # then each entry, purchase and redemption was applied once and answered alike
        for first, second in entries:
            assert first == second
            assert first["errors"] in ([], [{"code": "CONTEST_CLOSED"}])
        for first, second in bought:
            assert first["errors"] == second["errors"] == []
            assert first["purchase"]["id"] == second["purchase"]["id"]
        assert await Purchase.filter(program_id=program.id).count() == MEMBERS * 4
        for first, second in redeemed:
            assert first["errors"] == second["errors"]
            assert (first["redemption"] or {}).get("id") == (second["redemption"] or {}).get("id")
        made = {r[0]["redemption"]["id"] for r in redeemed if r[0]["redemption"]}
        # the stock of 8 went to exactly 8 redemptions, never more
        assert len(made) == 8
        assert await Redemption.filter(reward_id=int(reward["id"])).count() == 8
        assert (await Reward.get(id=int(reward["id"]))).stock == 0
        assert {r[0]["errors"][0]["code"] for r in redeemed if r[0]["errors"]} == {"OUT_OF_STOCK"}
        # each prize moment was won once, by a play at or after it; every moment already past
        # when the plays began was won (there were more plays than moments)
        assert all(p["errors"] == [] for p in played)
        wins = await GamePlay.filter(game_id=int(game_id), won=True).count()
        assert wins == sum(p["play"]["won"] for p in played)
        moments = await WinningMoment.filter(game_id=int(game_id))
        claimed = [m for m in moments if m.play_id is not None]
        assert len(claimed) == wins == len({m.play_id for m in claimed})
        assert all(m.play_id is not None for m in moments if m.at <= plays_from)
        for moment in claimed:
            assert (await GamePlay.get(id=moment.play_id)).played_at >= moment.at

        # when the contest has closed and staff ask both APIs for the draw at once
        await asyncio.sleep(max(0.0, (closes_at - datetime.now(UTC)).total_seconds()) + 0.5)
        asked = await both((staff, staff_b), DRAW, {"contestId": contest_id})
        assert all(a["errors"] == [] for a in asked)
        # one draw job at most (the workers' scan may have queued it first), whoever asks
        assert sum(a["enqueued"] for a in asked) <= 1

        await wait_for(
            lambda: contests.Contest.filter(id=int(contest_id), drawn_at__isnull=False).exists(),
            "the draw",
        )
        # then the winners are those the revealed seed gives for the frozen entry list, paid once
        drawn_contest = await contests.Contest.get(id=int(contest_id))
        recomputed = await contests.compute_winners(
            drawn_contest, await contests.load_entry_list(drawn_contest.id)
        )
        rows = await ContestWinner.filter(contest_id=drawn_contest.id).order_by("slot")
        assert [(w.slot, w.entry_id, w.member_id) for w in rows] == [
            (w.slot, w.entry_id, w.member_id) for w in recomputed
        ]
        assert len(rows) == 4
        # asking again queues nothing: the draw is done, once
        again = await both((staff, staff_b), DRAW, {"contestId": contest_id})
        assert [(a["errors"], a["enqueued"]) for a in again] == [([], False), ([], False)]
        after = await ContestWinner.filter(contest_id=drawn_contest.id).order_by("slot")
        assert [w.id for w in after] == [w.id for w in rows]
        prize_entries = await LedgerEntry.filter(
            program_id=program.id, reason__startswith="Won in Scale draw"
        ).count()
        assert prize_entries == 3

        # and every balance equals its ledger, never below zero
        for member in members:
            await assert_ledger_consistent(member.id)

        # and each event reached the brand's webhook
        async def delivered() -> bool:
            return not await WebhookDelivery.filter(
                webhook_id=int(hook["webhook"]["id"]), status=WebhookStatus.PENDING
            ).exists()

        await wait_for(delivered, "the webhook deliveries")
        # (one delivery per event: 8 redemptions, the plays' wins and the draw's 4 prizes;
        # webhooks are at least once, so a slow answer may bring an event twice, never none)
        deliveries = await WebhookDelivery.filter(webhook_id=int(hook["webhook"]["id"]))
        assert len(deliveries) == len({d.event_id for d in deliveries}) == 8 + wins + 4
        assert all(d.status == WebhookStatus.DELIVERED for d in deliveries)
        assert set(receiver.deliveries) == {str(d.event_id) for d in deliveries}
        assert sum(receiver.deliveries.values()) <= sum(d.attempts for d in deliveries)
