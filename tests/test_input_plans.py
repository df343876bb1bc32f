"""The input plans (api/inputs.py) build exactly what strawberry's own conversion builds."""

# No `from __future__ import annotations`: the types below are local, and strawberry resolves
# their annotations by name.

import dataclasses
import enum
from decimal import Decimal
from typing import Any

import strawberry

from api.inputs import install_input_plans


def _schema_and_seen(planned: bool) -> tuple[strawberry.Schema, list[Any]]:
    """The same small schema, built afresh, with or without plans; `seen` gets each argument."""

    @strawberry.enum
    class Colour(enum.Enum):
        RED = "RED"
        BLUE = "BLUE"

    @strawberry.input
    class Line:
        sku: str
        price: Decimal
        colour: Colour | None = None

    @strawberry.input
    class Shelf:
        lines: list[Line]
        label: str = "main"

    @strawberry.input
    class Basket:
        name: str
        lines: list[Line]
        note: str | None
        tags: list[str] = strawberry.field(default_factory=list)
        count: int = 3
        shelf: Shelf | None = None
        colours: list[Colour] | None = strawberry.UNSET

    seen: list[Any] = []

    @strawberry.type
    class Query:
        @strawberry.field
        def take(self, basket: Basket) -> int:
            seen.append(basket)
            return 1

    schema = strawberry.Schema(query=Query)
    if planned:
        install_input_plans(schema)
    return schema, seen


def _as_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, {k: _as_data(v) for k, v in vars(value).items()})
    if isinstance(value, list):
        return [_as_data(item) for item in value]
    if isinstance(value, enum.Enum):  # each schema has its own Colour class
        return (type(value).__name__, value.value)
    return value


DOCUMENTS = [
    '{ take(basket: {name: "a", lines: [], note: null}) }',
    '{ take(basket: {name: "a", lines: [{sku: "x", price: "1.50"}], note: "n", count: 7}) }',
    '{ take(basket: {name: "a", note: null, tags: ["t", "u"], colours: [RED, BLUE], '
    'lines: [{sku: "x", price: "2", colour: BLUE}, {sku: "y", price: "0.10", colour: null}], '
    'shelf: {lines: [{sku: "z", price: "3"}]}}) }',
    '{ take(basket: {name: "b", lines: [], note: null, shelf: null, colours: null}) }',
]


async def test_planned_inputs_equal_strawberrys_with_defaults_nulls_lists_and_nesting() -> None:
    built = []
    for planned in (False, True):
        schema, seen = _schema_and_seen(planned)
        for document in DOCUMENTS:
            result = await schema.execute(document)
            assert result.errors is None, result.errors
        built.append([_as_data(value) for value in seen])
    assert built[0] == built[1]
    assert len(built[1]) == len(DOCUMENTS)


async def test_omitted_list_with_a_default_is_a_fresh_list_each_time() -> None:
    schema, seen = _schema_and_seen(planned=True)
    for _ in range(2):
        await schema.execute('{ take(basket: {name: "a", lines: [], note: null}) }')
    seen[0].tags.append("changed")
    assert seen[1].tags == []
