"""The process's Prometheus metrics, and their text for a scrape.

The API counts requests and their latency by GraphQL operation (api/observability.py) and
answers `/metrics` (api/metrics.py); the worker times its jobs and counts failed webhook
attempts (workers/job_runs.py, workers/webhooks.py) and serves them on its own port
(`worker_metrics_port`). What is read from the database (the outbox backlog, failed deliveries)
and the pool's use are read at scrape time, not kept up to date on every request.

Several API processes (`uvicorn --workers N`) share their counts through prometheus-client's
multiprocess mode: set PROMETHEUS_MULTIPROC_DIR to an empty directory before the processes start,
and each scrape adds up every process's files.

Labels stay few: an operation name is a label only for the first MAX_OPERATIONS names a process
sees (a client chooses them); later ones count as "other".
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from core.database import PoolUse

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MAX_OPERATIONS = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")

# Latency buckets from a cached read (a few ms) to a year's report (seconds).
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

requests = Counter(
    "loyalty_requests",
    "HTTP requests answered, by GraphQL operation (or route) and outcome: ok or an error code.",
    ["operation", "outcome"],
)
request_seconds = Histogram(
    "loyalty_request_duration_seconds",
    "Time from a request's arrival to its answer's last byte, by GraphQL operation (or route).",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
job_seconds = Histogram(
    "loyalty_job_duration_seconds",
    "Time an arq job ran, by job and outcome (ok, retry, error).",
    ["job", "outcome"],
    buckets=_JOB_BUCKETS,
)
webhook_failures = Counter(
    "loyalty_webhook_delivery_failures",
    "Failed webhook delivery attempts: retrying (another attempt is planned) or failed (the "
    "delivery gave up).",
    ["outcome"],
)


class _OperationNames:
    """The operation label of a name: the name itself for the first MAX_OPERATIONS, else
    "other"; "anonymous" for an operation without a name, "invalid" for a name that is not a
    GraphQL name."""

    def __init__(self) -> None:
        self.known: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self.known:
            return name
        if not _NAME.fullmatch(name):
            return "invalid"
        if len(self.known) >= MAX_OPERATIONS:
            return "other"
        self.known.add(name)
        return name


operation_label = _OperationNames().label


# Each label set's counter and histogram, found once: `labels()` validates and locks per call.
_request_series: dict[tuple[str, str], tuple[Any, Any]] = {}


def observe_request(operation: str, outcome: str, seconds: float) -> None:
    series = _request_series.get((operation, outcome))
    if series is None:
        series = (requests.labels(operation, outcome), request_seconds.labels(operation))
        _request_series[(operation, outcome)] = series
    series[0].inc()
    series[1].observe(seconds)


class _ReadAtScrape(Collector):
    """The values read for one scrape."""

    def __init__(self, pool: PoolUse | None, unsettled: int | None, failed: int | None) -> None:
        self.pool = pool
        self.unsettled = unsettled
        self.failed = failed

    def collect(self) -> Iterable[Metric]:
        if self.pool is not None:
            pool = GaugeMetricFamily(
                "loyalty_db_pool_connections",
                "This process's PostgreSQL pool: connections open, idle (open, not lent out), "
                "in use, and the most allowed.",
                labels=["state"],
            )
            pool.add_metric(["open"], self.pool.open)
            pool.add_metric(["idle"], self.pool.idle)
            pool.add_metric(["in_use"], self.pool.open - self.pool.idle)
            pool.add_metric(["max"], self.pool.maximum)
            yield pool
        if self.unsettled is not None:
            yield GaugeMetricFamily(
                "loyalty_outbox_unsettled_events",
                "Events whose handlers have not all run yet (the outbox backlog).",
                value=self.unsettled,
            )
        if self.failed is not None:
            yield GaugeMetricFamily(
                "loyalty_webhook_deliveries_failed",
                "Webhook deliveries that gave up (FAILED), waiting for a replay.",
                value=self.failed,
            )


def exposition(
    pool: PoolUse | None = None, unsettled: int | None = None, failed: int | None = None
) -> bytes:
    """The text of a scrape: this process's metrics (or every process's, in multiprocess mode)
    and the values read for this scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    read = CollectorRegistry()
    read.register(_ReadAtScrape(pool, unsettled, failed))
    return counted + generate_latest(read)
