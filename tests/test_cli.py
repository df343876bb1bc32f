"""The CLI says what it found: `check-redis` answers in one line either way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_redis(redis_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "-m", "api", "check-redis"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_check_redis_says_redis_answers(redis_url: str) -> None:
    result = _check_redis(redis_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Redis answers at {redis_url}"


async def test_check_redis_without_redis_fails_in_one_line() -> None:
    result = _check_redis(f"redis://127.0.0.1:{_closed_port()}/0")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
