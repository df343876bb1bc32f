"""Benchmark: live updates in one API process (uvicorn, SQLite, the local Redis).

    .venv/bin/python bench/subscriptions.py [--connections 10000] [--watchers 1000]

One API process, a program with 200 members: one watched, 100 holding the idle connections,
99 buying in the background. First, as a yardstick, sequential purchases of
one member with no subscriber at all (their latency). Then `--connections` WebSocket
connections, each with one `myBalance` subscription (graphql-transport-ws, by hand over
`websockets`): the idle ones spread over 100 members who buy nothing meanwhile, and
`--watchers` of them all of one member, whose purchases are then recorded one at a time. Prints:
- the API process's resident memory before and after, per connection;
- commit-to-delivery: from the purchase's answer (its transaction has committed) to the last of
  the watchers receiving the new balance, p50 and p99 over the purchases;
- the purchases' own latency with every connection open, as a ratio to the yardstick's.

Both the yardstick and the measured run go on under the same background load: purchases of
the other members at half of the capacity measured first (8 at a time, no subscriber). Figures
are not assertions: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = int(os.environ.get("BENCH_PORT", "8103"))
MEMBERS = 200
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "bench password 123"
BALANCE = "subscription { myBalance { pointsBalance eventId } }"
PURCHASE = (
    "mutation R($input: RecordPurchaseInput!) { recordPurchase(input: $input) "
    "{ member { pointsBalance } errors { code } } }"
)
LOG_IN = "mutation L($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }"


async def prepare(database_url: str) -> tuple[str, str, list[str]]:
    """Migrate and seed; the program's slug, the API key and the members' emails."""
    from core.database import close_database, init_database, migrate
    from core.redis import create_redis
    from gamification.accounts import members, passwords
    from gamification.accounts.api_keys import create_api_key
    from gamification.audit import SYSTEM
    from gamification.points import earning_rules
    from gamification.points.models import EarningRuleKind
    from gamification.programs.programs import create_program

    redis = create_redis(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    await migrate(database_url)
    await init_database(database_url)
    try:
        program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR")
        await earning_rules.create_rule(
            SYSTEM,
            program.id,
            name="Base",
            kind=EarningRuleKind.BASE_RATE,
            points_per_unit=Decimal(1),
        )
        passwords.configure("fast")
        emails = [f"m{i}@bench.example" for i in range(MEMBERS)]
        for i, email in enumerate(emails):
            await members.register_member(program, email, PASSWORD, f"Member {i}")
        _, key = await create_api_key(SYSTEM, program.id, "bench")
        return program.slug, key, emails
    finally:
        await close_database()


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "api.asgi:app",
            "--port",
            str(PORT),
            "--log-level",
            "warning",
            "--ws-per-message-deflate",
            "false",  # as deployed (deploy/Dockerfile)
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("uvicorn did not start")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def connect(url: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
    ack = json.loads(await ws.recv())
    assert ack["type"] == "connection_ack", ack
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": BALANCE}}))
    first = json.loads(await ws.recv())
    assert first["type"] == "next", first
    return ws


async def run(connections: int, watchers: int, purchases: int) -> None:
    directory = Path(tempfile.mkdtemp(prefix="bench-live-"))
    database_url = f"sqlite://{directory}/bench.sqlite3"
    slug, key, emails = await prepare(database_url)
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": SECRET,
        "ACCESS_LOG": "false",
        "SIGNUPS_PER_ADDRESS": "1000000",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000000",
        "RATE_LIMIT_PROGRAM_LOG_INS": "0",
        "RATE_LIMIT_ACCOUNT_LOG_INS": "0",
        "LIVE_CONNECTIONS_PER_MEMBER": str(connections),
        "LIVE_COALESCE_SECONDS": "0",
    }
    server = start_server(env)
    base = f"http://127.0.0.1:{PORT}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            tokens = []
            for email in emails:
                body = (
                    await http.post(
                        "/graphql",
                        json={
                            "query": LOG_IN,
                            "variables": {
                                "input": {"program": slug, "email": email, "password": PASSWORD}
                            },
                        },
                    )
                ).json()
                tokens.append(body["data"]["logIn"]["accessToken"])
            watched = emails[0]
            counter = 0

            async def purchase(email: str = watched) -> tuple[float, float, int]:
                nonlocal counter
                counter += 1
                variables = {
                    "input": {
                        "member": {"email": email},
                        "externalId": f"bench-{counter}",
                        "occurredAt": "2026-11-01T10:00:00Z",
                        "currency": "EUR",
                        "total": "1.00",
                        "lines": [
                            {"sku": "A", "category": "c", "quantity": 1, "unitPrice": "1.00"}
                        ],
                    }
                }
                sent = time.perf_counter()
                body = (
                    await http.post(
                        "/graphql",
                        json={"query": PURCHASE, "variables": variables},
                        headers={"X-Api-Key": key},
                    )
                ).json()
                answered = time.perf_counter()
                balance = body["data"]["recordPurchase"]["member"]["pointsBalance"]
                return sent, answered, int(balance)

            # The background's buyers hold no connection: the idle ones stay idle.
            idle_members = MEMBERS // 2
            others = emails[1 + idle_members :]

            async def capacity(seconds: float = 5) -> float:
                """Purchases per second with 8 at a time (of the other members)."""
                done = 0
                end = time.perf_counter() + seconds

                async def client(i: int) -> None:
                    nonlocal done
                    while time.perf_counter() < end:
                        await purchase(others[(i * 31 + done) % len(others)])
                        done += 1

                await asyncio.gather(*(client(i) for i in range(8)))
                return done / seconds

            background = {"sent": 0, "skipped": 0, "failed": 0}

            async def background_purchase(email: str) -> None:
                try:
                    await purchase(email)
                    background["sent"] += 1
                except (httpx.HTTPError, KeyError, TypeError):
                    background["failed"] += 1

            @contextlib.asynccontextmanager
            async def load(rate: float) -> AsyncIterator[None]:
                """Purchases of the other members at `rate` per second meanwhile, at most 16 in
                flight (a tick that finds 16 still running is skipped, and counted)."""
                running: set[asyncio.Task[None]] = set()
                stopping = asyncio.Event()

                async def pace() -> None:
                    k = 0
                    while not stopping.is_set():
                        if len(running) >= 16:
                            background["skipped"] += 1
                        else:
                            task = asyncio.create_task(background_purchase(others[k % len(others)]))
                            running.add(task)
                            task.add_done_callback(running.discard)
                            k += 1
                        await asyncio.sleep(1 / rate)

                pacer = asyncio.create_task(pace())
                try:
                    yield
                finally:
                    stopping.set()
                    await pacer
                    await asyncio.gather(*running)

            await purchase()  # warm
            rate = await capacity() / 2
            # The yardstick: the same purchases under the same load, with no subscriber.
            bare = []
            async with load(rate):
                for _ in range(purchases):
                    sent, answered, _ = await purchase()
                    bare.append(answered - sent)
            bare_load = dict(background)
            background.update(sent=0, skipped=0, failed=0)

            before = rss_kib(server.pid)
            url = base.replace("http://", "ws://") + "/graphql"
            sockets = []
            started = time.perf_counter()
            for i in range(connections):
                token = tokens[0] if i < watchers else tokens[1 + i % idle_members]
                sockets.append(await connect(url, token))
            opened = time.perf_counter() - started
            await asyncio.sleep(3)  # a session check or two
            after = rss_kib(server.pid)

            received: dict[int, list[float]] = {}

            async def watch(ws: websockets.ClientConnection) -> None:
                async for raw in ws:
                    message = json.loads(raw)
                    if message.get("type") == "next":
                        value = message["payload"]["data"]["myBalance"]["pointsBalance"]
                        received.setdefault(value, []).append(time.perf_counter())

            readers = [asyncio.create_task(watch(ws)) for ws in sockets[:watchers]]
            delivery, loaded = [], []
            async with load(rate):
                for _ in range(purchases):
                    sent, answered, balance = await purchase()
                    loaded.append(answered - sent)
                    for _ in range(3000):
                        if len(received.get(balance, ())) >= watchers:
                            break
                        await asyncio.sleep(0.005)
                    times = received.get(balance, [])
                    if len(times) < watchers:
                        print(f"  only {len(times)} of {watchers} heard balance {balance}")
                        continue
                    delivery.append(max(times) - answered)
            for reader in readers:
                reader.cancel()
            for ws in sockets:
                await ws.close()

        def ms(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

        print(f"connections: {connections} (each one myBalance subscription), watchers: {watchers}")
        print(f"  background load: {rate:.0f} purchases/s (half of the {2 * rate:.0f}/s measured)")
        print(f"    yardstick run: {bare_load}; with the connections: {background}")
        print(f"  opened in {opened:.1f} s ({connections / opened:.0f}/s, one client task)")
        print(
            f"  API process RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after: "
            f"{(after - before) / connections:.1f} KiB per connection"
        )
        print(
            f"  commit to the last of {watchers} watchers: p50 {ms(delivery, 0.5):.1f} ms, "
            f"p99 {ms(delivery, 0.99):.1f} ms ({len(delivery)} purchases)"
        )
        print(
            f"  purchase latency, p50: {ms(bare, 0.5):.1f} ms with no subscriber, "
            f"{ms(loaded, 0.5):.1f} ms with {connections} open, under the same load: ratio "
            f"{statistics.median(loaded) / statistics.median(bare):.2f}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=1_000)
    parser.add_argument("--purchases", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.connections, args.watchers, args.purchases))


if __name__ == "__main__":
    main()
