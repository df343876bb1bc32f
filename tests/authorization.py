"""Building the smallest valid call of any root field of the schema, for the authorization matrix:
every required argument gets a value of its type that names nothing that exists."""

from __future__ import annotations

import json

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


def literal(type_: GraphQLInputType) -> str:
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return "[]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{name}: {literal(field.type)}"
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(fields) + "}"
    assert isinstance(type_, GraphQLScalarType)
    return SCALARS[type_.name]


def call(operation: str, name: str, field: GraphQLField) -> str:
    """`query { name(required args) { __typename } }`, or `mutation { ... }`."""
    arguments = [
        f"{arg}: {literal(spec.type)}"
        for arg, spec in field.args.items()
        if isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined
    ]
    args = f"({', '.join(arguments)})" if arguments else ""
    selection = (
        " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
    )
    return f"{operation} {{ {name}{args}{selection} }}"


def root_fields(schema: GraphQLSchema) -> dict[str, str]:
    """Every query and mutation by name, with its smallest valid call."""
    calls: dict[str, str] = {}
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            calls[name] = call(operation, name, field)
    return calls
