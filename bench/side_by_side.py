"""Issue #20's bench (`make bench`): each hot operation on the service and on the bare twin
(bench/twin.py), alternating A B A B A B in one run on PostgreSQL, one process each.

    .venv/bin/python bench/side_by_side.py [--duration 8] [--rounds 3] [--only me,rewards]
        [--workers 1] [--connections 32] [--keep]
    .venv/bin/python bench/side_by_side.py --engagement     # a loaded program against a bare one

One scratch database (bench_b_*, dropped at the end unless --keep) seeded by
bench/hot_paths.py, Redis database 12 (BENCH_REDIS_URL) flushed first. Every member makes one
purchase and one play through the service before anything is measured (a first purchase and a
due winning moment are what the twin refuses). Then:

1. Answers: each operation once on each side for the same member, compared (ids, codes and the
   balance the other side's write moved are the only differences allowed).
2. Per operation, `--rounds` pairs of wrk runs (one thread, 32 connections, a warm-up of 2 s
   before each): requests/s, p50, p99, failures (a non-200 or any error in the body: the twin's
   refusals count here) and the API process's CPU per request from /proc (user + system), what
   one free core would allow whatever else runs. Per pair: the twin/service ratios of CPU per
   request and service/twin of throughput, and their medians.
3. Effects: rows added per request to each table (and events by type) on each side, which must
   be equal, and after everything, every balance against its ledger and every member's all-time
   points board against their EARN and PRIZE entries.

With --engagement the twin sits idle: recordPurchase of the bare program alternates with a
second program of the same database that defines every feature (hot_paths.load_engagement: 50
earning rules, 20 badges, 10 individual and 5 collective challenges, a webhook), on the same
service process, and the ratio is the loaded program's CPU per purchase over the bare one's.
With --workers N the service's CPU is summed over its worker processes.

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
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import hot_paths
import httpx
import yardstick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICE_PORT, TWIN_PORT = 8111, 8112
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
READS = ("me", "rewards", "leaderboard")
TABLES = (
    "purchase",
    "purchase_line",
    "ledger_entry",
    "redemption",
    "game_play",
    "event",
    "event_handling",
    "webhook_delivery",
)

LUA = r"""
local members = {%(members)s}
local tokens = {%(tokens)s}
local key = "%(key)s"
local template = %(template)s
counter = 0
thread_id = 0
failures = 0
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  local n = (counter * 7 + thread_id * 13) %% #members + 1
  local headers = {["Content-Type"] = "application/json"}
  if key ~= "" then headers["X-Api-Key"] = key
  else headers["Authorization"] = "Bearer " .. tokens[n] end
  local body = template:gsub("@MEMBER@", members[n]):gsub("@KEY@",
    "%(run)s-" .. thread_id .. "-" .. counter)
  return wrk.format("POST", "/graphql", headers, body)
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors":[{', 1, true) then
    failures = failures + 1
    if failures <= 2 then io.stderr:write(status .. " " .. string.sub(body, 1, 300) .. "\n") end
  end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("RESULT %%d %%.3f %%.3f %%.3f %%d\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    failed + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""


def script(op: str, seed: dict[str, Any], run: str) -> str:
    """The wrk script of `op`: each request from the next member (their token, or for a
    purchase their id), with a fresh idempotency key."""
    document, variables, who = hot_paths.operations(seed, tag="@KEY@")[op]
    given = variables(0)
    if op == "recordPurchase":
        given["input"]["member"]["id"] = "@MEMBER@"
    template = hot_paths.body(document, given).replace("@KEY@-0", "@KEY@")
    return LUA % {
        "members": ",".join(f'"{m}"' for m in seed["member_ids"]),
        "tokens": ",".join(f'"{t}"' for t in seed["tokens"]),
        "key": seed["api_key"] if who == "key" else "",
        "template": "[==[" + template + "]==]",
        "run": run,
    }


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def server_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The process serving requests: uvicorn itself, or its workers with --workers."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    workers = [int(c) for c in children if "resource_tracker" not in _cmdline(int(c))]
    return workers or [server.pid]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


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
    found = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", result.stdout)
    assert found, result.stdout
    requests, seconds, p50, p99, failed = found.groups()
    return {
        "requests": int(requests),
        "rate": int(requests) / float(seconds),
        "p50": float(p50),
        "p99": float(p99),
        "failed": int(failed),
    }


def start(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"{command} exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{command} did not start")


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def admin(sql: str) -> None:
    connection = await asyncpg.connect(dsn(ADMIN_URL))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def prepare(database_url: str) -> dict[str, Any]:
    from core.database import close_database, init_database, migrate
    from core.redis import create_redis

    redis = create_redis(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    await migrate(database_url)
    await init_database(database_url)
    try:
        return await hot_paths.seed()
    finally:
        await close_database()


async def prepare_loaded(database_url: str) -> dict[str, Any]:
    """A second program like the first, with every feature defined (issue #20's loaded one)."""
    from core.database import close_database, init_database

    await init_database(database_url)
    try:
        loaded = await hot_paths.seed()
        await hot_paths.load_engagement(loaded["program_id"])
        return loaded
    finally:
        await close_database()


async def post(
    client: httpx.AsyncClient, port: int, op: str, seed: dict[str, Any], n: int, tag: str
) -> dict[str, Any]:
    document, variables, who = hot_paths.operations(seed, tag)[op]
    headers = (
        {"X-Api-Key": seed["api_key"]}
        if who == "key"
        else {"Authorization": f"Bearer {seed['tokens'][n]}"}
    )
    response = await client.post(
        f"http://127.0.0.1:{port}/graphql",
        content=hot_paths.body(document, variables(n)),
        headers={**headers, "Content-Type": "application/json"},
    )
    return dict(response.json())


async def prime(seed: dict[str, Any]) -> None:
    """A first purchase and a first play per member, through the service."""
    async with httpx.AsyncClient(timeout=30) as client:
        for n in range(len(seed["member_ids"])):
            for op in ("recordPurchase", "playInstantWin"):
                answer = await post(client, SERVICE_PORT, op, seed, n, "prime")
                assert "errors" not in answer and not answer["data"][op]["errors"], answer


def masked(answer: Any, path: str = "") -> Any:
    """An answer with what legitimately differs between the sides masked: ids, codes, cursors
    of new rows and balances (checked apart)."""
    if isinstance(answer, dict):
        return {k: masked(v, f"{path}.{k}") for k, v in answer.items()}
    if isinstance(answer, list):
        return [masked(v, path) for v in answer]
    if path.endswith((".code", ".pointsBalance")) or (
        path.endswith(".id") and "Member" not in path
    ):
        return "*" if answer is not None else None
    return answer


async def compare_answers(seed: dict[str, Any], ops: list[str]) -> None:
    """Each operation on the service then on the twin, for the same member (a read sees the
    same state; a write's balance must move on from the other side's)."""
    async with httpx.AsyncClient(timeout=30) as client:
        for op in ops:
            n = 7
            service = await post(client, SERVICE_PORT, op, seed, n, "cmp-s")
            twin = await post(client, TWIN_PORT, op, seed, n, "cmp-t")
            same = masked(service) == masked(twin) if op not in READS else service == twin
            note = ""
            if op not in READS and same:
                before = service["data"][op]["member"]["pointsBalance"]
                after = twin["data"][op]["member"]["pointsBalance"]
                moved = after - before
                expected = (
                    service["data"][op]["purchase"]["pointsEarned"]
                    if op == "recordPurchase"
                    else -(
                        service["data"][op]["redemption"]["pointsSpent"]
                        if op == "redeemReward"
                        else 1
                    )
                )
                same = moved == expected
                note = f" (balance moved {moved:+d} by the twin's write, {expected:+d} expected)"
            print(f"  answer of {op:15s} {'same' if same else 'DIFFERENT'}{note}")
            if not same:
                print(
                    f"    service: {json.dumps(service)[:700]}\n"
                    f"    twin:    {json.dumps(twin)[:700]}"
                )


async def counts(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn(database_url))
    try:
        found = {t: int(await connection.fetchval(f"SELECT count(*) FROM {t}")) for t in TABLES}
        for row in await connection.fetch("SELECT type, count(*) AS n FROM event GROUP BY type"):
            found[f"event {row['type']}"] = int(row["n"])
        return found
    finally:
        await connection.close()


# The row each write adds once: the others are counted per one of it (wrk's count of requests
# misses those still in flight when it stops, whose rows land all the same).
MAIN_ROW = {
    "recordPurchase": "purchase",
    "redeemReward": "redemption",
    "playInstantWin": "game_play",
}


def per_request(op: str, before: dict[str, int], after: dict[str, int]) -> dict[str, float]:
    added = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    main = added.get(MAIN_ROW.get(op, ""), 0)
    # Two decimals: a winning moment that comes due in a run is a rare row of its own.
    if not main:
        return {k: n for k, n in added.items() if n}
    return {k: round(n / main, 2) for k, n in added.items() if n / main >= 0.005}


async def settled_counts(database_url: str) -> dict[str, int]:
    """The counts once the requests still in flight when wrk stopped have landed."""
    found = await counts(database_url)
    while True:
        await asyncio.sleep(0.3)
        again = await counts(database_url)
        if again == found:
            return found
        found = again


async def check_books(database_url: str, program_id: int) -> None:
    from core.redis import create_redis

    connection = await asyncpg.connect(dsn(database_url))
    redis = create_redis(REDIS_URL)
    try:
        off = await connection.fetchval(
            "SELECT count(*) FROM member m WHERE m.points_balance <> "
            "(SELECT coalesce(sum(delta), 0) FROM ledger_entry e WHERE e.member_id = m.id)"
        )  # every program's members
        earned = {
            r["member_id"]: int(r["s"])
            for r in await connection.fetch(
                "SELECT member_id, sum(delta) AS s FROM ledger_entry"
                # What the points board counts; the seed's BONUS credits were made before any
                # board was kept (no app was running).
                " WHERE kind IN ('EARN', 'PRIZE') AND program_id = $1"
                " GROUP BY member_id",
                program_id,
            )
        }
        board = await redis.zrange(f"lb:{{p{program_id}}}:points:all", 0, -1, withscores=True)
        on_board = {int(m): int(s) >> 26 for m, s in board}
        print(
            f"books: {off} balances differ from their ledger; all-time points board "
            f"{'agrees with' if on_board == earned else 'DIFFERS from'} the EARN and PRIZE entries "
            f"({len(on_board)} members)"
        )
    finally:
        await connection.close()
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="service processes (the twin: 1)")
    parser.add_argument("--only", default="", help="comma-separated operations")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--engagement",
        action="store_true",
        help="recordPurchase of the bare program against a loaded one (hot_paths.load_engagement)"
        " on the same service, instead of the twin",
    )
    args = parser.parse_args()
    ops = [o for o in hot_paths.operations({}, "") if not args.only or o in args.only.split(",")]
    if args.engagement:
        ops = ["recordPurchase"]

    name = f"bench_b_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": hot_paths.SECRET,
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
        seed = asyncio.run(prepare(database_url))
        loaded = asyncio.run(prepare_loaded(database_url)) if args.engagement else seed
        uvicorn = str(ROOT / ".venv/bin/uvicorn")
        service = start(
            [uvicorn, "api.asgi:app", "--workers", str(args.workers)], SERVICE_PORT, env
        )
        servers.append(service)
        twin = start([uvicorn, "twin:app", "--app-dir", "bench"], TWIN_PORT, env)
        servers.append(twin)
        print(
            f"scratch database {name}; {len(seed['member_ids'])} members; service workers "
            f"{args.workers}; wrk 1 thread, {args.connections} connections, {args.duration} s runs"
        )
        yardstick.report(SERVICE_PORT)
        asyncio.run(prime(seed))
        if args.engagement:
            asyncio.run(prime(loaded))
        else:
            asyncio.run(compare_answers(seed, ops))
        if args.engagement:
            # The same service, its bare program against the loaded one.
            sides = {
                "bare": (service, SERVICE_PORT, seed),
                "loaded": (service, SERVICE_PORT, loaded),
            }
        else:
            sides = {
                "service": (service, SERVICE_PORT, seed),
                "twin": (twin, TWIN_PORT, seed),
            }
        first, second = sides
        summary = []
        with tempfile.TemporaryDirectory() as tmp:
            for op in ops:
                print(f"{op}:")
                cpu_ratios, rate_ratios = [], []
                effects: dict[str, dict[str, float]] = {}
                for round_ in range(1, args.rounds + 1):
                    figures = {}
                    for side, (server, port, side_seed) in sides.items():
                        lua = Path(tmp) / f"{op}.lua"
                        run = f"{side[0]}{round_}{uuid.uuid4().hex[:6]}"
                        lua.write_text(script(op, side_seed, "w" + run))
                        wrk(port, lua, 2, args.connections)
                        lua.write_text(script(op, side_seed, run))
                        pids = server_pids(server)
                        before = asyncio.run(settled_counts(database_url))
                        cpu = cpu_seconds(pids)
                        result = wrk(port, lua, args.duration, args.connections)
                        result["cpu_ms"] = (
                            1000 * (cpu_seconds(pids) - cpu) / max(1, result["requests"])
                        )
                        after = asyncio.run(settled_counts(database_url))
                        effects[side] = per_request(op, before, after)
                        figures[side] = result
                        print(
                            f"  {side:8s} {result['rate']:8.1f} req/s  p50 {result['p50']:6.1f} ms"
                            f"  p99 {result['p99']:6.1f} ms  API CPU {result['cpu_ms']:.3f} ms/req"
                            f"  failed {result['failed']}"
                        )
                    cpu_ratios.append(figures[second]["cpu_ms"] / figures[first]["cpu_ms"])
                    rate_ratios.append(figures[first]["rate"] / figures[second]["rate"])
                    print(
                        f"  pair {round_}: CPU per request {second}/{first} {cpu_ratios[-1]:.2f}, "
                        f"throughput {first}/{second} {rate_ratios[-1]:.2f}"
                    )
                if args.engagement:
                    print(f"  rows per purchase, last pair: bare {effects['bare']}")
                    print(f"                                loaded {effects['loaded']}")
                else:
                    same = effects["service"] == effects["twin"]
                    print(
                        f"  rows per request, last pair: {'same' if same else 'DIFFERENT'}: "
                        f"service {effects['service']}"
                        + ("" if same else f"; twin {effects['twin']}")
                    )
                summary.append((op, statistics.median(cpu_ratios), statistics.median(rate_ratios)))
        asyncio.run(check_books(database_url, seed["program_id"]))
        print(f"medians, {second}/{first} CPU per request and {first}/{second} throughput:")
        for op, cpu_ratio, rate_ratio in summary:
            if args.engagement:
                verdict = "met" if cpu_ratio <= 1.5 else "not met"
                print(
                    f"  {op:15s} CPU {cpu_ratio:.2f}  throughput {rate_ratio:.2f}  "
                    f"(target: loaded costs <= 1.5 x bare: {verdict})"
                )
                continue
            target = 0.5 if op in READS else 0.6
            print(
                f"  {op:15s} CPU {cpu_ratio:.2f}  throughput {rate_ratio:.2f}  "
                f"(target >= {target}: {'met' if cpu_ratio >= target else 'not met'})"
            )
        yardstick.report(SERVICE_PORT)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
