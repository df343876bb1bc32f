"""The CLI says what it found: `check-redis` answers in one line either way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\\tZ" not in status.read_text().split("State:", 1)[1][:4]


def _run_then_sigterm(env: dict[str, str]) -> bool:
    """Start `python -m api run`, stop it with SIGTERM; whether its worker is still alive."""
    subprocess.run([sys.executable, "-m", "api", "migrate"], cwd=ROOT, env=env, check=True)
    run = subprocess.Popen(
        [sys.executable, "-m", "api", "run"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(600):  # the worker starts first, then the API
            if _children(run.pid):
                break
            time.sleep(0.05)
        (worker,) = _children(run.pid)
        time.sleep(1)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)
        for _ in range(300):
            if not _alive(worker):
                break
            time.sleep(0.05)
        return _alive(worker)
    finally:
        run.kill()
        run.wait()


async def test_run_stopped_with_sigterm_stops_its_worker_too(
    redis_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite://{tmp_path}/run.sqlite3",
        "PORT": str(_closed_port()),
    }
    assert _run_then_sigterm(env) is False
