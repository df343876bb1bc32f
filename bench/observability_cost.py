"""Benchmark: what metrics and the access log cost a request, in API CPU per request.

    .venv/bin/python bench/observability_cost.py [--requests 3000] [--rounds 3] > /dev/null

Runs the app in this process (SQLite in a temporary directory, Redis at BENCH_REDIS_URL) behind
httpx's ASGI transport and sends the same small operation (`query Ping { __typename }`) again and
again, in three modes, alternating, for several rounds: everything off (METRICS_ENABLED=false,
ACCESS_LOG=false), metrics only, and metrics with the access log. It prints, on stderr, this
process's CPU time per request in each mode (CPU time, not wall time: it moves less with the
machine's load) and the ratios to "off". The access log goes to stdout as in production: send
stdout to /dev/null or a file, as a log shipper would read it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

import httpx

from api.app import create_app
from core.database import close_database, init_database, migrate
from core.settings import Settings

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
MODES = {
    "off": {"metrics_enabled": False, "access_log": False},
    "metrics": {"metrics_enabled": True, "access_log": False},
    "metrics + access log": {"metrics_enabled": True, "access_log": True},
}
BODY = {"query": "query Ping { __typename }"}


async def cpu_per_request(settings: Settings, requests: int) -> float:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for _ in range(200):  # warm the document cache and the code paths
            await http.post("/graphql", json=BODY)
        started = time.process_time()
        for _ in range(requests):
            await http.post("/graphql", json=BODY)
        return (time.process_time() - started) / requests


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite://{workdir}/bench.sqlite3"
        await migrate(database_url)
        await init_database(database_url)
        base = Settings(
            environment="production",
            database_url=database_url,
            redis_url=REDIS_URL,
            secret_key="bench-secret-key-that-is-long-enough-0123456789",
            log_json=True,
        )
        figures: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(args.rounds):
            for mode, values in MODES.items():
                settings = base.model_copy(update=values)
                figures[mode].append(await cpu_per_request(settings, args.requests))
        await close_database()
    off = statistics.median(figures["off"])
    for mode, values in figures.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v * 1e6:.0f}" for v in values)
        print(
            f"{mode}: {median * 1e6:.0f} us CPU per request (runs: {runs}), "
            f"{median / off:.2f} x off",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
