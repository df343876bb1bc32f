"""Structured logs: key-value lines in development, JSON in production."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import structlog


def configure_logging(json_logs: bool, level: int = logging.INFO) -> None:
    renderer: structlog.types.Processor = (
        # orjson writes a line in about two thirds of the standard library's time, and the
        # access log writes one per request (bench/README.md).
        structlog.processors.JSONRenderer(serializer=_orjson_text)
        if json_logs
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info
            if json_logs
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


def _orjson_text(value: Any, **_: Any) -> str:
    # What orjson cannot write natively (a Decimal, an exception) is written as its str().
    return orjson.dumps(value, default=str).decode()
