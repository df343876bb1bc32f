"""The domain's StrEnums as GraphQL enums, each value with the description clients read.

The domain keeps its enums free of GraphQL; here strawberry wraps one and every value gets its
text, so GraphiQL and generated clients list the choices with what each one means. A value the
domain adds without a description here is refused when the schema is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[Enum])


def graphql_enum(enum: E, name: str, description: str, values: Mapping[str, str]) -> E:
    """`enum` as the GraphQL enum `name`; `values` maps each member's name to its description."""
    missing = {member.name for member in enum} ^ set(values)
    if missing:
        raise ValueError(f"{name}: describe exactly its values; these differ: {sorted(missing)}")
    wrapped = strawberry.enum(enum, name=name, description=description)
    # strawberry keeps one EnumValue per member: its description is what the schema prints.
    for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]  # set by strawberry.enum
        value.description = values[value.name]
    return wrapped
