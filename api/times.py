"""The DateTime scalar: how every GraphQL time enters the API (core.clock's rule: a time carries
a zone and is kept in UTC; anything else is refused with INVALID_TIME). It replaces strawberry's,
which takes a date alone or a time without a zone as a naive datetime."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graphql import ArgumentNode, GraphQLError, GraphQLInputType, ValueNode
from graphql.language import SKIP, VisitorAction
from graphql.utilities.validate_input_value import validate_input_literal
from graphql.validation import ValuesOfCorrectTypeRule
from strawberry.types.scalar import ScalarDefinition

from core.clock import parse_time
from core.errors import DomainError, ErrorCode


class InvalidTime(GraphQLError):
    """A refused time, with its code and, once known, the field it was given for."""

    def __init__(
        self, field: str | None = None, nodes: ValueNode | None = None, message: str = ""
    ) -> None:
        message = message or _message(field)
        extensions: dict[str, Any] = {"code": ErrorCode.INVALID_TIME.value}
        if field:
            extensions["field"] = field
        super().__init__(message, nodes, extensions=extensions)


def _message(field: str | None) -> str:
    try:
        parse_time(None, field)
    except DomainError as error:
        return error.message
    raise AssertionError("parse_time refuses None")


def _parse(value: Any) -> datetime:
    try:
        return parse_time(value, None)
    except DomainError:
        raise InvalidTime() from None


def field_of(root: str, path: Sequence[str | int]) -> str:
    """How a refused time names its field: the path inside the argument or variable (dots, as
    payload errors do: `occurredAt`, `lines.0.startsAt`), or the argument's own name."""
    return ".".join(str(key) for key in path) if path else root


# graphql-core's wrapping of a variable's refused value: "Variable '$input' has invalid value
# at .occurredAt: ..." (graphql.pyutils.print_path_list).
_VARIABLE_ERROR = re.compile(r"^Variable '\$(\w+)' has invalid value(?: at ((?:\.\w+|\[\d+\])+))?:")


def name_variable_error(error: GraphQLError) -> InvalidTime | None:
    """The refused time a variable's coercion error wraps, naming its field; None for others."""
    if not isinstance(error.original_error, InvalidTime):
        return None
    match = _VARIABLE_ERROR.match(error.message)
    if match is None:
        return error.original_error
    path = re.findall(r"\.(\w+)|\[(\d+)\]", match.group(2) or "")
    field = field_of(match.group(1), [name or index for name, index in path])
    return InvalidTime(field, message=f"{error.message.split(': ', 1)[0]}: {_message(field)}")


class TimeValuesRule(ValuesOfCorrectTypeRule):
    """graphql-core's check of literal values, naming the field of a refused time (the argument,
    and the path inside it): the scalar alone cannot know it."""

    _argument: str = ""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._argument = node.name.value

    def is_valid_value_node(
        self, node: ValueNode, input_type: GraphQLInputType | None
    ) -> VisitorAction:
        if input_type:

            def on_error(error: GraphQLError, path: list[str | int]) -> None:
                if isinstance(error, InvalidTime):
                    error = InvalidTime(field_of(self._argument, path), node)
                self.report_error(error)

            validate_input_literal(
                node, input_type, on_error, None, None, self.context.hide_suggestions
            )
        return SKIP  # as graphql-core's: the value was checked whole


DATETIME = ScalarDefinition(
    name="DateTime",
    description=(
        "An instant: an ISO 8601 date and time with a zone, `Z` or an offset "
        "(2026-03-01T09:30:00+01:00). It is kept, and answered, in UTC "
        "(2026-03-01T08:30:00+00:00). A date alone, a time without a zone or anything else is "
        "refused with the code INVALID_TIME, naming the variable and field."
    ),
    specified_by_url=None,
    serialize=datetime.isoformat,
    parse_value=_parse,
    parse_literal=None,
    origin=datetime,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DATETIME}
