"""OpenTelemetry traces, when the `tracing` setting asks for them (off by default).

The API opens a server span per HTTP request (joining the caller's trace when it sends a W3C
`traceparent`) and, inside it, one span per GraphQL operation named after the operation
(api/observability.py, api/graphql_view.py); the worker one span per job run
(workers/job_runs.py), as a service of its own name. Spans go to the console or, batched, to an
OTLP/HTTP collector. Off, nothing is made: no provider, no span, no cost on a request.
"""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)

from core.settings import Settings


def tracer_provider(settings: Settings, service_name: str | None = None) -> TracerProvider | None:
    """The provider the settings ask for, or None when tracing is off; its spans are of
    `service_name` (default: the API's, `tracing_service_name`)."""
    if settings.tracing == "off":
        return None
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name or settings.tracing_service_name})
    )
    if settings.tracing == "console":
        # Printed as each span ends, so a developer sees it at once.
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:
        exporter = OTLPSpanExporter(endpoint=settings.tracing_otlp_endpoint)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider
