"""The worker's log as `make run` shows it: the crons that look for work every ten seconds
(repair_leaderboards, scan_contests) write nothing at INFO when they found none, neither our
`job run` line nor arq's own; a run that did something says so at INFO; every run is still timed
on the worker's /metrics. A real worker process, its log read as it wrote it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from core.clock import clock
from core.settings import Settings
from gamification.leaderboards.repairs import mark_stale
from tests.builders import new_program
from tests.faults import API_PORTS, free_port, process_env, running, wait_until, worker
from workers.settings import QUIET_CRONS


def runs_timed(port: int, job: str) -> float:
    """How many runs of `job` the worker's /metrics has timed as ok (0 before it answers)."""
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text
    except httpx.TransportError:
        return 0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "loyalty_job_duration_seconds_count" and sample.labels == {
                "job": job,
                "outcome": "ok",
            }:
                return sample.value
    return 0


def our_lines(log: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


async def test_the_ten_second_crons_log_only_the_runs_that_did_something(
    app: Starlette, settings: Settings, tmp_path: Path
) -> None:
    # given a program whose boards missed a change (the repair cron has work, once) and no
    # contest to draw (the scan has none)
    program = await new_program()
    await mark_stale(program.id, clock.now())
    # when the worker runs until each cron has run twice (at start-up, then on its schedule)
    metrics_port = free_port(API_PORTS)
    env = process_env(settings, LOG_JSON="true", WORKER_METRICS_PORT=str(metrics_port))
    process = worker(env, tmp_path / "worker.log")
    process.start()
    with running(process):
        for job in QUIET_CRONS:
            wait_until(lambda job=job: runs_timed(metrics_port, job) >= 2, f"{job} twice")
    log = process.log()

    # then the one run that repaired says so at INFO, with its job line
    lines = our_lines(log)
    runs = [line for line in lines if line.get("event") == "job run"]
    repairs = [line for line in runs if line["job"] == "repair_leaderboards"]
    assert [line["level"] for line in repairs] == ["info"], repairs
    assert any(line.get("event") == "leaderboards repaired" for line in lines), log
    # and the runs that found nothing wrote no line: none of ours, none of arq's
    assert not [line for line in runs if line["job"] == "scan_contests"], runs
    for job in QUIET_CRONS:
        assert f"→ cron:{job}(" not in log and f"← cron:{job} " not in log, log
    # while the other jobs' runs are logged as before
    assert any(line["job"] == "expire_points" for line in runs), runs
