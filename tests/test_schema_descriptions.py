"""Every public element of the schema explains itself: a mobile developer reading GraphiQL or a
generated client finds what each type, field, argument, input field, enum value, query and
mutation means, without opening docs/."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    specified_scalar_types,
)

from api.schema import schema


def _blank(description: str | None) -> bool:
    return description is None or not description.strip()


def undocumented_elements() -> list[str]:
    """The coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) undescribed."""
    missing: list[str] = []
    for name, type_ in sorted(schema._schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if _blank(type_.description):
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                if _blank(field.description):
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if _blank(arg.description):
                        missing.append(f"{name}.{field_name}({arg_name}:)")
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                if _blank(input_field.description):
                    missing.append(f"{name}.{field_name}")
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                if _blank(value.description):
                    missing.append(f"{name}.{value_name}")
        else:
            assert isinstance(type_, GraphQLScalarType | GraphQLUnionType), type_
    return missing


def test_every_public_schema_element_has_a_description() -> None:
    missing = undocumented_elements()
    assert not missing, f"{len(missing)} schema elements have no description:\n" + "\n".join(
        missing
    )


def test_the_walk_sees_queries_mutations_arguments_and_enum_values() -> None:
    # The walk above would pass vacuously if it missed the roots: it must reach them.
    type_map = schema._schema.type_map
    assert {"Query", "Mutation", "ErrorCode"} <= type_map.keys()
    mutation = type_map["Mutation"]
    assert isinstance(mutation, GraphQLObjectType)
    assert "input" in mutation.fields["redeemReward"].args
