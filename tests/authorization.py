"""Building the smallest valid call of any root field of the schema, for the authorization matrix:
every required argument gets a value of its type that names nothing that exists."""

from __future__ import annotations

import json
from collections.abc import Mapping

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)

# An id no test creates: allowed calls are refused as NOT_FOUND, and change nothing.
ABSENT_ID = "987654321"
SCALARS = {
    "String": json.dumps("x"),
    "ID": json.dumps(ABSENT_ID),
    "Int": "1",
    "Float": "1.0",
    "Boolean": "false",
    "DateTime": json.dumps("2026-01-01T00:00:00Z"),
    "Decimal": json.dumps("1"),
    "JSON": "{}",
}


def literal(type_: GraphQLInputType, name: str = "", ids: Mapping[str, str] | None = None) -> str:
    """A value of `type_` for the field or argument `name`; an ID is `ids[name]` when given."""
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type, name, ids)
    if isinstance(type_, GraphQLList):
        return "[]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{key}: {literal(field.type, key, ids)}"
            for key, field in type_.fields.items()
            if (isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined)
            or (ids and key in ids and get_named_type(field.type).name == "ID")
        ]
        return "{" + ", ".join(fields) + "}"
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID" and ids and name in ids:
        return json.dumps(ids[name])
    return SCALARS[type_.name]


def call(
    operation: str, name: str, field: GraphQLField, ids: Mapping[str, str] | None = None
) -> str:
    """`query { name(required args) { __typename } }`, or `mutation { ... }`; a payload's
    `errors` and a connection's `edges` are selected too. With `ids`, every ID argument or input
    field named in it (an optional one too) takes that id."""
    arguments = [
        f"{arg}: {literal(spec.type, arg, ids)}"
        for arg, spec in field.args.items()
        if (isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined)
        or (ids and arg in ids and get_named_type(spec.type).name == "ID")
        or (ids and isinstance(get_named_type(spec.type), GraphQLInputObjectType))
    ]
    args = f"({', '.join(arguments)})" if arguments else ""
    returned = get_named_type(field.type)
    selection = ""
    if isinstance(returned, GraphQLObjectType):
        wanted = ["__typename"]
        if "errors" in returned.fields:
            wanted.append("errors { code }")
        if "edges" in returned.fields:
            wanted.append("edges { __typename }")
        selection = " { " + " ".join(wanted) + " }"
    return f"{operation} {{ {name}{args}{selection} }}"


def id_names(field: GraphQLField) -> set[str]:
    """The names of the ID arguments and input fields, at any depth, a call of `field` can take."""
    found: set[str] = set()

    def walk(type_: GraphQLInputType, name: str) -> None:
        named = get_named_type(type_)
        if named.name == "ID":
            found.add(name)
        elif isinstance(named, GraphQLInputObjectType):
            for key, inner in named.fields.items():
                walk(inner.type, key)

    for arg, spec in field.args.items():
        walk(spec.type, arg)
    return found


def root_fields(schema: GraphQLSchema) -> dict[str, str]:
    """Every query and mutation by name, with its smallest valid call."""
    return {name: call(operation, name, field) for operation, name, field in operations(schema)}


def subscription_fields(schema: GraphQLSchema) -> dict[str, str]:
    """Every subscription by name, with its smallest valid call (sent over WebSocket)."""
    root = schema.subscription_type
    assert root is not None
    return {name: call("subscription", name, field) for name, field in root.fields.items()}


def operations(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    found = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        found.extend((operation, name, field) for name, field in root.fields.items())
    return found
