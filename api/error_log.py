"""How GraphQL errors reach the log: a refusal the API meant to give (UNAUTHENTICATED,
FORBIDDEN, a domain error's code, an invalid document) is one structured line with its code,
operation and path; only an unexpected error (a bug, an outage) carries its traceback.

strawberry's own `process_errors` logs every error with a traceback, which buries the few that
matter under ordinary refusals; `LoggedSchema` logs through here instead."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from api.errors import DATABASE_BUSY, UNEXPECTED, graphql_error_code
from core import outages

log = structlog.get_logger("api.graphql")


def log_errors(errors: Sequence[GraphQLError], operation: str | None) -> None:
    for error in errors:
        code = graphql_error_code(error)
        path = ".".join(map(str, error.path)) if error.path else None
        if code == UNEXPECTED:
            log.error(
                "unexpected error",
                code=code,
                operation=operation,
                path=path,
                exc_info=error.original_error,
            )
        elif code == DATABASE_BUSY:
            # No bug, but more writes than the embedded database takes (README: when to switch).
            log.warning("database busy", code=code, operation=operation, path=path)
        elif code in outages.CODES:
            # An outage, not a bug: one line per error; the service's own log says why.
            log.warning("unavailable", code=code, operation=operation, path=path)
        else:
            log.info("refused", code=code, operation=operation, path=path, message=error.message)


class LoggedSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors, execution_context.operation_name if execution_context else None)
