"""The machine's speed of the moment, printed beside each bench's figures.

This 2-core machine has run the same code at very different speeds from one day (and one hour) to
the next, so a figure alone does not say whether code or machine changed. The yardstick is the
same wrk thread against `/healthz` of the server under test: no database, no GraphQL, only HTTP,
uvicorn and Starlette.
"""

from __future__ import annotations

import re
import subprocess

# What the yardstick read on 2026-11-29, on the machine behind the figures of that day and of the
# next early morning in bench/README.md.
EARLIER = "19,000-21,000 req/s on 2026-11-29"


def healthz_requests_per_second(port: int, threads: int = 1, connections: int = 32) -> str:
    out = subprocess.run(
        [
            "/usr/bin/wrk",
            f"-t{threads}",
            f"-c{connections}",
            "-d5s",
            f"http://127.0.0.1:{port}/healthz",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return f"{float(found.group(1)):,.0f}" if found else "?"


def report(port: int, threads: int = 1) -> None:
    print(
        f"machine yardstick, wrk against /healthz of the same server: "
        f"{healthz_requests_per_second(port, threads)} req/s ({EARLIER})"
    )
