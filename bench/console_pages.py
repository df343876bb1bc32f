"""Benchmark: how long the console's pages take at the demo's size, against the target of 300 ms.

    .venv/bin/python bench/console_pages.py [--requests 30] > /dev/null

Runs the app in this process (SQLite in a temporary directory, Redis at BENCH_REDIS_URL, the
demo program seeded), signs in to the console as the demo admin and requests each page again
and again through httpx's ASGI transport, as a browser would (cookies, no scripts). It prints,
on stderr, the median and the slowest wall time of each page, and the ratio of the median to
the yardstick: the same process answering `ConsoleMe` over POST /graphql, the one document every
page sends first. Wall time moves with the machine's load; the ratios move less.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.console.gateway import documents
from api.demo import seed_demo
from api.demo.accounts import DEMO_SLUG, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from core.database import migrate
from core.settings import Settings

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
TARGET_MS = 300.0
ORIGIN = {"origin": "http://bench"}


async def timed(request: object, times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        answer = await request()  # type: ignore[operator]  # an httpx call
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.status_code
    return seconds


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite://{workdir}/bench.sqlite3"
        await migrate(database_url)
        settings = Settings(
            environment="development",
            database_url=database_url,
            redis_url=REDIS_URL,
            secret_key="bench-secret-key-that-is-long-enough-0123456789",
            access_log=False,
        )
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=60):
            await seed_demo()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as browser:
                form = {
                    "program": DEMO_SLUG,
                    "email": DEMO_STAFF_EMAIL,
                    "password": DEMO_STAFF_PASSWORD,
                }
                signed = await browser.post("/console/sign-in", data=form, headers=ORIGIN)
                assert signed.status_code == 303, signed.text
                token = browser.cookies["console_access"]
                me = documents()["ConsoleMe"]
                yardstick = statistics.median(
                    await timed(
                        lambda: browser.post(
                            "/graphql",
                            json={"query": me.text, "operationName": "ConsoleMe"},
                            headers={"authorization": f"Bearer {token}"},
                        ),
                        args.requests,
                    )
                )
                report = documents()["ConsoleReport"]
                year = {
                    "from": "2026-01-01T00:00:00+00:00",
                    "to": "2027-01-01T00:00:00+00:00",
                    "previousFrom": "2025-01-01T00:00:00+00:00",
                    "interval": "WEEK",
                }
                alone = statistics.median(
                    await timed(
                        lambda: browser.post(
                            "/graphql",
                            json={"query": report.text, "variables": year},
                            headers={"authorization": f"Bearer {token}"},
                        ),
                        args.requests,
                    )
                )
                print(
                    f"ConsoleReport alone over POST /graphql (a year, by week): "
                    f"{alone * 1e3:.1f} ms",
                    file=sys.stderr,
                )
                members = (await browser.get("/console/members")).text
                contests = (await browser.get("/console/contests")).text
                games = (await browser.get("/console/games")).text
                pages = {
                    "dashboard (30 days, by day)": "/console/",
                    "dashboard (a year, by week)": "/console/?from=2026-01-01&to=2027-01-01",
                    "members": "/console/members",
                    "a member": re.findall(r'href="(/console/members/\d+)"', members)[0],
                    "rewards": "/console/rewards",
                    "tiers": "/console/tiers",
                    "contests": "/console/contests",
                    "a contest": re.findall(r'href="(/console/contests/\d+)"', contests)[0],
                    "a game": re.findall(r'href="(/console/games/\d+)"', games)[0],
                    "segments": "/console/segments",
                    "leaderboards": "/console/leaderboards",
                    "webhooks": "/console/webhooks",
                }
                print(
                    f"yardstick (ConsoleMe over POST /graphql): {yardstick * 1e3:.1f} ms",
                    file=sys.stderr,
                )
                for name, path in pages.items():
                    runs = await timed(lambda path=path: browser.get(path), args.requests)
                    median = statistics.median(runs)
                    print(
                        f"{name}: median {median * 1e3:.1f} ms, slowest {max(runs) * 1e3:.1f} ms, "
                        f"{median / yardstick:.1f} x the yardstick, "
                        + ("within" if max(runs) * 1e3 <= TARGET_MS else "OVER")
                        + f" {TARGET_MS:.0f} ms",
                        file=sys.stderr,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
