"""Building our input classes from GraphQL input values, with one plan per input type.

Strawberry converts an argument by walking its type anew on every request: for each field it
resolves the annotation, converts the name, and tests the type against every kind it could be.
On a mutation with nested input lines (`recordPurchase`) that is a visible share of the API's
CPU (bench/README.md has the figure). The plan here is built once per input type, when the
schema is built, and installed through `from_input`, strawberry's own hook for types that build
their own values. The values are the same: graphql-core has already parsed and validated every
scalar and enum, so only input objects and lists need building; a field the client omitted is
left to its default, and one with no default is None, as strawberry does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

import strawberry
from strawberry.schema.name_converter import NameConverter
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

# None: the value is used as graphql-core gives it.
Convert = Callable[[Any], Any] | None


def install_input_plans(schema: strawberry.Schema) -> None:
    """Give every input type of `schema` its conversion plan."""
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            _plan(definition, schema.config.name_converter)


def _plan(definition: StrawberryObjectDefinition, names: NameConverter) -> Callable[[Any], Any]:
    """Set `definition.from_input` (once) and return the plan as a one-argument converter."""
    existing = getattr(definition, "_input_plan", None)
    if existing is not None:
        return existing
    fields: list[tuple[str, str, Convert]] = []
    absent: dict[str, None] = {}

    def build(cls: type, value: Mapping[str, Any]) -> Any:
        kwargs: dict[str, Any] = dict(absent)
        for graphql_name, python_name, convert in fields:
            if graphql_name in value:
                item = value[graphql_name]
                kwargs[python_name] = item if convert is None else convert(item)
        return cls(**kwargs)

    def from_input(cls: type, value: Mapping[str, Any], _context: InputContext) -> Any:
        return build(cls, value)

    def plan(value: Any) -> Any:
        return build(definition.origin, value)

    # Recorded before the fields are planned: an input type may refer to itself.
    definition._input_plan = plan  # type: ignore[attr-defined]  # strawberry's definition object has no slot for our plan
    definition.from_input = from_input
    for field in definition.fields:
        convert = _converter(field.resolve_type(), names, f"{definition.name}.{field.python_name}")
        fields.append((names.from_field(field), field.python_name, convert))
        if field.default_value is MISSING and field.default_factory is MISSING:
            absent[field.python_name] = None
    return plan


def _converter(type_: Any, names: NameConverter, where: str) -> Convert:
    if isinstance(type_, StrawberryMaybe):
        raise TypeError(f"{where}: Maybe inputs are not planned; convert them with strawberry")
    if isinstance(type_, StrawberryOptional):
        inner = _converter(type_.of_type, names, where)
        if inner is None:
            return None
        return lambda value: value if value is None or value is UNSET else inner(value)
    if isinstance(type_, StrawberryList):
        item = _converter(type_.of_type, names, where)
        # A list is copied even when its items are not: graphql-core gives the same default
        # list to every request that omits the value.
        if item is None:
            return lambda value: value if value is None or value is UNSET else list(value)
        return lambda value: value if value is None or value is UNSET else [item(x) for x in value]
    if isinstance(type_, LazyType):
        return _converter(type_.resolve_type(), names, where)
    if has_object_definition(type_):
        definition = type_.__strawberry_definition__
        if not definition.is_input:
            raise TypeError(f"{where}: {definition.name} is not an input type")
        return _plan(definition, names)
    # A scalar or an enum, already parsed by graphql-core.
    return None
