"""Reading, writing back and inserting several rows of one model in one round trip, on the
event path and the hot mutations.

Tortoise builds each statement anew in Python, and for these it costs more CPU than the database
spends running them: `bulk_update` builds one UPDATE with a CASE per field and row, and an `__in`
filter renders its list of values every time (bench/README.md has the figures). On PostgreSQL
the reads and updates are sent as fixed text with array parameters, which asyncpg prepares once
per connection, one statement however many rows; elsewhere (SQLite) Tortoise's own are kept.
Inserts build their text once per model and row count, on both.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Collection, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.statements import Statement, fetch_postgres


async def write_back(model: type[Model], rows: Sequence[Any], fields: Sequence[str]) -> None:
    """Store `fields` of `rows` (instances of `model`, or rows from `read_locked`, already changed
    in memory), by primary key.
    Runs in the caller's transaction. On PostgreSQL one statement for all rows: an UPDATE joined
    to the new values passed as one array per column (`unnest`), instead of a statement per row."""
    if not rows:
        return
    meta = model._meta
    db = meta.db
    if db.capabilities.dialect != "postgres":
        await model.bulk_update(list(rows), fields=list(fields))
        return
    names = [meta.pk_attr, *fields]
    columns = [meta.fields_db_projection[name] for name in names]
    types = [meta.fields_map[name].get_for_dialect("postgres", "SQL_TYPE") for name in names]
    arrays = ", ".join(f"${n}::{sql_type}[]" for n, sql_type in enumerate(types, start=1))
    assignments = ", ".join(f'"{column}" = v."{column}"' for column in columns[1:])
    aliases = ", ".join(f'"{column}"' for column in columns)
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM unnest({arrays}) AS v({aliases}) '
        f'WHERE t."{columns[0]}" = v."{columns[0]}"'
    )
    await db.execute_query(sql, [[getattr(row, name) for row in rows] for name in names])


async def read_locked(
    model: type[Model], order_by: Sequence[str], **any_of: Collection[int]
) -> list[Any]:
    """The rows of `model` whose fields each take one of the given values (`member_id={1, 2}`),
    locked until commit (FOR UPDATE; SQLite locks the whole database for a writer anyway), in
    `order_by` order. Each row has the model's fields as attributes, ready for `write_back`: on
    PostgreSQL a plain namespace (building model instances costs more than the query), elsewhere
    a model instance. Runs in the caller's transaction."""
    db = model._meta.db
    if db.capabilities.dialect != "postgres":
        query = model.filter(**_in_filters(any_of))
        return list(await query.order_by(*order_by).select_for_update())
    columns = model._meta.fields_db_projection
    order = ", ".join(f'"{columns[name]}"' for name in order_by)
    sql = f"SELECT * FROM {_any_of_sql(model, any_of)} ORDER BY {order} FOR UPDATE"
    _, rows = await db.execute_query(sql, [list(values) for values in any_of.values()])
    return [SimpleNamespace(**row) for row in rows]


async def read_columns(
    model: type[Model], fields: Sequence[str], **any_of: Collection[int]
) -> list[tuple[Any, ...]]:
    """`fields` of the rows of `model` whose fields each take one of the given values, as
    tuples, in no particular order (a page of a leaderboard's display names)."""
    db = model._meta.db
    if db.capabilities.dialect != "postgres":
        return list(await model.filter(**_in_filters(any_of)).values_list(*fields))
    columns = model._meta.fields_db_projection
    selected = ", ".join(f'"{columns[name]}"' for name in fields)
    sql = f"SELECT {selected} FROM {_any_of_sql(model, any_of)}"
    _, rows = await db.execute_query(sql, [list(values) for values in any_of.values()])
    return [tuple(row.values()) for row in rows]


def _in_filters(any_of: dict[str, Collection[int]]) -> dict[str, list[int]]:
    return {f"{name}__in": list(values) for name, values in any_of.items()}


def _any_of_sql(model: type[Model], any_of: dict[str, Collection[int]]) -> str:
    """`"table" WHERE "a" = ANY($1) AND "b" = ANY($2)`: one array parameter per field, so the
    statement text is the same however many values (asyncpg prepares it once)."""
    columns = model._meta.fields_db_projection
    where = " AND ".join(f'"{columns[name]}" = ANY(${n})' for n, name in enumerate(any_of, start=1))
    return f'"{model._meta.db_table}" WHERE {where}'


M = TypeVar("M", bound=Model)


def new_row(model: type[M], **values: Any) -> M:
    """A new instance of `model` for `insert_all`, from Python values of its data fields (`x_id`,
    not related objects); the others take their defaults. What `model(**values)` builds,
    without its per-field work (a type conversion, a relation check and a default lookup for
    each field), which a hot path would pay for every row it inserts."""
    row = model.__new__(model)
    attributes = row.__dict__
    attributes.update(_ROW_STATE)
    attributes["_await_when_save"] = {}
    for name, default, factory in _defaults(model):
        if name not in values:
            attributes[name] = default() if factory else default
    attributes.update(values)
    return row


_ROW_STATE = {"_partial": False, "_saved_in_db": False, "_custom_generated_pk": False}


@functools.cache
def _defaults(model: type[Model]) -> tuple[tuple[str, Any, bool], ...]:
    defaults = []
    for name in model._meta.fields_db_projection:
        default = model._meta.fields_map[name].default
        if callable(default):
            defaults.append((name, default, True))
        elif isinstance(default, (list, dict, set)):  # mutable: a fresh copy per row
            defaults.append((name, functools.partial(copy.deepcopy, default), True))
        else:
            defaults.append((name, default, False))
    return tuple(defaults)


async def insert_row(model: type[M], **values: Any) -> M:
    """Insert one new row of `model` (see `new_row`) and return it, its primary key set."""
    row = new_row(model, **values)
    await insert_all([row])
    return row


async def insert_row_if(
    condition: Statement[Any], condition_values: Sequence[object], model: type[M], **values: Any
) -> M | None:
    """Run `condition` (an UPDATE ... RETURNING of one row at most, binding `condition_values`);
    only if it changed a row, insert one new row of `model` (see `new_row`) and return it. None,
    and no row, otherwise. On PostgreSQL both are one statement (the UPDATE as a CTE the INSERT
    selects from), so one round trip; on SQLite two."""
    row = new_row(model, **values)
    meta = model._meta
    db = meta.db
    if db.capabilities.dialect != "postgres":
        if not await condition.rows(*condition_values):
            return None
        await insert_all([row])
        return row
    sql = _insert_if_sql(model, condition.postgres, len(condition_values))
    returned = await fetch_postgres(db, sql, [*condition_values, *_db_values([row])])
    if not returned:
        return None
    _saved(row, returned[0][meta.db_pk_column])
    return row


@functools.cache
def _insert_if_sql(model: type[Model], condition: str, bound: int) -> str:
    names, _, columns = _insert_columns(model)
    # PostgreSQL types the parameters of the SELECT list from the INSERT's columns.
    selected = ", ".join(f"${bound + i + 1}" for i in range(len(names)))
    meta = model._meta
    return (
        f'WITH "condition" AS ({condition}) INSERT INTO "{meta.db_table}" ({columns}) '
        f'SELECT {selected} FROM "condition" RETURNING "{meta.db_pk_column}"'
    )


# SQLite binds at most 32,766 values per statement.
_INSERT_CHUNK = 200


async def insert_all(rows: Sequence[Model]) -> None:
    """Insert new instances of one model, setting their primary keys: one statement per 200
    rows (`INSERT ... VALUES (...), (...) RETURNING`) on both dialects, whose text is built once
    per model and row count (Tortoise's `bulk_create` and `create` build theirs each time)."""
    if not rows:
        return
    meta = rows[0]._meta
    db = meta.db
    postgres = db.capabilities.dialect == "postgres"
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start : start + _INSERT_CHUNK]
        values = _db_values(chunk)
        sql = _insert_sql(type(rows[0]), len(chunk), postgres)
        # (execute_query drops the rows of a statement that starts with INSERT.)
        returned = await (
            fetch_postgres(db, sql, values) if postgres else db.execute_query_dict(sql, values)
        )
        # Ids are drawn in the order of the VALUES; RETURNING's order is not promised.
        ids = sorted(record[meta.db_pk_column] for record in returned)
        for row, pk in zip(chunk, ids, strict=True):
            _saved(row, pk)


def _db_values(rows: Sequence[Model]) -> list[Any]:
    """The inserted columns' values of `rows` (one model), converted for the database, row after
    row: the parameters of their INSERT."""
    names, fields, _ = _insert_columns(type(rows[0]))
    return [
        field.to_db_value(getattr(row, name), row)
        for row in rows
        for name, field in zip(names, fields, strict=True)
    ]


def _saved(row: Model, pk: Any) -> None:
    setattr(row, row._meta.pk_attr, pk)
    row._saved_in_db = True


@functools.cache
def _insert_columns(model: type[Model]) -> tuple[list[str], list[Any], str]:
    meta = model._meta
    names = [n for n in meta.fields_db_projection if n not in meta.generated_db_fields]
    columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n in names)
    return names, [meta.fields_map[n] for n in names], columns


@functools.cache
def _insert_sql(model: type[Model], count: int, postgres: bool) -> str:
    names, _, columns = _insert_columns(model)
    mark = "$" if postgres else "?"
    groups = (
        "(" + ", ".join(f"{mark}{row * len(names) + i + 1}" for i in range(len(names))) + ")"
        for row in range(count)
    )
    meta = model._meta
    return (
        f'INSERT INTO "{meta.db_table}" ({columns}) VALUES {", ".join(groups)} '
        f'RETURNING "{meta.db_pk_column}"'
    )


async def column(query: QuerySet[Any], field: str) -> list[Any]:
    """The values of one column of `query`'s rows: `values_list(field, flat=True)`, typed as the
    list it is (Tortoise's stubs type it as a list of tuples)."""
    return cast(list[Any], await query.values_list(field, flat=True))
