"""Benchmark: `redeemReward` at 32 connections against one API process on PostgreSQL.

    .venv/bin/python bench/redeem_reward.py [--members 1000] [--duration 15] [--connections 32]

It creates a scratch PostgreSQL database (dropped at the end), migrates it, seeds a program with
members who have plenty of points and one unlimited reward, starts one uvicorn process on port
8102 and drives it with wrk: every request carries its own member's token (round robin over the
members) and a fresh idempotency key, so every request is a real redemption (debit, FIFO lots,
ledger entry, redemption row with its code, event). It prints redemptions per second (counted in
the database afterwards, so refusals would not count) and wrk's latency percentiles.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, used only
to create and drop the scratch database), BENCH_REDIS_URL (default redis://127.0.0.1:6379/5).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import yardstick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = 8102
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


async def forget_earlier_runs() -> None:
    """Empty the bench's own Redis database: every scratch database numbers its program 1, so
    keys left by an earlier run (boards, challenge counters) would be taken for this one's."""
    from core.redis import create_redis

    redis = create_redis(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


LUA = r"""
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
local counter = 0
thread_id = 0  -- a global: setup() sets it per thread
local prefix = ""
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + thread_id)
  counter = math.random(1, #tokens)
  -- A fresh prefix per run and thread: keys never repeat, so no request is a replay.
  prefix = "b-" .. thread_id .. "-" .. os.time() .. "-" .. math.random(1, 1000000000) .. "-"
end

local body_template = '%(body)s'

request = function()
  counter = counter + 1
  local token = tokens[(counter %% #tokens) + 1]
  local body = string.format(body_template, prefix .. counter)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. token
  return wrk.format("POST", "/graphql", headers, body)
end
"""


REDEEM = (
    "mutation R($input: RedeemRewardInput!) { redeemReward(input: $input) {"
    " redemption { id code status pointsSpent } member { pointsBalance } errors { code } } }"
)


def _body_template(reward_id: int) -> str:
    """The JSON body with `%s` where each request's idempotency key goes (Lua string.format)."""
    body = json.dumps(
        {
            "query": REDEEM,
            "variables": {"input": {"rewardId": str(reward_id), "idempotencyKey": "@"}},
        }
    )
    return body.replace("%", "%%").replace('"@"', '"%s"')


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def create_database() -> tuple[str, str]:
    name = f"bench_redeem_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_pg(ADMIN_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(_pg(ADMIN_URL))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed(database_url: str, members: int) -> tuple[int, list[str]]:
    """A program, `members` members with 10M points each, an unlimited 10-point reward."""
    from core.database import close_database, init_database, migrate
    from gamification import events
    from gamification.accounts import passwords
    from gamification.accounts.members import register_member
    from gamification.accounts.sessions import TokenIssuer
    from gamification.audit import SYSTEM
    from gamification.points import ledger
    from gamification.points.models import LedgerKind
    from gamification.programs.programs import create_program
    from gamification.rewards import catalog
    from gamification.rewards.models import RewardKind

    passwords.configure("fast")  # seeding only: the server never checks these passwords
    await forget_earlier_runs()
    await migrate(database_url)
    await init_database(database_url)
    try:
        program = await create_program(f"bench-{uuid.uuid4().hex[:6]}", "Bench", "EUR")
        reward = await catalog.create_reward(
            SYSTEM, program.id, name="Bench coffee", kind=RewardKind.VOUCHER, points_cost=10
        )
        issuer = TokenIssuer(SECRET.encode(), timedelta(hours=2), timedelta(days=1))
        tokens = []
        for i in range(members):
            member = await register_member(
                program, f"m{i}@bench.example", "bench-password-123", f"Member {i}"
            )
            async with events.atomic():
                await ledger.credit(member, 10_000_000, LedgerKind.BONUS, expires_at=None)
            tokens.append(issuer.access_token(member))
        return reward.id, tokens
    finally:
        await close_database()


async def count(database_url: str, sql: str) -> int:
    conn = await asyncpg.connect(_pg(database_url))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def wait_until_up(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("the API did not start")


def run_wrk(script: Path, connections: int, duration: int) -> str:
    command = [
        shutil.which("wrk") or "/usr/bin/wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{PORT}/graphql",
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def latency(output: str, percentile: str) -> str:
    match = re.search(rf"^\s+{percentile}%\s+(\S+)", output, re.MULTILINE)
    return match.group(1) if match else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    name, database_url = asyncio.run(create_database())
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"seeding {args.members} members in {name}...", flush=True)
        reward_id, tokens = asyncio.run(seed(database_url, args.members))
        workdir = Path(tempfile.mkdtemp(prefix="bench_redeem_"))
        (workdir / "tokens.txt").write_text("\n".join(tokens) + "\n")
        script = workdir / "redeem.lua"
        script.write_text(
            LUA % {"tokens": workdir / "tokens.txt", "body": _body_template(reward_id)}
        )
        env = {
            **os.environ,
            "ENVIRONMENT": "production",
            # The bench's members spend far faster than a person: the limiter still runs (its cost
            # is measured), with limits the bench never reaches.
            "RATE_LIMIT_MEMBER_SPENDS": "100000000",
            "RATE_LIMIT_PROGRAM_SPENDS": "100000000",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SECRET,
            "LOG_JSON": "true",  # production-like logs
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(PORT),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        wait_until_up()
        run_wrk(script, args.connections, 3)  # warm-up: pools, caches, JIT of the plans
        before = asyncio.run(count(database_url, "SELECT count(*) FROM redemption"))
        started = time.monotonic()
        output = run_wrk(script, args.connections, args.duration)
        elapsed = time.monotonic() - started
        after = asyncio.run(count(database_url, "SELECT count(*) FROM redemption"))
        drift = asyncio.run(
            count(
                database_url,
                "SELECT count(*) FROM member m WHERE m.points_balance <> "
                "(SELECT coalesce(sum(delta), 0) FROM ledger_entry e WHERE e.member_id = m.id)",
            )
        )
        requests = re.search(r"(\d+) requests in", output)
        done = after - before
        print(output)
        print(
            f"redeemReward, {args.connections} connections, {args.duration}s, one uvicorn "
            f"process, PostgreSQL: {done / elapsed:.0f} redemptions/s "
            f"({done} redemptions for {requests.group(1) if requests else '?'} requests), "
            f"p50 {latency(output, '50')}, p99 {latency(output, '99')}; "
            f"members whose balance differs from their ledger: {drift}"
        )
        yardstick.report(PORT)
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        asyncio.run(drop_database(name))


if __name__ == "__main__":
    raise SystemExit(main())
