"""Benchmark: live updates in one API process (uvicorn, SQLite, the local Redis), issue #22.

    .venv/bin/python bench/live.py [--connections 10000] [--watchers 1000] [--jumps 30]
    make bench-live

One API process, one program: `--watchers` members on the points board, each following it
(`leaderboardChanged(board: "points", around: 0)`, one connection each), 100 idle members, 99
buying in the background, and 2 x `--jumps` members with no points who are the measured
buyers. The background buyers earn 1 point a purchase and stay below every watcher; each
measured purchase takes a fresh buyer above them all, so it moves every watcher down one rank:
one message to each. Runs, in this order, in one process:

1. capacity: purchases per second, 8 at a time, no subscriber; the background load is then
   half of it, kept for both runs below (at most 16 in flight; a tick that finds 16 still
   running is skipped and counted);
2. the run without subscribers (the yardstick of the others): `--jumps` measured purchases, one
   at a time, under that load, each heard by one plain Redis subscriber of the program's live
   channel (in this process);
3. `--connections` WebSocket connections opened (graphql-transport-ws, by hand over
   `websockets`, in this process): the watchers', and the rest idle, each with one `myBalance`
   subscription of an idle member (who never buys);
4. the same `--jumps` measured purchases under the same load, with every connection open.

Times start when the purchase is sent (its commit lies inside the request) and end at its
answer, at the plain subscriber hearing the event, or at the last watcher receiving its new
rank. Prints the API process's resident memory per connection, p50 and p99 of each time,
the same from the answer (commit to the last watcher), and the ratios of the run with
subscribers to the run without. Consecutive measured purchases are more than
LIVE_COALESCE_SECONDS apart (1 s, as deployed), so no watcher's message waits for coalescing.
Figures, not assertions: the machine may be shared. Needs wrk (the yardstick of bench/).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
import websockets
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yardstick  # noqa: E402  # bench/, beside this file

from gamification.events import live  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8103"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "bench password 123"
IDLE_MEMBERS = 100
BACKGROUND_MEMBERS = 99
# Watchers' scores start here (one point apart); a measured buyer jumps above them all.
WATCHER_SCORE = 100_000
JUMP = "1000000.00"
COALESCE_SECONDS = 1.0
BOARD = 'subscription { leaderboardChanged(board: "points", around: 0) { me { rank } } }'
BALANCE = "subscription { myBalance { pointsBalance eventId } }"
PURCHASE = (
    "mutation R($input: RecordPurchaseInput!) { recordPurchase(input: $input) "
    "{ member { id pointsBalance } errors { code } } }"
)
LOG_IN = "mutation L($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }"


@dataclass
class Members:
    watchers: list[str]
    idle: list[str]
    background: list[str]
    jumpers: list[str]
    ids: dict[str, int] = field(default_factory=dict)


async def prepare(database_url: str, watchers: int, jumps: int) -> tuple[int, str, str, Members]:
    """Migrate and seed: the program's id and slug, the API key, the members' emails."""
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
        chosen = Members(
            watchers=[f"w{i}@bench.example" for i in range(watchers)],
            idle=[f"i{i}@bench.example" for i in range(IDLE_MEMBERS)],
            background=[f"b{i}@bench.example" for i in range(BACKGROUND_MEMBERS)],
            jumpers=[f"j{i}@bench.example" for i in range(2 * jumps)],
        )
        for email in [*chosen.watchers, *chosen.idle, *chosen.background, *chosen.jumpers]:
            member = await members.register_member(program, email, PASSWORD, email)
            chosen.ids[email] = member.id
        _, key = await create_api_key(SYSTEM, program.id, "bench")
        return program.id, program.slug, key, chosen
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


async def subscribe(
    url: str, token: str, document: str
) -> tuple[websockets.ClientConnection, dict]:
    """A connection with one subscription, and its first message's data."""
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
    ack = json.loads(await ws.recv())
    assert ack["type"] == "connection_ack", ack
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
    first = json.loads(await ws.recv())
    assert first["type"] == "next", first
    return ws, first["payload"]["data"]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float], q: float) -> str:
    return f"{1000 * quantile(values, q):.1f} ms" if values else "n/a"


async def gather_limited(calls: list[Callable[[], Awaitable[object]]], limit: int) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[object]]) -> object:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(c) for c in calls))


async def run(connections: int, watchers: int, jumps: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < connections + 1_000:
        raise SystemExit(f"ulimit -n allows {hard} files; {connections} connections need more")
    # Raised here, inherited by the server: both hold one socket per connection.
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    directory = Path(tempfile.mkdtemp(prefix="bench-live-"))
    database_url = f"sqlite://{directory}/bench.sqlite3"
    started = time.perf_counter()
    program_id, slug, key, members = await prepare(database_url, watchers, jumps)
    print(f"seeded {len(members.ids)} members in {time.perf_counter() - started:.0f} s")
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
        "LIVE_COALESCE_SECONDS": str(COALESCE_SECONDS),
    }
    server = start_server(env)
    base = f"http://127.0.0.1:{PORT}"
    redis = Redis.from_url(REDIS_URL)
    heard: dict[int, float] = {}  # member id -> when the channel carried their points

    async def listen() -> None:
        pubsub = redis.pubsub()
        await pubsub.subscribe(live.channel(program_id, live.database_of(redis)))
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            at = time.perf_counter()
            for event in live.decode(message["data"]).events:
                if event.type == "POINTS_EARNED" and event.member_id is not None:
                    heard.setdefault(event.member_id, at)

    listener = asyncio.create_task(listen())
    try:
        yardstick_before = yardstick.healthz_requests_per_second(PORT)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:

            async def log_in(email: str) -> str:
                variables = {"input": {"program": slug, "email": email, "password": PASSWORD}}
                body = (
                    await http.post("/graphql", json={"query": LOG_IN, "variables": variables})
                ).json()
                return str(body["data"]["logIn"]["accessToken"])

            counter = 0

            async def purchase(email: str, total: str = "1.00") -> tuple[float, float]:
                nonlocal counter
                counter += 1
                variables = {
                    "input": {
                        "member": {"email": email},
                        "externalId": f"bench-{counter}",
                        "occurredAt": "2026-11-01T10:00:00Z",
                        "currency": "EUR",
                        "total": total,
                        "lines": [{"sku": "A", "category": "c", "quantity": 1, "unitPrice": total}],
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
                if body.get("errors") or body["data"]["recordPurchase"]["errors"]:
                    raise RuntimeError(f"purchase refused: {body}")
                return sent, answered

            tokens = dict(
                zip(
                    [*members.watchers, *members.idle],
                    await gather_limited(
                        [lambda e=e: log_in(e) for e in [*members.watchers, *members.idle]], 8
                    ),
                    strict=True,
                )
            )
            # The watchers' scores: one point apart, all above what the background reaches.
            await gather_limited(
                [
                    lambda i=i, e=e: purchase(e, f"{WATCHER_SCORE + i}.00")
                    for i, e in enumerate(members.watchers)
                ],
                8,
            )
            print(f"logged in and scored in {time.perf_counter() - started:.0f} s")

            async def capacity(seconds: float = 5) -> float:
                done = 0
                end = time.perf_counter() + seconds

                async def client(i: int) -> None:
                    nonlocal done
                    while time.perf_counter() < end:
                        await purchase(members.background[(i * 31 + done) % BACKGROUND_MEMBERS])
                        done += 1

                await asyncio.gather(*(client(i) for i in range(8)))
                return done / seconds

            background = {"sent": 0, "skipped": 0, "failed": 0}

            async def background_purchase(email: str) -> None:
                try:
                    await purchase(email)
                    background["sent"] += 1
                except (httpx.HTTPError, KeyError, TypeError, RuntimeError):
                    background["failed"] += 1

            @contextlib.asynccontextmanager
            async def load(rate: float) -> AsyncIterator[dict[str, float]]:
                """Background purchases at `rate` per second meanwhile; yields their count and
                the seconds they ran, filled in at the end."""
                running: set[asyncio.Task[None]] = set()
                stopping = asyncio.Event()
                background.update(sent=0, skipped=0, failed=0)
                summary: dict[str, float] = {}

                async def pace() -> None:
                    k = 0
                    while not stopping.is_set():
                        if len(running) >= 16:
                            background["skipped"] += 1
                        else:
                            email = members.background[k % BACKGROUND_MEMBERS]
                            task = asyncio.create_task(background_purchase(email))
                            running.add(task)
                            task.add_done_callback(running.discard)
                            k += 1
                        await asyncio.sleep(1 / rate)

                began = time.perf_counter()
                pacer = asyncio.create_task(pace())
                try:
                    yield summary
                finally:
                    stopping.set()
                    await pacer
                    await asyncio.gather(*running)
                    summary.update(background, seconds=time.perf_counter() - began)

            ranks: dict[int, list[float]] = {}  # jump number -> when each watcher had it
            first_rank: list[int] = []

            async def measured(jumpers: list[str], watched: int) -> dict[str, list[float]]:
                times: dict[str, list[float]] = {
                    "answer": [],
                    "channel": [],
                    "last": [],
                    "commit": [],
                }
                for k, email in enumerate(jumpers, start=1):
                    sent, answered = await purchase(email, JUMP)
                    times["answer"].append(answered - sent)
                    member_id = members.ids[email]
                    for _ in range(6000):
                        if member_id in heard and len(ranks.get(k, ())) >= watched:
                            break
                        await asyncio.sleep(0.005)
                    if member_id in heard:
                        times["channel"].append(heard[member_id] - sent)
                    if watched:
                        got = ranks.get(k, [])
                        if len(got) < watched:
                            print(f"  jump {k}: only {len(got)} of {watched} watchers heard it")
                        else:
                            times["last"].append(max(got) - sent)
                            times["commit"].append(max(got) - answered)
                    await asyncio.sleep(COALESCE_SECONDS + 0.2)
                return times

            await purchase(members.background[0])  # warm
            rate = await capacity() / 2
            async with load(rate) as bare_load:
                bare = await measured(members.jumpers[:jumps], 0)

            url = base.replace("http://", "ws://") + "/graphql"
            before = rss_kib(server.pid)
            opening = time.perf_counter()
            idle_tokens = [tokens[e] for e in members.idle]
            opened_idle = await gather_limited(
                [
                    lambda i=i: subscribe(url, idle_tokens[i % IDLE_MEMBERS], BALANCE)
                    for i in range(connections - watchers)
                ],
                16,
            )
            opened_watchers = await gather_limited(
                [lambda e=e: subscribe(url, tokens[e], BOARD) for e in members.watchers], 16
            )
            opened_in = time.perf_counter() - opening
            await asyncio.sleep(3)  # a session check or two
            after = rss_kib(server.pid)

            async def watch(ws: websockets.ClientConnection, rank: int) -> None:
                async for raw in ws:
                    message = json.loads(raw)
                    if message.get("type") != "next":
                        continue
                    now = time.perf_counter()
                    moved = message["payload"]["data"]["leaderboardChanged"]["me"]["rank"] - rank
                    # A message per rank moved, or one for several jumps (a late watcher).
                    for k in range(1, moved + 1):
                        times = ranks.setdefault(k, [])
                        if len(times) < watchers and k not in seen[ws]:
                            seen[ws].add(k)
                            times.append(now)

            seen: dict[websockets.ClientConnection, set[int]] = {}
            readers = []
            for ws, first in opened_watchers:
                seen[ws] = set()
                first_rank.append(first["leaderboardChanged"]["me"]["rank"])
                readers.append(asyncio.create_task(watch(ws, first_rank[-1])))
            async with load(rate) as live_load:
                loaded = await measured(members.jumpers[jumps:], watchers)
            for reader in readers:
                reader.cancel()
            for ws, _ in [*opened_idle, *opened_watchers]:
                await ws.close()
        yardstick_after = yardstick.healthz_requests_per_second(PORT)

        def throughput(summary: dict[str, float]) -> float:
            return summary["sent"] / summary["seconds"]

        print(
            f"machine yardstick, wrk against /healthz of the same server: {yardstick_before} "
            f"req/s before, {yardstick_after} after ({yardstick.EARLIER})"
        )
        print(
            f"connections: {connections} ({watchers} following the points board, "
            f"{connections - watchers} idle with myBalance); {jumps} measured purchases a run"
        )
        print(f"  background: {rate:.0f} purchases/s asked (half of the {2 * rate:.0f}/s measured)")
        print(f"    without subscribers: {bare_load}")
        print(f"    with them:           {live_load}")
        print(f"  opened in {opened_in:.1f} s ({connections / opened_in:.0f}/s, 16 at a time)")
        print(
            f"  API process RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after: "
            f"{(after - before) / connections:.1f} KiB per connection"
        )
        print("  from sending the measured purchase:     p50        p99")
        for label, values in (
            ("answer, no subscriber", bare["answer"]),
            ("channel, no subscriber", bare["channel"]),
            ("answer, with subscribers", loaded["answer"]),
            ("channel, with subscribers", loaded["channel"]),
            (f"last of {watchers} watchers", loaded["last"]),
        ):
            print(f"    {label:<34} {ms(values, 0.5):>10} {ms(values, 0.99):>10}")
        print(
            f"  commit (the answer) to the last watcher: p50 {ms(loaded['commit'], 0.5)}, "
            f"p99 {ms(loaded['commit'], 0.99)} ({len(loaded['commit'])} purchases)"
        )
        print("  ratios, with subscribers / without (p50, p99):")
        for label, a, b in (
            ("purchase answer", loaded["answer"], bare["answer"]),
            ("event on the channel", loaded["channel"], bare["channel"]),
            ("last watcher / channel without", loaded["last"], bare["channel"]),
            ("last watcher / answer without", loaded["last"], bare["answer"]),
        ):
            if a and b:
                print(
                    f"    {label:<34} {quantile(a, 0.5) / quantile(b, 0.5):>6.2f} "
                    f"{quantile(a, 0.99) / quantile(b, 0.99):>6.2f}"
                )
        print(
            f"    background purchases done per second: "
            f"{throughput(live_load) / throughput(bare_load):.2f}"
        )
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        await redis.aclose()
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=1_000)
    parser.add_argument("--jumps", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.connections, args.watchers, args.jumps))


if __name__ == "__main__":
    main()
