"""Benchmark: playInstantWin at 64 connections against one uvicorn process on PostgreSQL.

    .venv/bin/python bench/play_instant_win.py [--duration 15] [--connections 64] [--all-win]
        [--socket /var/run/postgresql] [--think MS]

Creates a scratch database (dropped at the end), a program, 640 members with points and a
MOMENTS game (play cost 1, 2,000 prize units over a 30-day window that opened an hour ago, so
a few moments are past and most plays lose, as in a real game; `--all-win` puts half of the
moments in the past so that every play wins, the heaviest path). Starts uvicorn on port 8104
and drives it with wrk (/usr/bin/wrk): each request a new idempotency key and one of the
members' tokens. Prints a baseline (`me` query), plays/s and latency percentiles, the plays of
each second of the run (lowest, median, highest) and the API's CPU per play, then checks the
database: plays recorded, winners = moments claimed, ledgers exact.

Without `--think` every connection plays again as soon as it has its answer: the server is
saturated and a play's latency is mostly its wait behind the 63 others (64 / throughput). With
`--think MS` each connection waits MS ms first, as members reading their outcome would, so the
load stays below saturation and the latency is the service's own.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from gamification.audit import SYSTEM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yardstick

from core.clock import clock
from core.database import close_database, init_database, migrate
from gamification import events
from gamification.accounts import passwords
from gamification.accounts.models import Member
from gamification.accounts.sessions import TokenIssuer
from gamification.games import instant_win, prizes
from gamification.games.models import GamePlay, PrizeKind, WinningMoment
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.programs.programs import create_program

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


async def forget_earlier_runs() -> None:
    """Empty the bench's own Redis database: every scratch database numbers its program 1, so
    keys left by an earlier run (boards, challenge counters) would be taken for this one's."""
    from core.redis import create_redis

    redis = create_redis(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


PORT = 8104
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
MEMBERS = 640
PLAY = (
    "mutation($input: PlayInstantWinInput!) { playInstantWin(input: $input) "
    "{ play { id won } member { pointsBalance } errors { code } } }"
)

ME = "query { me { id pointsBalance } }"

LUA = r"""
local tokens = {%(tokens)s}
local game = "%(game)s"
local run = "%(run)s"
local query = %(query)s
local think = %(think)d
-- Globals, not locals: wrk's thread:set and thread:get only reach a thread's globals.
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
  local token = tokens[(counter * 7 + thread_id * 13) %% #tokens + 1]
  local body = '{"query":' .. query .. ',"variables":{"input":{"gameId":"' .. game ..
    '","idempotencyKey":"' .. run .. thread_id .. '-' .. counter .. '"}}}'
  if game == "" then
    body = '{"query":' .. query .. '}'
  end
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

-- A member looks at the outcome for `think` ms before playing again (0: at once).
function delay()
  return think
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors":%%[{') or string.find(body, '"errors":%%[ {') then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    failures = failures + (thread:get("failures") or 0)
  end
  io.write(string.format("FAILED_RESPONSES %%d\n", failures))
end
"""


async def prepare(database_url: str, all_win: bool) -> tuple[str, list[str], list[int]]:
    await forget_earlier_runs()
    await migrate(database_url)
    await init_database(database_url)
    passwords.configure("fast")
    program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR")
    now = clock.now()
    game = await instant_win.create_game(
        SYSTEM,
        program.id,
        name="Bench scratch card",
        starts_at=now - timedelta(hours=1),
        ends_at=now + (timedelta(hours=1) if all_win else timedelta(days=30)),
        play_cost=1,
        prizes_in=[
            prizes.PrizeInput("10 points", PrizeKind.POINTS, quantity=1500, points=10),
            prizes.PrizeInput("Mug", PrizeKind.PRIZE, quantity=500),
        ],
    )
    issuer = TokenIssuer(SECRET.encode(), timedelta(hours=2), timedelta(days=1))
    members = await Member.bulk_create(
        [
            Member(
                program_id=program.id,
                email=f"m{i}@bench.example",
                password_hash="x",
                display_name=f"Bench {i}",
                referral_code=uuid.uuid4().hex[:16],
                created_at=now,
            )
            for i in range(MEMBERS)
        ]
    )
    members = await Member.filter(program_id=program.id).order_by("id")
    for member in members:
        async with events.atomic():
            await ledger.credit(member, 100_000, LedgerKind.BONUS, expires_at=None)
    tokens = [issuer.access_token(m) for m in members]
    await close_database()
    return str(game.id), tokens, [m.id for m in members]


async def check(database_url: str, member_ids: list[int]) -> dict[str, int]:
    await init_database(database_url)
    try:
        plays = await GamePlay.all().count()
        won = await GamePlay.filter(won=True).count()
        claimed = await WinningMoment.exclude(play_id=None).count()
        bad = 0
        for member in await Member.filter(id__in=member_ids):
            total = sum(
                await LedgerEntry.filter(member_id=member.id).values_list("delta", flat=True)
            )
            bad += total != member.points_balance
        spent = await LedgerEntry.filter(kind=LedgerKind.GAME_PLAY).count()
        return {
            "plays": plays,
            "won": won,
            "moments_claimed": claimed,
            "spends": spent,
            "ledger_mismatches": bad,
        }
    finally:
        await close_database()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux): the API's cost per play, apart from how
    fast the machine happens to run it."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def plays_per_second(database_url: str, wrk: subprocess.Popen[str]) -> list[int]:
    """Plays recorded in each whole second while wrk runs (from the highest play id: one index
    lookup a second). At 64 connections a request's latency is about 64 / the throughput of its
    moment, so the slow seconds make the p99."""
    connection = await asyncpg.connect(database_url.split("?", 1)[0])
    try:
        marks = []
        while wrk.poll() is None:
            marks.append(
                await connection.fetchval('SELECT coalesce(max("id"), 0) FROM "game_play"')
            )
            await asyncio.sleep(1)
        # The first and last seconds are partly outside the run.
        return [later - earlier for earlier, later in itertools.pairwise(marks[1:-1])]
    finally:
        await connection.close()


def write_script(tokens: list[str], game_id: str, query: str, run: str, think: int = 0) -> str:
    """A wrk script; `run` prefixes the idempotency keys so that runs never replay each other;
    each connection waits `think` ms between an answer and its next request."""
    script = LUA % {
        "tokens": ",".join(f'"{t}"' for t in tokens),
        "game": game_id,
        "run": run,
        "query": json.dumps(json.dumps(query)),
        "think": think,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    return f.name


def wait_ready(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    parser.add_argument("--all-win", action="store_true")
    parser.add_argument(
        "--think",
        type=int,
        default=0,
        help="ms each connection waits between an answer and its next play (members reading "
        "their outcome): a load below saturation, whose latency is the service's own",
    )
    parser.add_argument(
        "--socket",
        metavar="DIR",
        help="the API reaches PostgreSQL through its Unix socket in DIR (e.g. /var/run/postgresql)",
    )
    parser.add_argument("--profile", help="write a cProfile of the server to this file")
    args = parser.parse_args()

    name = f"bench_games_{uuid.uuid4().hex[:8]}"
    admin = ADMIN_URL.replace("postgres://", "postgresql://", 1)
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}?minsize=1&maxsize=30"
    server = None
    try:
        game_id, tokens, member_ids = asyncio.run(prepare(database_url, args.all_win))
        env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{urlsplit(ADMIN_URL).username}@/{name}?host={args.socket}"
                "&minsize=1&maxsize=30"
                if args.socket
                else database_url
            ),
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SECRET,
            "ENVIRONMENT": "production",
            # The bench's members spend far faster than a person: the limiter still runs (its cost
            # is measured), with limits the bench never reaches.
            "RATE_LIMIT_MEMBER_SPENDS": "100000000",
            "RATE_LIMIT_PROGRAM_SPENDS": "100000000",
            "LOG_JSON": "true",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                *(["-m", "cProfile", "-o", args.profile] if args.profile else []),
                "-m",
                "uvicorn",
                "api.asgi:app",
                "--port",
                str(PORT),
                "--log-level",
                "warning",
                "--no-access-log",
                *(["--workers", str(args.workers)] if args.workers > 1 else []),
            ],
            env=env,
        )
        wait_ready()
        warm_up = write_script(tokens, game_id, PLAY, "w")
        measured = write_script(tokens, game_id, PLAY, "m", args.think)
        baseline = write_script(tokens, "", ME, "me")
        me_out = subprocess.run(
            [
                "/usr/bin/wrk",
                f"-t{args.threads}",
                f"-c{args.connections}",
                "-d5s",
                "--timeout",
                "10s",
                "-s",
                baseline,
                f"http://127.0.0.1:{PORT}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        me_rps = re.search(r"Requests/sec:\s+([\d.]+)", me_out).group(1)  # type: ignore[union-attr]  # a figure wrk always prints
        print(f"baseline `me` query: {me_rps} req/s at {args.connections} connections")
        yardstick.report(PORT, args.threads)
        # A short warm-up, then the measured run.
        subprocess.run(
            ["/usr/bin/wrk", "-t2", "-c16", "-d2s", "-s", warm_up, f"http://127.0.0.1:{PORT}/"],
            capture_output=True,
            check=True,
        )
        cpu_before = cpu_seconds(server.pid)
        wrk = subprocess.Popen(
            [
                "/usr/bin/wrk",
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "--timeout",
                "10s",  # wrk leaves requests slower than its timeout out of the percentiles
                "-s",
                measured,
                f"http://127.0.0.1:{PORT}/",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        rates = asyncio.run(plays_per_second(database_url, wrk))
        out, _ = wrk.communicate()
        if wrk.returncode:
            raise RuntimeError(f"wrk failed: {out}")
        cpu_used = cpu_seconds(server.pid) - cpu_before
        print(out)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]  # a figure wrk always prints
        p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)  # type: ignore[union-attr]  # a figure wrk always prints
        p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)  # type: ignore[union-attr]  # a figure wrk always prints
        processes = "one uvicorn process" if args.workers == 1 else f"{args.workers} processes"
        print(
            f"playInstantWin: {rps:.0f} plays/s, p50 {p50}, p99 {p99} "
            f"({args.connections} connections, {args.duration} s, {processes}"
            + (f", {args.think} ms between a connection's plays)" if args.think else ")")
        )
        if rates:
            print(
                f"plays in each second of the run: min {min(rates)}, median "
                f"{sorted(rates)[len(rates) // 2]}, max {max(rates)}; API CPU "
                f"{1000 * cpu_used / (rps * args.duration):.2f} ms/play"
                + (" (main process only)" if args.workers > 1 else "")
            )
        server.send_signal(signal.SIGINT)  # a clean stop (and the profile written, if any)
        server.wait(timeout=60)
        server = None
        print("database check:", asyncio.run(check(database_url, member_ids)))
    finally:
        if server is not None:
            server.kill()
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url.split("?", 1)[0])
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


if __name__ == "__main__":
    sys.exit(main())
