"""Issue #23's bench (`make bench-auctions`): `placeBid` on the service and on the bare twin
(bench/auction_twin.py), alternating A B A B A B in one run on PostgreSQL, one process each, at
32 connections, on one hot auction and on 1,000 auctions.

    .venv/bin/python bench/place_bid.py [--duration 8] [--rounds 3] [--connections 32]
        [--only hot,many] [--hot-quantity 32] [--members 300] [--keep]

One scratch database (bench_e_*, dropped at the end unless --keep), Redis database 5
(BENCH_REDIS_URL) flushed first. The seed, through the services: `--members` members with two
lots each (a large one expiring in 60 days, taken first, and a small one that never expires),
one hot auction (`--hot-quantity` units, ending in 4 minutes with a 3-minute extension, so late
bids push its end back during the run) and 1,000 auctions of one unit (every tenth ends in 15
minutes with a 10-minute extension, the others in a week).

Each request bids as the next member (their token), `offset + n` points for the run's n-th
request (the offset grows with every run, so bids keep rising across runs and sides): on the hot
auction every bid beats the lowest of its `quantity` standing bids and pushes it out (a bid is
refused BID_TOO_LOW only when `quantity` later bids overtake it on the way to the auction's row
lock: with 32 units, as many as connections, that is rare; with one unit, most bids of 32 sent
at once would be refusals, which measure a rollback rather than a bid); on the 1,000 auctions,
each of which got a first bid through the service before the runs, request n bids on auction
7n mod 1000, so each auction's next bid comes 1,000 requests later, from another member, and
outbids the last one.

1. Answers: six bids on one auction, service and twin in turn (a first bid, outbids, raises),
   compared with the figures masked, and the figures checked (the price, the next minimum, the
   count, the points held); the event rows each side wrote, compared.
2. Per scenario, `--rounds` pairs of wrk runs (one thread, a warm-up of 2 s before each):
   requests/s, bids/s (answers without errors), p50, p99, refusals by code (TWIN_UNHANDLED is
   the twin refusing what it was not written for), the API process's CPU per request from /proc
   (user + system). Per pair: twin/service CPU per request and service/twin throughput; medians.
3. Effects after every run: rows added per bid to each table (events by type, bids by status) on
   each side, which must be equal; and the books of every member: balance + held = their
   ledger, balance = their lots' remaining, held = their HELD holds, and the HELD holds are
   exactly the standing (WINNING) bids, one per member and auction, each with lots for all its
   points; no auction with more WINNING bids than units, bids_count = its bids.

The machine yardstick (bench/yardstick.py against the service's /healthz) is printed at the
start and the end. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import yardstick
from auction_twin import PLACE_BID
from side_by_side import cpu_seconds, server_pids, start

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


SERVICE_PORT, TWIN_PORT = 8141, 8142
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
AUCTIONS = 1000
EXPIRING_LOT = 1_000_000_000  # every hold fits in it: one hold-lot row per bid on both sides
LASTING_LOT = 1_000_000
# Each run's points start here times its index: above every bid of the runs before.
OFFSET = 100_000
TABLES = ("auction_bid", "points_hold", "points_hold_lot", "ledger_entry", "event")

LUA = r"""
local tokens = {%(tokens)s}
local auctions = {%(auctions)s}
local template = %(template)s
local offset = %(offset)d
local shift = %(shift)d
counter = 0
failures = 0
too_low = 0
unhandled = 0
function request()
  counter = counter + 1
  local token = tokens[(counter + shift) %% #tokens + 1]
  local auction = auctions[(counter * 7) %% #auctions + 1]
  local body = template:gsub("@AUCTION@", auction):gsub("@POINTS@", tostring(offset + counter))
    :gsub("@KEY@", "%(run)s-" .. counter)
  return wrk.format("POST", "/graphql",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"errors":[]', 1, true) then
    failures = failures + 1
    if string.find(body, "BID_TOO_LOW", 1, true) then too_low = too_low + 1
    elseif string.find(body, "TWIN_UNHANDLED", 1, true) then unhandled = unhandled + 1
    elseif failures - too_low - unhandled <= 2 then
      io.stderr:write(status .. " " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end
local thread
function setup(t) thread = t end
function done(summary, latency, requests)
  io.write(string.format("RESULT %%d %%.3f %%.3f %%.3f %%d %%d %%d %%d\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    thread:get("failures"), thread:get("too_low"), thread:get("unhandled"),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""


def body(auction: str, points: str, key: str) -> str:
    return json.dumps(
        {
            "query": PLACE_BID,
            "variables": {"input": {"auctionId": auction, "points": points, "idempotencyKey": key}},
        }
    )


def script(seed: dict[str, Any], auctions: list[int], run_index: int, run: str) -> str:
    """The wrk script of the `run_index`-th run: its points above every earlier run's, and its
    bidders shifted by `run_index`: request n bids as member n + run_index (of 300), on auction
    7n mod 1000, so an auction's next bid in a run comes from 100 members on, and one of a later
    run (up to the 49th) never from the bidder standing there: every bid outbids another."""
    # The points go in as a bare number: the template's placeholder loses its quotes.
    template = body("@AUCTION@", "@POINTS@", "@KEY@").replace('"@POINTS@"', "@POINTS@")
    return LUA % {
        "tokens": ",".join(f'"{t}"' for t in seed["tokens"]),
        "auctions": ",".join(f'"{a}"' for a in auctions),
        "template": "[==[" + template + "]==]",
        "offset": run_index * OFFSET,
        "shift": run_index % 100,
        "run": run,
    }


def wrk(port: int, lua: Path, duration: int, connections: int) -> dict[str, float]:
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    if result.stderr.strip():
        print("   ", result.stderr.strip()[:600].replace("\n", "\n    "), file=sys.stderr)
    found = re.search(
        r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+) (\d+) (\d+)", result.stdout
    )
    assert found, result.stdout
    requests, seconds, p50, p99, failed, too_low, unhandled, socket = found.groups()
    return {
        "requests": int(requests),
        "seconds": float(seconds),
        "rate": int(requests) / float(seconds),
        "bids": (int(requests) - int(failed)) / float(seconds),
        "p50": float(p50),
        "p99": float(p99),
        "failed": int(failed) + int(socket),
        "too_low": int(too_low),
        "unhandled": int(unhandled),
    }


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def admin(sql: str) -> None:
    connection = await asyncpg.connect(dsn(ADMIN_URL))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def seed(members: int, hot_quantity: int) -> dict[str, Any]:
    """The program, its members (tokens) and auctions, through the services."""
    from core.clock import clock
    from gamification import events
    from gamification.accounts import passwords
    from gamification.accounts.members import register_member
    from gamification.accounts.sessions import TokenIssuer
    from gamification.audit import Actor
    from gamification.games import auctions
    from gamification.games.models import AuctionPrizeKind
    from gamification.points import ledger
    from gamification.points.models import LedgerKind
    from gamification.programs.programs import create_program

    passwords.configure("fast")
    now = clock.now()
    program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Auction bench", "EUR")
    issuer = TokenIssuer(SECRET.encode(), timedelta(hours=12), timedelta(days=1))
    tokens = []
    for i in range(members):
        member = await register_member(
            program, f"b{i}@bench.example", "bench password 123", f"Bidder {i}"
        )
        async with events.atomic():
            await ledger.credit(
                member, EXPIRING_LOT, LedgerKind.BONUS, expires_at=now + timedelta(days=60)
            )
            await ledger.credit(member, LASTING_LOT, LedgerKind.BONUS, expires_at=None)
        tokens.append(issuer.access_token(member))
    actor = Actor.system("bench: place_bid")
    common = {"prize_kind": AuctionPrizeKind.PRIZE, "starts_at": now - timedelta(minutes=5)}
    many = []
    for i in range(AUCTIONS):
        late = i % 10 == 0
        auction = await auctions.create_auction(
            actor,
            program.id,
            name=f"Auction {i:04d}",
            ends_at=now + (timedelta(minutes=15) if late else timedelta(days=7)),
            starting_bid=1,
            extension_minutes=10 if late else 0,
            **common,
        )
        many.append(auction.id)
    # Last: its end is 4 minutes from now, whatever the seed took.
    hot = await auctions.create_auction(
        actor,
        program.id,
        name="Hot auction",
        ends_at=clock.now() + timedelta(minutes=4),
        starting_bid=1,
        quantity=hot_quantity,
        extension_minutes=3,
        **common,
    )
    return {"program_id": program.id, "tokens": tokens, "hot": [hot.id], "many": many}


async def prepare(database_url: str, members: int, hot_quantity: int) -> dict[str, Any]:
    from core.database import close_database, init_database, migrate
    from core.redis import create_redis

    redis = create_redis(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    await migrate(database_url)
    await init_database(database_url)
    try:
        return await seed(members, hot_quantity)
    finally:
        await close_database()


# --- answers ----------------------------------------------------------------------------------


async def bid(
    client: httpx.AsyncClient, port: int, seed: dict[str, Any], n: int, auction: int, points: int
) -> dict[str, Any]:
    response = await client.post(
        f"http://127.0.0.1:{port}/graphql",
        content=body(str(auction), str(points), f"cmp-{port}-{n}-{auction}-{points}").replace(
            f'"{points}"', str(points)
        ),
        headers={
            "Authorization": f"Bearer {seed['tokens'][n]}",
            "Content-Type": "application/json",
        },
    )
    answer: dict[str, Any] = response.json()
    return answer


FIGURES = ("id", "points", "placedAt", "currentPrice", "minimumBid", "bidsCount", "endsAt")
FIGURES += ("myBid", "pointsBalance", "pointsHeld")


def masked(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: "*" if k in FIGURES and v is not None else masked(v) for k, v in answer.items()}
    if isinstance(answer, list):
        return [masked(v) for v in answer]
    return answer


async def prime(seed: dict[str, Any]) -> None:
    """A first bid on each of the 1,000 auctions, through the service, so that every bid of the
    runs outbids one (the bidder 150 members on from the runs' first bidder there)."""
    members = len(seed["tokens"])
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(seed["many"])):
        queue.put_nowait(index)

    async def bidder(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            index = queue.get_nowait()
            first = (index * 143) % AUCTIONS  # 7 * 143 = 1 (mod 1000): the run's first request
            answer = await bid(
                client, SERVICE_PORT, seed, (first + 150) % members, seed["many"][index], 100
            )
            payload = (answer.get("data") or {}).get("placeBid") or {}
            assert payload.get("bid") and not payload["errors"], answer

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(bidder(client) for _ in range(16)))


async def compare_answers(seed: dict[str, Any], database_url: str) -> None:
    """Five bids on one auction, service and twin in turn: the answers alike, the figures right,
    the events alike."""
    auction = seed["many"][500]
    steps = [  # (side, member, points, what)
        (SERVICE_PORT, 0, 50, "first bid"),
        (TWIN_PORT, 1, 51, "outbids the service's"),
        (SERVICE_PORT, 2, 52, "outbids the twin's"),
        (TWIN_PORT, 2, 60, "raises it"),
        (SERVICE_PORT, 2, 70, "raises it again"),
        (TWIN_PORT, 3, 80, "outbids a raised bid"),
    ]
    answers = []
    async with httpx.AsyncClient(timeout=30) as client:
        held: dict[int, int] = {}
        for port, n, points, what in steps:
            answer = await bid(client, port, seed, n, auction, points)
            side = "service" if port == SERVICE_PORT else "twin"
            payload = (answer.get("data") or {}).get("placeBid") or {}
            problems = []
            if answer.get("errors") or payload.get("errors"):
                problems.append(f"refused: {json.dumps(answer)[:400]}")
            else:
                shown = payload["auction"]
                if shown["currentPrice"] != points or shown["minimumBid"] != points + 1:
                    problems.append("price or next minimum")
                if shown["bidsCount"] != len(answers) + 1:
                    problems.append("bids count")
                before = held.get(n)
                now_held = payload["member"]["pointsHeld"]
                if before is not None and now_held - before != points - steps[len(answers) - 1][2]:
                    problems.append("points held by the raise")
                held[n] = now_held
            answers.append((side, answer))
            print(
                f"  {side:7s} member {n} bids {points:3d} ({what}): {'; '.join(problems) or 'ok'}"
            )
    shapes = {json.dumps(masked(a), sort_keys=True) for _, a in answers}
    print(f"  answers' shapes and statuses: {'same' if len(shapes) == 1 else 'DIFFERENT'}")
    if len(shapes) > 1:
        for side, answer in answers:
            print(f"    {side}: {json.dumps(answer)[:600]}")
    connection = await asyncpg.connect(dsn(database_url))
    try:
        rows = await connection.fetch(
            "SELECT e.type, e.member_id, e.data, e.settled_at IS NOT NULL AS settled,"
            " e.reruns FROM event e"
            " WHERE e.type IN ('BID_PLACED', 'OUTBID') AND (e.data->>'auction_id')::bigint = $1"
            " ORDER BY e.id",
            auction,
        )
    finally:
        await connection.close()
    written = [
        (r["type"], r["member_id"], json.loads(r["data"]), r["settled"], r["reruns"]) for r in rows
    ]
    expected = [
        ("BID_PLACED", 0, 50, 50),
        ("OUTBID", 0, None, 50),
        ("BID_PLACED", 1, 51, 51),
        ("OUTBID", 1, None, 51),
        ("BID_PLACED", 2, 52, 52),
        ("BID_PLACED", 2, 60, 8),
        ("BID_PLACED", 2, 70, 10),
        ("OUTBID", 2, None, 70),
        ("BID_PLACED", 3, 80, 80),
    ]
    members = {}
    fine = len(written) == len(expected)
    for (kind, member, data, settled, reruns), (want, n, points, moved) in zip(
        written, expected, strict=False
    ):
        members.setdefault(n, member)
        keys = {"auction_id", "bid_id", "points", "held"} if want == "BID_PLACED" else None
        fine &= kind == want and members[n] == member and settled and reruns == 0
        if keys is not None:
            fine &= set(data) == keys and data["points"] == points and data["held"] == moved
        else:
            fine &= set(data) == {"auction_id", "bid_id", "released"} and data["released"] == moved
    print(
        f"  events of these bids ({len(written)}): "
        + ("as expected on both sides" if fine else f"DIFFERENT: {written}")
    )


# --- effects and books ------------------------------------------------------------------------


async def counts(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn(database_url))
    try:
        found = {t: int(await connection.fetchval(f"SELECT count(*) FROM {t}")) for t in TABLES}
        for row in await connection.fetch("SELECT type, count(*) AS n FROM event GROUP BY type"):
            found[f"event {row['type']}"] = int(row["n"])
        for row in await connection.fetch(
            "SELECT status, count(*) AS n FROM auction_bid GROUP BY status"
        ):
            found[f"bid {row['status']}"] = int(row["n"])
        for row in await connection.fetch(
            "SELECT status, count(*) AS n FROM points_hold GROUP BY status"
        ):
            found[f"hold {row['status']}"] = int(row["n"])
        return found
    finally:
        await connection.close()


async def settled_counts(database_url: str) -> dict[str, int]:
    """The counts once the requests still in flight when wrk stopped have landed."""
    found = await counts(database_url)
    while True:
        await asyncio.sleep(0.3)
        again = await counts(database_url)
        if again == found:
            return found
        found = again


def per_bid(before: dict[str, int], after: dict[str, int]) -> dict[str, float]:
    added = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    bids = added.get("auction_bid", 0)
    if not bids:
        return {k: n for k, n in added.items() if n}
    return {k: round(n / bids, 2) for k, n in added.items() if abs(n / bids) >= 0.005}


BOOKS = {
    "balance + held differs from the ledger": (
        "SELECT count(*) FROM member m WHERE m.points_balance + m.points_held <> "
        "(SELECT coalesce(sum(delta), 0) FROM ledger_entry e WHERE e.member_id = m.id)"
    ),
    "balance differs from the lots' remaining": (
        "SELECT count(*) FROM member m WHERE m.points_balance <> "
        "(SELECT coalesce(sum(remaining), 0) FROM ledger_entry e WHERE e.member_id = m.id"
        " AND e.remaining > 0)"
    ),
    "held differs from the HELD holds": (
        "SELECT count(*) FROM member m WHERE m.points_held <> "
        "(SELECT coalesce(sum(points), 0) FROM points_hold h WHERE h.member_id = m.id"
        " AND h.status = 'HELD')"
    ),
    "standing bids without their hold": (
        "SELECT count(*) FROM auction_bid b WHERE b.status = 'WINNING' AND NOT EXISTS ("
        "SELECT 1 FROM points_hold h WHERE h.member_id = b.member_id AND h.status = 'HELD'"
        " AND h.reference = 'auction:' || b.auction_id AND h.points = b.points)"
    ),
    "HELD holds without a standing bid, or two for one": (
        "SELECT count(*) FROM points_hold h WHERE h.status = 'HELD' AND 1 <> ("
        "SELECT count(*) FROM auction_bid b WHERE b.member_id = h.member_id"
        " AND b.status = 'WINNING' AND h.reference = 'auction:' || b.auction_id)"
    ),
    "HELD holds whose lots do not add up": (
        "SELECT count(*) FROM points_hold h WHERE h.status = 'HELD' AND h.points <> "
        "(SELECT coalesce(sum(points), 0) FROM points_hold_lot l WHERE l.hold_id = h.id)"
    ),
    "auctions with more standing bids than units, or a wrong bids_count": (
        "SELECT count(*) FROM auction a WHERE a.quantity < (SELECT count(*) FROM auction_bid b"
        " WHERE b.auction_id = a.id AND b.status = 'WINNING') OR a.bids_count <> "
        "(SELECT count(*) FROM auction_bid b WHERE b.auction_id = a.id)"
    ),
    "bids without their BID_PLACED, or outbid ones without their OUTBID": (
        "SELECT abs((SELECT count(*) FROM auction_bid) - (SELECT count(*) FROM event"
        " WHERE type = 'BID_PLACED')) + abs((SELECT count(*) FROM auction_bid"
        " WHERE status = 'OUTBID') - (SELECT count(*) FROM event WHERE type = 'OUTBID'))"
    ),
}


async def check_books(database_url: str) -> str:
    connection = await asyncpg.connect(dsn(database_url))
    try:
        wrong = {what: int(await connection.fetchval(sql)) for what, sql in BOOKS.items()}
    finally:
        await connection.close()
    bad = [f"{n} {what}" for what, n in wrong.items() if n]
    return "books hold" if not bad else "BOOKS WRONG: " + "; ".join(bad)


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default="hot,many", help="hot, many or both")
    parser.add_argument("--hot-quantity", type=int, default=32)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    scenarios = [s for s in ("hot", "many") if s in args.only.split(",")]

    name = f"bench_e_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "development",
        "LOG_JSON": "true",
        # The twin logs nothing; the service's access log is a switch (bench/README.md).
        "ACCESS_LOG": "false",
        "RATE_LIMIT_MEMBER_SPENDS": "0",
        "RATE_LIMIT_PROGRAM_SPENDS": "0",
        "PYTHONPATH": str(ROOT / "bench"),
    }
    servers: list[subprocess.Popen[bytes]] = []
    try:
        seed = asyncio.run(prepare(database_url, args.members, args.hot_quantity))
        uvicorn = str(ROOT / ".venv/bin/uvicorn")
        service = start([uvicorn, "api.asgi:app"], SERVICE_PORT, env)
        servers.append(service)
        twin = start([uvicorn, "auction_twin:app", "--app-dir", "bench"], TWIN_PORT, env)
        servers.append(twin)
        print(
            f"scratch database {name}; {args.members} members; one hot auction of "
            f"{args.hot_quantity} units and {AUCTIONS} auctions of one; wrk 1 thread, "
            f"{args.connections} connections, {args.duration} s runs"
        )
        yardstick.report(SERVICE_PORT)
        print("answers:")
        asyncio.run(compare_answers(seed, database_url))
        print(f"  {asyncio.run(check_books(database_url))}")
        if "many" in scenarios:
            asyncio.run(prime(seed))
            print(
                f"a first bid on each of the {AUCTIONS} auctions (service): "
                f"{asyncio.run(check_books(database_url))}"
            )
        sides = {"service": (service, SERVICE_PORT), "twin": (twin, TWIN_PORT)}
        summary = []
        runs = 0
        with tempfile.TemporaryDirectory() as tmp:
            lua = Path(tmp) / "bid.lua"
            for scenario in scenarios:
                targets = seed[scenario]
                title = "one hot auction" if scenario == "hot" else f"{len(targets)} auctions"
                print(f"placeBid on {title}:")
                cpu_ratios, rate_ratios = [], []
                effects: dict[str, dict[str, float]] = {}
                for round_ in range(1, args.rounds + 1):
                    figures = {}
                    for side, (server, port) in sides.items():
                        tag = f"{scenario}{side[0]}{round_}{uuid.uuid4().hex[:6]}"
                        runs += 1
                        lua.write_text(script(seed, targets, runs, "w" + tag))
                        wrk(port, lua, 2, args.connections)
                        runs += 1
                        lua.write_text(script(seed, targets, runs, tag))
                        pids = server_pids(server)
                        before = asyncio.run(settled_counts(database_url))
                        cpu = cpu_seconds(pids)
                        result = wrk(port, lua, args.duration, args.connections)
                        result["cpu_ms"] = (
                            1000 * (cpu_seconds(pids) - cpu) / max(1, result["requests"])
                        )
                        after = asyncio.run(settled_counts(database_url))
                        effects[side] = per_bid(before, after)
                        figures[side] = result
                        books = asyncio.run(check_books(database_url))
                        print(
                            f"  {side:7s} {result['rate']:7.1f} req/s {result['bids']:7.1f} bids/s"
                            f"  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms"
                            f"  API CPU {result['cpu_ms']:.3f} ms/req  refused: BID_TOO_LOW "
                            f"{result['too_low']}, TWIN_UNHANDLED {result['unhandled']}, "
                            f"other {result['failed'] - result['too_low'] - result['unhandled']}"
                            f"; {books}"
                        )
                    cpu_ratios.append(figures["twin"]["cpu_ms"] / figures["service"]["cpu_ms"])
                    rate_ratios.append(figures["service"]["bids"] / figures["twin"]["bids"])
                    print(
                        f"  pair {round_}: CPU per request twin/service {cpu_ratios[-1]:.2f}, "
                        f"bids/s service/twin {rate_ratios[-1]:.2f}"
                    )
                same = effects["service"] == effects["twin"]
                print(
                    f"  rows per bid, last pair: {'same' if same else 'DIFFERENT'}: "
                    f"service {effects['service']}" + ("" if same else f"; twin {effects['twin']}")
                )
                summary.append(
                    (title, statistics.median(cpu_ratios), statistics.median(rate_ratios))
                )
        print("medians, twin/service CPU per request and service/twin bids/s:")
        for title, cpu_ratio, rate_ratio in summary:
            print(f"  {title:16s} CPU {cpu_ratio:.2f}  bids/s {rate_ratio:.2f}")
        yardstick.report(SERVICE_PORT)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
