"""Leaderboard benchmark: a board of 1,000,000 members.

1. a scratch PostgreSQL database with 1,000,000 bulk-inserted (COPY) members and ledger rows;
2. the all-time `points` board filled by pipelined ZADD (timed);
3. the `leaderboard(first: 10, around: 5)` query over HTTP, 32 connections, one uvicorn process
   on port 8105, driven by wrk: requests/s and p99 (targets: >= 1,000/s, p99 < 50 ms);
4. rebuilding that board from the database (timed; target < 60 s), checked equal to step 2.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/leaderboard.py [--members N]

It drops its scratch database and its Redis keys at the end. Figures depend on the machine and
its load: print them, never assert them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import yardstick

from core.clock import clock
from core.database import close_database, init_database, migrate, normalise_url
from core.redis import create_redis

ROOT = Path(__file__).resolve().parent.parent

PORT = 8105
QUERY = (
    'query { leaderboard(board: "points", first: 10, around: 5) '
    "{ entries { rank score member { displayName } } me { rank score } "
    "around { rank score member { displayName } } } }"
)
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def pg_dsn(url: str) -> str:
    return normalise_url(url).split("?", 1)[0].replace("postgres://", "postgresql://", 1)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="wrk threads: one drives far more than this API serves, and a second only takes"
        " CPU from the API on a 2-core machine (measured: 900/s with two, 1,000/s with one)",
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")
    name = f"bench_lb_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_dsn(base_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db_url = pg_dsn(base_url).rsplit("/", 1)[0].replace("postgresql://", "postgres://") + "/" + name
    redis = create_redis(redis_url)
    server: subprocess.Popen | None = None
    program_id = 0
    try:
        await migrate(db_url)
        await init_database(db_url)
        from gamification import leaderboards
        from gamification.accounts import members
        from gamification.leaderboards import Period
        from gamification.programs.programs import create_program

        program = await create_program(f"bench-{name[-8:]}", "Bench", "EUR")
        program_id = program.id
        me = await members.register_member(
            program, "me@bench.example", "bench-password-123", "Bench Me"
        )
        print(f"members: {args.members:,}  (scratch database {name})")

        # 1. bulk insert members and one ledger row each
        started = time.perf_counter()
        now = clock.now()
        conn = await asyncpg.connect(pg_dsn(db_url))
        rng = random.Random(7)
        points = [rng.randrange(1, 100_000) for _ in range(args.members)]
        moments = [now - timedelta(seconds=rng.randrange(0, 86_400 * 300)) for _ in points]
        await conn.copy_records_to_table(
            "member",
            columns=[
                "program_id",
                "email",
                "password_hash",
                "display_name",
                "referral_code",
                "created_at",
                "points_balance",
                "blocked_reason",
            ],
            records=(
                (program_id, f"m{i}@bench.example", "x", f"Member {i}", f"B{i:015d}", now, p, "")
                for i, p in enumerate(points)
            ),
        )
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM member WHERE program_id = $1 AND id <> $2 ORDER BY id",
                program_id,
                me.id,
            )
        ]
        await conn.copy_records_to_table(
            "ledger_entry",
            columns=[
                "program_id",
                "member_id",
                "delta",
                "kind",
                "reason",
                "created_at",
                "remaining",
            ],
            records=(
                (program_id, mid, p, "EARN", "bench", at, p)
                for mid, p, at in zip(ids, points, moments, strict=True)
            ),
        )
        my_points = 50_000
        await conn.execute(
            "INSERT INTO ledger_entry (program_id, member_id, delta, kind, reason, created_at,"
            " remaining) VALUES ($1, $2, $3, 'EARN', 'bench', $4, $3)",
            program_id,
            me.id,
            my_points,
            now,
        )
        await conn.execute("ANALYZE member; ANALYZE ledger_entry")
        await conn.close()
        elapsed = time.perf_counter() - started
        print(f"bulk insert (COPY) of members and ledger rows: {elapsed:.1f} s")

        # 2. fill the board by pipelined ZADD
        win = leaderboards.window(Period.ALL_TIME, now)
        key = leaderboards.board_key(program_id, "points", win)
        started = time.perf_counter()
        rows = [*zip(ids, points, moments, strict=True), (me.id, my_points, now)]
        for start in range(0, len(rows), 100_000):
            async with redis.pipeline(transaction=False) as pipe:
                for chunk in range(start, min(start + 100_000, len(rows)), 10_000):
                    pipe.zadd(
                        key,
                        {str(m): win.score(p, at) for m, p, at in rows[chunk : chunk + 10_000]},
                    )
                await pipe.execute()
        print(
            f"pipelined ZADD of {await redis.zcard(key):,} members: "
            f"{time.perf_counter() - started:.1f} s"
        )
        filled = await redis.zrange(key, 0, -1, withscores=True)

        # 3. the query over HTTP
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "ENVIRONMENT": "production",
            "SECRET_KEY": "bench-secret-key-long-enough-0123456789abcdef",
        }
        server = subprocess.Popen(  # noqa: ASYNC220  (a script: nothing else runs meanwhile)
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.asgi:app",
                "--port",
                str(PORT),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=ROOT,
        )
        token = await log_in(program.slug)
        async with httpx.AsyncClient() as client:
            body = (
                await client.post(
                    f"http://127.0.0.1:{PORT}/graphql",
                    json={"query": QUERY},
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()
        board = body["data"]["leaderboard"]
        print(f"sample: top {board['entries'][0]}, me {board['me']}, {len(board['around'])} around")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            body_literal = json.dumps(json.dumps({"query": QUERY}))
            script.write(WRK_SCRIPT.format(body=body_literal, token=token))
        wrk = subprocess.run(  # noqa: ASYNC221
            [
                "/usr/bin/wrk",
                f"-t{args.threads}",
                "-c32",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                script.name,
                f"http://127.0.0.1:{PORT}/graphql",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        os.unlink(script.name)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
        p99 = re.search(r"99%\s+([\d.]+\w+)", wrk.stdout)
        p50 = re.search(r"50%\s+([\d.]+\w+)", wrk.stdout)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
        print(
            f"leaderboard(first: 10, around: 5), 32 connections ({args.threads} wrk thread(s)),"
            f" {args.duration} s: "
            f"{rps.group(1) if rps else '?'} req/s, p50 {p50.group(1) if p50 else '?'}, "
            f"p99 {p99.group(1) if p99 else '?'}, non-2xx {errors.group(1) if errors else 0}"
        )
        # The load generator's headroom and the machine's speed of the moment.
        yardstick.report(PORT, args.threads)
        server.terminate()
        server.wait(timeout=30)
        server = None

        # 4. rebuild from the database
        started = time.perf_counter()
        size = await leaderboards.rebuild(redis, program_id, "points", Period.ALL_TIME, now)
        elapsed = time.perf_counter() - started
        same = await redis.zrange(key, 0, -1, withscores=True) == filled
        print(
            f"rebuild of the points board from PostgreSQL ({size:,} members): {elapsed:.1f} s"
            f" (identical to the ZADD-filled board: {same})"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if program_id:
            keys = [k async for k in redis.scan_iter(match=f"lb:{{p{program_id}}}:*")]
            if keys:
                await redis.delete(*keys)
        await redis.aclose()
        await close_database()
        admin = await asyncpg.connect(pg_dsn(base_url))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def log_in(slug: str) -> str:
    mutation = (
        "mutation($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }"
    )
    variables = {
        "input": {"program": slug, "email": "me@bench.example", "password": "bench-password-123"}
    }
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                response = await client.post(
                    f"http://127.0.0.1:{PORT}/graphql",
                    json={"query": mutation, "variables": variables},
                )
                return response.json()["data"]["logIn"]["accessToken"]
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    asyncio.run(main())
