"""What a request leaves behind: Prometheus metrics scraped over the real /metrics endpoint, a
request id that goes from the request to its access-log line, to the job it sets off and to the
webhook delivery's header (real API and worker processes, a receiver on a real socket), and
OpenTelemetry spans when tracing is on."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from arq import Worker
from arq.connections import RedisSettings
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import multiprocess
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.app import create_app
from core import tracing
from core.settings import Settings
from tests.builders import (
    RECORD_PURCHASE,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.conftest import ON_POSTGRES
from tests.graphql import GraphQLClient
from tests.serving import served
from workers.job_runs import TRACER
from workers.settings import WorkerSettings

ROOT = Path(__file__).resolve().parent.parent

CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } errors { code } }
}
"""


def operation_name(prefix: str) -> str:
    """A GraphQL operation name no other test uses (the counters live as long as the process)."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def scraped(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_metrics_count_requests_by_operation_and_outcome_over_the_real_endpoint(
    app: Starlette,
) -> None:
    ping, mine, join = operation_name("Ping"), operation_name("Mine"), operation_name("Join")
    program = await new_program()
    async with served(app) as base, httpx.AsyncClient(base_url=base) as http:
        # given two answered queries, one refused at the top, one refused in its payload
        for _ in range(2):
            await http.post("/graphql", json={"query": f"query {ping} {{ __typename }}"})
        await http.post("/graphql", json={"query": f"query {mine} {{ me {{ id }} }}"})
        bad_sign_up = {
            "program": program.slug,
            "email": "not an email",
            "password": "correct horse battery",
            "displayName": "X",
        }
        await http.post(
            "/graphql",
            json={
                "query": f"mutation {join}($input: SignUpInput!) "
                "{ signUp(input: $input) { errors { code } } }",
                "variables": {"input": bad_sign_up},
            },
        )
        await http.get("/healthz")
        # when Prometheus scrapes
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = scraped(response.text)

    def count(operation: str, outcome: str) -> float:
        labels = frozenset({("operation", operation), ("outcome", outcome)})
        return samples.get(("loyalty_requests_total", labels), 0)

    # then each request is counted under its operation and outcome, with its latency
    assert count(ping, "ok") == 2
    assert count(mine, "UNAUTHENTICATED") == 1
    assert count(join, "INVALID_EMAIL") == 1
    assert count("/healthz", "ok") >= 1
    ping_labels = frozenset({("operation", ping)})
    assert samples[("loyalty_request_duration_seconds_count", ping_labels)] == 2
    assert samples[("loyalty_request_duration_seconds_bucket", ping_labels | {("le", "+Inf")})] == 2
    # and what is read at scrape time is there
    assert samples[("loyalty_outbox_unsettled_events", frozenset())] >= 0
    assert samples[("loyalty_webhook_deliveries_failed", frozenset())] >= 0
    pool = {
        dict(labels)["state"]: value
        for (name, labels), value in samples.items()
        if name == "loyalty_db_pool_connections"
    }
    if ON_POSTGRES:
        assert pool["max"] == 20 and pool["open"] >= 1 and pool["in_use"] >= 0
    else:  # SQLite has one connection and no pool to report
        assert pool == {}


async def test_a_metrics_token_keeps_the_scrape_to_those_who_hold_it(settings: Settings) -> None:
    guarded = create_app(settings.model_copy(update={"metrics_token": SecretStr("scrape-me")}))
    # Without its own lifespan, which would close the module's database when it ends.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=guarded), base_url="http://testserver"
    ) as http:
        refused = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert (refused.status_code, wrong.status_code, allowed.status_code) == (401, 401, 200)
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "loyalty_requests_total" in allowed.text


async def test_a_well_formed_request_id_is_kept_and_any_other_replaced(
    http: httpx.AsyncClient,
) -> None:
    kept = await http.get("/healthz", headers={"X-Request-Id": "edge-7f3a:42"})
    assert kept.headers["X-Request-Id"] == "edge-7f3a:42"
    for malformed in ("has spaces in it", "x" * 129, "semi;colon"):
        replaced = await http.get("/healthz", headers={"X-Request-Id": malformed})
        assert replaced.headers["X-Request-Id"] != malformed
        assert len(replaced.headers["X-Request-Id"]) == 32
    made = [(await http.get("/healthz")).headers["X-Request-Id"] for _ in range(2)]
    assert made[0] != made[1]
    # a refusal carries one too
    unknown = await http.get("/nowhere", headers={"X-Request-Id": "lost-1"})
    assert (unknown.status_code, unknown.headers["X-Request-Id"]) == (404, "lost-1")


class Sink:
    """A brand's webhook endpoint: keeps the headers of what it receives."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []

    async def endpoint(self, request: Request) -> Response:
        await request.body()
        self.headers.append(dict(request.headers))
        return Response("ok")


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        yield child
    finally:
        child.terminate()
        child.wait(timeout=30)


def json_lines(log: Path) -> list[dict[str, Any]]:
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def wait_for(condition: Any, what: str, child: subprocess.Popen, log: Path) -> None:
    """Poll until `condition()` holds, a bounded number of times (a stuck process fails)."""
    for _ in range(400):
        if await condition():
            return
        assert child.poll() is None, f"{what}: the process ended (its log: {log})"
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} never happened (the process's log: {log})")


async def test_a_request_id_goes_to_the_access_log_the_job_and_the_webhook_header(
    gql: GraphQLClient, settings: Settings, tmp_path: Path
) -> None:
    # given a program whose webhook points at a receiver on a real socket
    sink = Sink()
    receiver = Starlette(routes=[Route("/hook", sink.endpoint, methods=["POST"])])
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    member = await sign_up(gql, program)
    shop = await integration_client(gql, program)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "LOG_JSON": "true",
        "PYTHONUNBUFFERED": "1",
    }
    api_port, worker_metrics_port = free_port(), free_port()
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    uvicorn = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(api_port)]
    uvicorn.append("--no-access-log")
    worker = [sys.executable, "-m", "arq", "workers.WorkerSettings"]
    worker_env = {**env, "WORKER_METRICS_PORT": str(worker_metrics_port)}
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    async with served(receiver) as sink_base:
        payload = await admin.mutate(
            CREATE_WEBHOOK, {"url": f"{sink_base}/hook", "eventTypes": ["PURCHASE_RECORDED"]}
        )
        assert payload["errors"] == []
        api_url = f"http://127.0.0.1:{api_port}"
        with process(uvicorn, env, api_log) as api:
            http = httpx.AsyncClient(base_url=api_url, timeout=30)

            async def api_ready() -> bool:
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(api_ready, "the API's start", api, api_log)
            # when a purchase comes in with a request id
            response = await http.post(
                "/graphql",
                json={
                    "query": RECORD_PURCHASE,
                    "variables": {"input": purchase_input(member.id)},
                },
                headers={**shop.headers(), "X-Request-Id": request_id},
            )
            assert response.json()["data"]["recordPurchase"]["errors"] == []
            assert response.headers["X-Request-Id"] == request_id
            # and a worker delivers its webhook
            with process(worker, worker_env, worker_log) as running:

                async def delivered() -> bool:
                    return bool(sink.headers)

                await wait_for(delivered, "the delivery", running, worker_log)

                async def timed() -> bool:
                    try:
                        async with httpx.AsyncClient() as scraper:
                            text = (
                                await scraper.get(f"http://127.0.0.1:{worker_metrics_port}/")
                            ).text
                    except httpx.TransportError:
                        return False
                    labels = frozenset({("job", "deliver_webhook"), ("outcome", "ok")})
                    return scraped(text).get(("loyalty_job_duration_seconds_count", labels), 0) >= 1

                await wait_for(
                    timed, "the job's duration on the worker's /metrics", running, worker_log
                )
            await http.aclose()
    # then the access log, the job's log and the delivery all carry the request's id
    access = [line for line in json_lines(api_log) if line.get("event") == "request"]
    assert {
        "request_id": request_id,
        "operation": "Record",
        "outcome": "ok",
        "status": 200,
        "path": "/graphql",
    }.items() <= next(line for line in access if line.get("request_id") == request_id).items()
    jobs = [line for line in json_lines(worker_log) if line.get("event") == "job run"]
    assert any(
        line["job"] == "deliver_webhook" and line["request_id"] == request_id for line in jobs
    ), jobs
    assert sink.headers[0]["x-request-id"] == request_id


async def test_tracing_is_off_by_default_and_when_on_makes_request_and_operation_spans(
    settings: Settings,
) -> None:
    assert Settings().tracing == "off" and tracing.tracer_provider(settings) is None
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = create_app(settings.model_copy(update={"tracing": "console"}), provider)
    name = operation_name("Traced")
    trace_id = uuid.uuid4().hex
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=traced), base_url="http://testserver"
    ) as http:
        response = await http.post(
            "/graphql",
            json={"query": f"query {name} {{ __typename }}"},
            headers={"traceparent": f"00-{trace_id}-{'b' * 16}-01", "X-Request-Id": "traced-1"},
        )
    assert response.status_code == 200
    spans = {span.name: span for span in exporter.get_finished_spans()}
    server, operation = spans["POST /graphql"], spans[f"graphql {name}"]
    assert server.kind == SpanKind.SERVER
    assert server.attributes["loyalty.request_id"] == "traced-1"
    assert server.attributes["http.response.status_code"] == 200
    # the server span joins the caller's trace; the operation's span is its child
    assert f"{server.context.trace_id:032x}" == trace_id
    assert operation.parent.span_id == server.context.span_id
    assert operation.attributes["graphql.operation.name"] == name
    assert operation.attributes["loyalty.outcome"] == "ok"
    provider.shutdown()


async def test_with_tracing_on_each_job_run_is_a_span_with_its_ids_and_errors_recorded(
    app: Starlette, settings: Settings, redis_url: str
) -> None:
    # given a worker whose tracer keeps its spans in memory (as its start-up makes one from
    # the tracing settings), and two jobs a request queued: one that runs, one that fails
    assert tracing.tracer_provider(settings.model_copy(update={"tracing": "console"}))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    program = await new_program()
    pool = app.state.arq
    ran, failed = f"traced-ok-{uuid.uuid4().hex[:8]}", f"traced-error-{uuid.uuid4().hex[:8]}"
    # A queue of the test's own: jobs the module's other tests queued are not run here.
    queue = f"traced-{uuid.uuid4().hex[:8]}"
    await pool.enqueue_job(
        "rebuild_leaderboards", program.id, _job_id=ran, _queue_name=queue, request_id="req-ran"
    )
    await pool.enqueue_job(
        "rebuild_leaderboards",
        program.id,
        None,
        "DECADE",
        _job_id=failed,
        _queue_name=queue,
        request_id="req-failed",
    )
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        queue_name=queue,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
        ctx={
            "settings": settings,
            "app_redis": app.state.services.redis,
            TRACER: provider.get_tracer("test"),
        },
    )
    # when the worker runs them
    await worker.main()
    await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 1)

    # then each run is a span named after its job, with its job id, try, program and the
    # request id it carries
    spans = {span.attributes["loyalty.job.id"]: span for span in exporter.get_finished_spans()}
    for job_id, request_id, outcome in ((ran, "req-ran", "ok"), (failed, "req-failed", "error")):
        span = spans[job_id]
        assert span.name == "rebuild_leaderboards" and span.kind == SpanKind.CONSUMER
        assert dict(span.attributes) == {
            "loyalty.job.id": job_id,
            "loyalty.job.try": 1,
            "loyalty.request_id": request_id,
            "loyalty.program_id": program.id,
            "loyalty.outcome": outcome,
        }
    # and the failure is recorded on its span, the run that went well is not an error
    assert spans[ran].status.status_code == StatusCode.UNSET and not spans[ran].events
    assert spans[failed].status.status_code == StatusCode.ERROR
    (recorded,) = spans[failed].events
    assert recorded.name == "exception"
    assert recorded.attributes["exception.type"] == "ValueError"
    provider.shutdown()


def counted_by_process(directory: Path, operation: str) -> dict[str, float]:
    """The requests of `operation` each API process has counted in the multiprocess directory
    (one file of counters per process id)."""
    counts = {}
    for path in sorted(directory.glob("counter_*.db")):
        for metric in multiprocess.MultiProcessCollector.merge([str(path)]):  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
            for sample in metric.samples:
                if sample.name == "loyalty_requests_total" and sample.labels == {
                    "operation": operation,
                    "outcome": "ok",
                }:
                    counts[path.stem.removeprefix("counter_")] = sample.value
    return counts


async def test_with_two_api_processes_a_scrape_adds_up_both_processes_counts(
    settings: Settings, tmp_path: Path
) -> None:
    # given the API served by two uvicorn processes on one socket, counting into a
    # prometheus-client multiprocess directory
    directory = tmp_path / "prometheus"
    directory.mkdir()
    port = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(port)]
    uvicorn += ["--workers", "2", "--no-access-log"]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "api.log"
    name = operation_name("Both")
    base = f"http://127.0.0.1:{port}"

    async def ping() -> None:
        # A connection of its own: the process that accepts it answers it.
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            response = await http.post("/graphql", json={"query": f"query {name} {{ __typename }}"})
            assert response.status_code == 200, response.text

    with process(uvicorn, env, log) as api:

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(base_url=base) as http:
                    return (await http.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_for(ready, "the API's start", api, log)
        # when requests arrive, each on its own connection, until both processes have served
        # some (bounded)
        sent = 0
        for _ in range(50):
            await asyncio.gather(*(ping() for _ in range(10)))
            sent += 10
            if len(counted_by_process(directory, name)) == 2:
                break
        by_process = counted_by_process(directory, name)
        async with httpx.AsyncClient(base_url=base) as http:
            text = (await http.get("/metrics")).text

    # then each process counted its share, and the scrape (answered by either) gives the sum
    assert len(by_process) == 2 and all(count > 0 for count in by_process.values()), by_process
    assert sum(by_process.values()) == sent
    labels = frozenset({("operation", name), ("outcome", "ok")})
    assert scraped(text)[("loyalty_requests_total", labels)] == sent
    histogram = frozenset({("operation", name)})
    assert scraped(text)[("loyalty_request_duration_seconds_count", histogram)] == sent
