"""Strategies for fuzzing the GraphQL endpoint (tests/test_fuzz.py): hypothesis-graphql writes valid
documents from the schema as built, and the values it puts in them are drawn partly from what the
database holds (ids, codes, emails, board names), so calls go past NOT_FOUND into real code paths,
and partly from edge cases (huge numbers, odd text, far-away times).

Half the operations are sent as clients send them, with variables: every argument's value
becomes a variable of the argument's type, its value the literal's as JSON. Variables are
coerced by another path (a scalar's `parse_value`, not `parse_literal`; input objects built from
JSON), which a document of literals never reaches."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from tortoise import Tortoise

from api.schema import schema

# hypothesis-graphql builds its own values for these; the others are the schema's own scalars.
BUILT_IN_SCALARS = {"Int", "Float", "String", "ID", "Boolean"}

# Ids that name nothing, or nothing valid: zero, negative, past 64 bits, not a number.
ODD_IDS = ("0", "-1", "9223372036854775807", "9223372036854775808", "1e3", " 1", "", "x")
ODD_TEXT = ("", " ", "\x00", "\u202e", "é" * 300, "a" * 5000, "🙂", "null", "%s", "'; --")
ODD_TIMES = (
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "2026-01-01",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00:00+23:59",
    "now",
)
ODD_DECIMALS = ("0", "-1", "0.001", "1e400", "-1e-400", "NaN", "Infinity", "1" * 80, "1,5", "")


@dataclass(frozen=True)
class Known:
    """Values that exist in the fuzzed database, for the strategies to pick from."""

    ids: tuple[str, ...]
    strings: tuple[str, ...] = field(default=())


async def known_values(extra_strings: Iterable[str] = ()) -> Known:
    """Every row id of every table (a test database holds only its module's data), and the text
    that names things: slugs, emails, codes, board names, cursors."""
    ids: set[int] = set()
    strings: set[str] = {"points", "referrals", "EUR", "USD", *extra_strings}
    for app in Tortoise.apps.values():
        for model in app.values():
            if "id" not in model._meta.fields_map:
                continue
            rows = await model.all().order_by("-id").limit(200).values_list("id", flat=True)
            ids.update(int(row) for row in rows if isinstance(row, int))
            for name in ("slug", "email", "referral_code", "code", "sku", "external_id", "prefix"):
                if name in model._meta.fields_map:
                    values = await model.all().limit(50).values_list(name, flat=True)
                    strings.update(str(value) for value in values if value)
            if model.__name__ == "Challenge":
                strings.update(f"challenge:{row}" for row in rows)
    strings.update(base64.urlsafe_b64encode(f"id:{row}".encode()).decode() for row in ids)
    return Known(ids=tuple(sorted(str(i) for i in ids)), strings=tuple(sorted(strings)))


# What a client can send: any character JSON in UTF-8 can carry (no lone surrogates).
_SENDABLE = st.characters(codec="utf-8")


def _string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def _mostly(usual: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`usual` nine times in ten, `odd` otherwise: an odd value refuses its whole document (a NUL,
    a time without a zone), so a document with several must not nearly always hold one."""
    return st.integers(0, 9).flatmap(lambda n: odd if n == 0 else usual)


def _texts(known: Iterable[str], max_size: int = 40) -> st.SearchStrategy[str]:
    return _mostly(
        st.one_of(
            st.sampled_from(tuple(known) or ("",)),
            st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=max_size),
        ),
        st.one_of(st.sampled_from(ODD_TEXT), st.text(_SENDABLE, max_size=max_size)),
    )


def _json_values() -> st.SearchStrategy[graphql.ValueNode]:
    leaves: st.SearchStrategy[graphql.ValueNode] = st.one_of(
        st.just(graphql.NullValueNode()),
        st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
        st.integers().map(lambda i: graphql.IntValueNode(value=str(i))),
        st.text(_SENDABLE, max_size=20).map(_string_node),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(lambda items: graphql.ListValueNode(values=items)),
            st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), children, max_size=4).map(
                lambda d: graphql.ObjectValueNode(
                    fields=[
                        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                        for k, v in d.items()
                    ]
                )
            ),
        ),
        max_leaves=8,
    )


def scalar_strategies(
    graphql_schema: graphql.GraphQLSchema, known: Known
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """A strategy for IDs and strings (real values and odd ones), and one for every scalar of the
    schema; a scalar added later gets text until it has a strategy of its own here."""
    ids = _mostly(
        st.sampled_from(known.ids or ODD_IDS),
        st.one_of(st.sampled_from(ODD_IDS), st.integers().map(str)),
    )
    recent = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
    strategies: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
        "ID": ids.map(_string_node),
        "String": _texts(known.strings).map(_string_node),
        "DateTime": _mostly(
            recent.map(datetime.isoformat),
            st.one_of(
                st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
                st.sampled_from(ODD_TIMES),
            ),
        ).map(_string_node),
        "Decimal": _mostly(
            st.decimals(0, 10_000, places=2).map(str),
            st.one_of(
                st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
                st.sampled_from(ODD_DECIMALS),
            ),
        ).map(_string_node),
        "JSON": _json_values(),
    }
    for name, type_ in graphql_schema.type_map.items():
        is_custom = isinstance(type_, graphql.GraphQLScalarType) and name not in BUILT_IN_SCALARS
        if is_custom and name not in strategies:
            strategies[name] = _texts(known.strings).map(_string_node)
    return strategies


@dataclass(frozen=True)
class Operation:
    """A document to send, and its variables (None: the values are literals in the document)."""

    document: str
    variables: dict[str, Any] | None = None


def _type_node(type_: graphql.GraphQLInputType) -> graphql.TypeNode:
    if isinstance(type_, graphql.GraphQLNonNull):
        return graphql.NonNullTypeNode(type=_type_node(type_.of_type))
    if isinstance(type_, graphql.GraphQLList):
        return graphql.ListTypeNode(type=_type_node(type_.of_type))
    return graphql.NamedTypeNode(name=graphql.NameNode(value=type_.name))


def _finite(value: object) -> bool:
    """Whether JSON can carry `value` (no NaN nor infinity in it)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    return True


class _ArgumentsAsVariables(graphql.Visitor):
    def __init__(self, type_info: graphql.TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.definitions: list[graphql.VariableDefinitionNode] = []
        self.values: dict[str, Any] = {}

    def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
        argument = self.type_info.get_argument()
        value = graphql.value_from_ast_untyped(node.value)
        if argument is None or not _finite(value):
            return None
        name = f"v{len(self.definitions)}"
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        self.definitions.append(
            graphql.VariableDefinitionNode(variable=variable, type=_type_node(argument.type))
        )
        self.values[name] = value
        return graphql.ArgumentNode(name=node.name, value=variable)


def with_variables(
    document: graphql.DocumentNode, graphql_schema: graphql.GraphQLSchema
) -> Operation:
    """The same operation, each argument's value (at any depth of the selection) passed as a
    variable of the argument's type: a JSON value equal to the literal."""
    type_info = graphql.TypeInfo(graphql_schema)
    visitor = _ArgumentsAsVariables(type_info)
    edited = graphql.visit(document, graphql.TypeInfoVisitor(type_info, visitor))
    (operation,) = edited.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    declared = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=tuple(visitor.definitions),
        directives=operation.directives,
        selection_set=operation.selection_set,
    )
    return Operation(
        graphql.print_ast(graphql.DocumentNode(definitions=(declared,))), visitor.values
    )


def _node(document: graphql.DocumentNode) -> graphql.DocumentNode:
    # hypothesis-graphql's printer, left out: the tree is edited before it is printed. (A
    # function of the module's, so that hypothesis-graphql's cache of strategies keeps hitting.)
    return document


def documents(known: Known, preferred: Sequence[str] = ()) -> st.SearchStrategy[Operation]:
    """Valid queries and mutations, each of one root field of the schema as built (a document of
    many is refused whole by one bad value, and reaches fewer resolvers): nine in ten of the
    `preferred` fields (those the caller may call), if any, the others of any field; half of
    them with their values as variables."""
    graphql_schema = schema._schema
    scalars = scalar_strategies(graphql_schema, known)
    names = [
        name
        for root in (graphql_schema.query_type, graphql_schema.mutation_type)
        if root is not None
        for name in root.fields
    ]
    fields = st.sampled_from(names)
    if preferred:
        fields = _mostly(st.sampled_from(preferred), fields)
    trees = fields.flatmap(
        lambda name: from_schema(
            graphql_schema, fields=[name], custom_scalars=scalars, print_ast=_node
        )
    )
    return st.tuples(trees, st.booleans()).map(
        lambda drawn: (
            with_variables(drawn[0], graphql_schema)
            if drawn[1]
            else Operation(graphql.print_ast(drawn[0]))
        )
    )


def error_codes(body: dict[str, Any]) -> list[str | None]:
    """The code of every top-level error, and of every payload error the document selected."""
    found: list[str | None] = [
        (error.get("extensions") or {}).get("code") for error in body.get("errors") or []
    ]

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                if key == "errors" and isinstance(item, dict) and "code" in item:
                    found.append(item["code"])
                walk(item, key)

    walk(body.get("data"))
    return found
