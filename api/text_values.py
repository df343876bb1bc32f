"""The one rule for every string the API takes: no NUL character. PostgreSQL's text cannot hold
one (the driver fails mid-statement) and SQLite's C strings end at it, so such a value is
refused with INVALID_INPUT naming its field, before any resolver runs, on both databases.

Strings reach the API as literals in the document (checked once per document text, by a
validation rule) or as variables (checked per request, before execution)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValidationRule,
    ValueNode,
    VariableDefinitionNode,
)

from core.errors import ErrorCode

NUL = "\x00"


class NulInText(GraphQLError):
    """A string holding a NUL character, with the field it was given for."""

    def __init__(self, field: str, nodes: StringValueNode | None = None) -> None:
        super().__init__(
            f"{field}: text cannot contain a NUL character (\\u0000).",
            nodes,
            extensions={"code": ErrorCode.INVALID_INPUT.value, "field": field},
        )


def _field(names: list[str], root: str) -> str:
    # As payload errors and refused times name fields: the path inside the argument, or its name.
    return ".".join(names) if names else root


class NoNulInStringsRule(ValidationRule):
    """Refuses a string literal with a NUL character (written `\\u0000` in the document), in an
    argument or in a variable's default value."""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._check(node.value, node.name.value)

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        if node.default_value is not None:
            self._check(node.default_value, node.variable.name.value)

    def _check(self, value: ValueNode, root: str) -> None:
        for node, path in _literal_nul_paths(value, []):
            self.report_error(NulInText(_field(path, root), node))


def _literal_nul_paths(
    value: ValueNode, path: list[str]
) -> Iterator[tuple[StringValueNode, list[str]]]:
    if isinstance(value, StringValueNode):
        if NUL in value.value:
            yield value, path
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            yield from _literal_nul_paths(field.value, [*path, field.name.value])
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            yield from _literal_nul_paths(item, [*path, str(index)])


def _nul_paths(value: Any, path: list[str]) -> Iterator[list[str]]:
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                yield [*path, str(key).replace(NUL, "\\u0000")]
            else:
                yield from _nul_paths(item, [*path, str(key)])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, [*path, str(index)])


def variable_errors(variables: dict[str, Any] | None) -> list[GraphQLError]:
    """One error per variable string holding a NUL character."""
    return [
        NulInText(_field(path[1:], path[0])) for path in _nul_paths(variables or {}, []) if path
    ]
