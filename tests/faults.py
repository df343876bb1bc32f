"""Real processes for the fault tests: a private redis-server, the arq worker and the API under
uvicorn, each started, stopped and killed like the processes of a deployment; and the checks
that nothing was half-written."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from redis import Redis as SyncRedis
from redis.exceptions import RedisError

from core.settings import Settings
from gamification.accounts.models import Member
from gamification.events.models import Event
from gamification.points.models import LedgerEntry, LedgerKind, Purchase
from tests.builders import assert_ledger_consistent

ROOT = Path(__file__).resolve().parent.parent
# Private servers take ports from these bases up, each xdist worker 20 ports of its own, so
# they never meet a shared server (6379, 5432) or another checkout's range.
REDIS_PORTS = int(os.environ.get("TEST_REDIS_PORT_BASE", "7100"))
API_PORTS = int(os.environ.get("TEST_API_PORT_BASE", "8200"))


def free_port(base: int) -> int:
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    for port in range(base + 20 * worker, base + 20 * worker + 20):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {base}")


def wait_until(ready: object, what: str, tries: int = 600, pause: float = 0.05) -> None:
    """Poll `ready()` until it is true (bounded by tries, not a timed assertion)."""
    for _ in range(tries):
        if ready():  # type: ignore[operator]  # any callable returning a truth value
            return
        time.sleep(pause)
    raise AssertionError(f"{what} never happened")


@dataclass
class RedisServer:
    """A redis-server of the test's own, with an append-only file so a restart keeps the data
    (as a production Redis keeps it)."""

    directory: Path
    port: int = field(default_factory=lambda: free_port(REDIS_PORTS))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        with (self.directory / "redis.log").open("ab") as log:
            self.process = self._popen(log)
        wait_until(self._answers, f"redis-server on {self.port}")

    def _popen(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=log,
        )

    def _answers(self) -> bool:
        client = SyncRedis(port=self.port, socket_connect_timeout=0.2)
        try:
            return bool(client.ping())
        except RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a deployed process reads its settings from, for this test's stores."""
    return {
        **{k: v for k, v in os.environ.items() if k not in ("LOG_JSON", "DATABASE_URL")},
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "SIGNUPS_PER_ADDRESS": "1000000",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000000",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass
class Service:
    """A process of ours (worker or API) with its log in a file."""

    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no cleanup, as when a machine or the OOM killer stops it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def worker(env: dict[str, str], log_path: Path) -> Service:
    return Service([sys.executable, "-m", "arq", "workers.settings.WorkerSettings"], env, log_path)


@dataclass
class Api(Service):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()

        def healthy() -> bool:
            assert self.alive(), self.log()
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, "the API answering")


def api(env: dict[str, str], log_path: Path) -> Api:
    port = free_port(API_PORTS)
    command = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(port)]
    command += ["--ws-per-message-deflate", "false"]  # as deployed (deploy/Dockerfile)
    return Api(command, env, log_path, port=port)


@contextmanager
def running(*services: Service) -> Iterator[None]:
    try:
        yield
    finally:
        for service in services:
            service.stop()


async def assert_nothing_half_written(program_id: int) -> None:
    """Every member's balance equals their ledger; every purchase has its earning entry (with
    its points) and its PURCHASE_RECORDED and POINTS_EARNED events, once each."""
    for member_id in await Member.filter(program_id=program_id).values_list("id", flat=True):
        await assert_ledger_consistent(int(member_id))
    purchases = await Purchase.filter(program_id=program_id)
    recorded = await Event.filter(program_id=program_id, type="PURCHASE_RECORDED").values_list(
        "data", flat=True
    )
    by_purchase: dict[int, int] = {}
    for data in recorded:
        by_purchase[data["purchase_id"]] = by_purchase.get(data["purchase_id"], 0) + 1
    earned = await Event.filter(program_id=program_id, type="POINTS_EARNED").values_list(
        "data", flat=True
    )
    earned_entries = [data["entry"] for data in earned]
    assert len(earned_entries) == len(set(earned_entries))
    for purchase in purchases:
        assert by_purchase.get(purchase.id) == 1, purchase.external_id
        entries = await LedgerEntry.filter(
            reference=f"purchase:{purchase.id}", kind=LedgerKind.EARN
        )
        assert [e.delta for e in entries] == [purchase.points_earned], purchase.external_id
        assert entries[0].id in earned_entries, purchase.external_id
    assert sum(by_purchase.values()) == len(purchases)
