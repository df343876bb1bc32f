"""Benchmark: `recordPurchase` over HTTP with wrk, one uvicorn process, SQLite and PostgreSQL.

    .venv/bin/python bench/record_purchase.py [--db sqlite|postgres|both] [--duration 20]
    .venv/bin/python bench/record_purchase.py --db postgres --engagement   # issue #5's set-up
    .venv/bin/python bench/record_purchase.py --compare 3                 # issue #5's ratio

Each database is a scratch one (a temporary SQLite file, or a PostgreSQL database created and
dropped here), migrated and seeded with a program, 200 members, an API key and 3 active earning
rules (base rate, category multiplier, running campaign); with --engagement also 20 active badges
and 10 active challenges (4 collective). Every member makes one purchase first (enrolments and
progress rows happen once in a member's life). wrk drives 32 connections, each request a 5-line
purchase with its own externalId (a Lua counter per wrk thread). Prints purchases/s, p50, p99 and
errors, then checks that every successful request made exactly one purchase.

Figures are not assertions: the machine may be shared.
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
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import yardstick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = 8101
MEMBERS = 200
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")


async def forget_earlier_runs() -> None:
    """Empty the bench's own Redis database: every scratch database numbers its program 1, so
    keys left by an earlier run (boards, challenge counters) would be taken for this one's."""
    from core.redis import create_redis

    redis = create_redis(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


DOCUMENT = (
    "mutation R($input: RecordPurchaseInput!) { recordPurchase(input: $input) "
    "{ purchase { id pointsEarned breakdown { rule points } } "
    "member { pointsBalance tier { name } } errors { code } } }"
)

LINES = [
    {"sku": "BEANS-1KG", "category": "coffee", "quantity": 1, "unitPrice": "24.90"},
    {"sku": "LATTE", "category": "drinks", "quantity": 2, "unitPrice": "4.20"},
    {"sku": "CROISSANT", "category": "bakery", "quantity": 3, "unitPrice": "2.10"},
    {"sku": "MUG", "category": "merch", "quantity": 1, "unitPrice": "12.00"},
    {"sku": "FILTERS", "category": "coffee", "quantity": 2, "unitPrice": "3.55"},
]
TOTAL = str(sum(Decimal(line["unitPrice"]) * line["quantity"] for line in LINES))


async def prepare(database_url: str, engagement: bool = False) -> tuple[str, list[int]]:
    """Migrate and seed; return the API key and the member ids. `engagement`: also define 20
    active badges and 10 active challenges (those of bench/engagement_cost.py)."""
    from core.database import close_database, init_database, migrate
    from gamification.accounts import members
    from gamification.accounts.api_keys import create_api_key
    from gamification.audit import SYSTEM
    from gamification.points import earning_rules
    from gamification.points.models import EarningRuleKind
    from gamification.programs.programs import create_program

    await forget_earlier_runs()
    await migrate(database_url)
    await init_database(database_url)
    try:
        program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR")
        now = datetime.now(UTC)
        await earning_rules.create_rule(
            SYSTEM,
            program.id,
            name="Base",
            kind=EarningRuleKind.BASE_RATE,
            points_per_unit=Decimal(10),
        )
        await earning_rules.create_rule(
            SYSTEM,
            program.id,
            name="Coffee x2",
            kind=EarningRuleKind.PRODUCT,
            category="coffee",
            multiplier=Decimal(2),
        )
        await earning_rules.create_rule(
            SYSTEM,
            program.id,
            name="Double week",
            kind=EarningRuleKind.CAMPAIGN,
            multiplier=Decimal(2),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=6),
        )
        from gamification.accounts import passwords

        passwords.configure("fast")
        ids = []
        for i in range(MEMBERS):
            member = await members.register_member(
                program, f"m{i}@bench.example", "bench password 123", f"Member {i}"
            )
            ids.append(member.id)
        if engagement:
            from bench.engagement_cost import define_engagement

            await define_engagement(program)
        _, key = await create_api_key(SYSTEM, program.id, "bench")
        return key, ids
    finally:
        await close_database()


def lua_script(key: str, member_ids: list[int], run: str) -> str:
    occurred = datetime.now(UTC).isoformat()
    template = json.dumps(
        {
            "query": DOCUMENT,
            "variables": {
                "input": {
                    "member": {"id": "MEMBER"},
                    "externalId": "EXTERNAL",
                    "occurredAt": occurred,
                    "currency": "EUR",
                    "total": TOTAL,
                    "lines": LINES,
                }
            },
        }
    )
    head, rest = template.split('"MEMBER"', 1)
    middle, tail = rest.split('"EXTERNAL"', 1)
    ids = ",".join(str(i) for i in member_ids)
    return f"""
local threads = {{}}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
local members = {{{ids}}}
local counter = 0
bad = 0
function init(args)
  prefix = "{run}-" .. tid .. "-"
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = "{key}"
request = function()
  counter = counter + 1
  -- Walk every member in turn (each thread from its own starting point): a member comes round
  -- again only after all the others, as in a shop where one member rarely pays twice at once.
  local member = members[(counter + tid * 53) % #members + 1]
  local body = [==[{head}]==] .. '"' .. member .. '"' .. [==[{middle}]==]
    .. '"' .. prefix .. counter .. '"' .. [==[{tail}]==]
  return wrk.format(nil, "/graphql", nil, body)
end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"errors":[]', 1, true) then
    bad = bad + 1
    if bad <= 3 then io.stderr:write(status .. " " .. string.sub(body, 1, 300) .. "\\n") end
  end
end
done = function(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("bad") end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %d %.3f %.2f %.2f %.2f %d %d\\n", summary.requests, seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    failed, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""


def prime(key: str, member_ids: list[int]) -> None:
    """One purchase per member before the measured run: a member's first purchase enrols them
    in the automatic challenges and creates their progress rows, once in their life; the run
    measures the purchases after that."""
    import httpx

    async def first_purchases() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            for member_id in member_ids:
                response = await client.post(
                    "/graphql",
                    headers={"X-Api-Key": key},
                    json={
                        "query": DOCUMENT,
                        "variables": {
                            "input": {
                                "member": {"id": str(member_id)},
                                "externalId": f"prime-{member_id}",
                                "occurredAt": datetime.now(UTC).isoformat(),
                                "currency": "EUR",
                                "total": TOTAL,
                                "lines": LINES,
                            }
                        },
                    },
                )
                assert response.json()["data"]["recordPurchase"]["errors"] == [], response.text

    asyncio.run(first_purchases())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to show the API's cost per purchase apart
    from the load other processes put on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_up(server: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError("uvicorn exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not start")


def run_wrk(script: Path, duration: int, connections: int) -> dict[str, float]:
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{PORT}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    if result.stderr.strip():
        print(result.stderr.strip()[:1000], file=sys.stderr)
    match = re.search(
        r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", result.stdout
    )
    assert match, result.stdout
    requests, seconds, p50, p99, worst, failed, socket_errors = match.groups()
    return {
        "requests": int(requests),
        "rate": int(requests) / float(seconds),
        "p50": float(p50),
        "p99": float(p99),
        "max": float(worst),
        "failed": int(failed),
        "socket_errors": int(socket_errors),
    }


async def count_purchases(database_url: str) -> tuple[int, int]:
    from core.database import close_database, init_database
    from gamification.points.models import LedgerEntry, Purchase

    await init_database(database_url)
    try:
        return await Purchase.all().count(), await LedgerEntry.filter(kind="EARN").count()
    finally:
        await close_database()


def bench(
    name: str, database_url: str, duration: int, connections: int, engagement: bool = False
) -> dict[str, float]:
    key, member_ids = asyncio.run(prepare(database_url, engagement))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "ENVIRONMENT": "development",
        "LOG_JSON": "true",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "api.asgi:app",
            "--port",
            str(PORT),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        # wrk drops its connections mid-request when it stops: uvicorn logs each as an error.
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(server)
        prime(key, member_ids)
        with tempfile.TemporaryDirectory() as tmp:
            warm = Path(tmp) / "warm.lua"
            warm.write_text(lua_script(key, member_ids, f"warm{uuid.uuid4().hex[:6]}"))
            run_wrk(warm, 3, connections)
            script = Path(tmp) / "record_purchase.lua"
            script.write_text(lua_script(key, member_ids, f"run{uuid.uuid4().hex[:6]}"))
            cpu_before = cpu_seconds(server.pid)
            figures = run_wrk(script, duration, connections)
            cpu_used = cpu_seconds(server.pid) - cpu_before
        yardstick.report(PORT)
    finally:
        server.terminate()
        server.wait(timeout=30)
    purchases, lots = asyncio.run(count_purchases(database_url))
    print(
        f"{name:10s} {figures['rate']:8.1f} purchases/s  p50 {figures['p50']:6.1f} ms  "
        f"p99 {figures['p99']:6.1f} ms  max {figures['max']:7.1f} ms  "
        f"failed {figures['failed']}  socket errors {figures['socket_errors']}  "
        f"API CPU {1000 * cpu_used / max(1, figures['requests']):.2f} ms/purchase  "
        f"({figures['requests']} requests in {duration}s, {connections} connections; "
        f"{purchases} purchases and {lots} EARN lots in the database, warm-up included)"
    )
    return {**figures, "cpu_ms": 1000 * cpu_used / max(1, figures["requests"])}


async def _postgres(statement: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--engagement",
        action="store_true",
        help="with 20 active badges and 10 active challenges defined (issue #5's set-up)",
    )
    parser.add_argument(
        "--compare",
        type=int,
        metavar="ROUNDS",
        help="PostgreSQL: alternate bare and --engagement runs, print the median ratio",
    )
    args = parser.parse_args()
    if args.db == "both" and not args.compare:
        # One process per database: Tortoise keeps per-dialect state between inits.
        for db in ("sqlite", "postgres"):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--db",
                    db,
                    "--duration",
                    str(args.duration),
                    "--connections",
                    str(args.connections),
                    *(["--engagement"] if args.engagement else []),
                ],
                check=True,
            )
        return
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            bench(
                "SQLite",
                f"sqlite://{tmp}/bench.sqlite3",
                args.duration,
                args.connections,
                args.engagement,
            )
    if args.compare:
        compare(args.compare, args.duration, args.connections)
    elif args.db == "postgres":
        on_postgres("PostgreSQL", args.duration, args.connections, args.engagement)


def on_postgres(name: str, duration: int, connections: int, engagement: bool) -> dict[str, float]:
    database = f"bench_points_{uuid.uuid4().hex[:8]}"
    asyncio.run(_postgres(f'CREATE DATABASE "{database}"'))
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"
        return bench(name, url, duration, connections, engagement)
    finally:
        asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def compare(rounds: int, duration: int, connections: int) -> None:
    """Issue #5: recordPurchase with 20 badges and 10 challenges against the bare engine, on
    PostgreSQL, the two alternating on fresh databases (single runs move by several percent on
    a shared machine): each pair, then the median ratio."""
    ratios = []
    for n in range(1, rounds + 1):
        bare = on_postgres("bare", duration, connections, engagement=False)
        engaged = on_postgres("engaged", duration, connections, engagement=True)
        ratios.append(engaged["rate"] / bare["rate"])
        print(
            f"round {n}: engaged/bare {ratios[-1]:.1%} by purchases/s, "
            f"{bare['cpu_ms'] / engaged['cpu_ms']:.1%} by API CPU per purchase"
        )
    print(f"median engaged/bare over {rounds} rounds: {statistics.median(ratios):.1%}")


if __name__ == "__main__":
    main()
