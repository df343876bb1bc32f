"""Compiled execution plans: a query document's fields resolved once into a plan, then run per
request without graphql-core walking the document.

For every field of every request graphql-core collects the selection again, coerces the
arguments, builds a resolve info and a path, and goes through strawberry's resolver wrapper,
which converts arguments and builds its own Info even for a method that reads an attribute. A
document in the cache (api/documents.py) is the same on every request, so all of that can be
decided once: a plan knows, for each response key, how to get the value (an attribute, a plain
method, or the field's own resolver with an info), and how to complete it (a scalar's or an
enum's `serialize`, a list, an object's own plan).

Only what a plan gives the same answer for is planned: query operations without directives, of
fields whose types are scalars, enums, objects and lists of them (no interface or union to
resolve). A resolver that needs more than its source (permissions, arguments, the context) is
called as graphql-core calls it, with a resolve info built for it. Anything else, and any
answer that is not plain data (an error, a null where the type forbids one, an awaitable in a
list), gives the operation back to graphql-core, which runs it from the start: its errors,
paths and null propagation are then graphql-core's own. Only queries are planned, so running a
query again repeats reads, never a change. tests/test_compiled_plans.py holds the plans to
graphql-core's answers.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import DirectiveNode, DocumentNode, FragmentDefinitionNode
from graphql.pyutils import Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.execution.is_awaitable import optimized_is_awaitable as is_awaitable
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import SELF_PARAMSPEC

# A step of a plan: the completed value for a source, or an awaitable of it.
Complete = Callable[[Any, "Run", Path | None], Any]

_NO_VARIABLES = VariableValues({}, {})
# Resolvers called through a plan may gather and track work as graphql-core lets them.
_HELPERS = GraphQLResolveInfoHelpers(gather=lambda values: gather_with_cancel(*values), track=list)


class NotPlanned(Exception):
    """The document needs graphql-core: the reason is the message."""


class Abandoned(Exception):
    """This request's answer is not plain data; graphql-core answers it instead."""


class Run:
    """What a plan's resolvers see of one request (graphql-core's resolve info, per field)."""

    __slots__ = ("context", "root_value", "variables")

    def __init__(self, context: Any, root_value: Any, variables: VariableValues) -> None:
        self.context = context
        self.root_value = root_value
        self.variables = variables


class Plan:
    """One query operation of one document, ready to run."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragment_definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        fragments = {name: FragmentDetails(d) for name, d in self.fragment_definitions.items()}
        query = schema.query_type
        assert query is not None
        collected = collect_fields(schema, fragments, _NO_VARIABLES, query, operation)
        self._fragments = fragments
        self.root = _Object(self, query, collected.grouped_field_set)
        # Requests this plan answered, and those it gave back to graphql-core.
        self.answered = 0
        self.given_back = 0

    async def run(
        self, context: Any, root_value: Any, raw_variables: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The operation's data, or Abandoned (or any exception a resolver raised)."""
        variables = _NO_VARIABLES
        if self.operation.variable_definitions:
            coerced = get_variable_values(
                self.schema, self.operation.variable_definitions, raw_variables or {}
            )
            if isinstance(coerced, list):
                raise Abandoned("variables")
            variables = coerced
        data = self.root.complete(root_value, Run(context, root_value, variables), None)
        if is_awaitable(data):
            data = await data
        return data  # type: ignore[no-any-return]  # the root object's completion is a dict

    def info(self, field: _Field, path: Path | None, run: Run) -> GraphQLResolveInfo:
        assert path is not None
        return GraphQLResolveInfo(
            field.name,
            field.nodes,
            field.definition.type,
            field.parent_type,
            path,
            self.schema,
            self.fragment_definitions,
            run.root_value,
            self.operation,
            run.variables,
            run.context,
            is_awaitable,
            None,
            _HELPERS,
        )


def compile_plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan:
    """The plan of the named operation (or the only one), or NotPlanned."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        raise NotPlanned("no single operation")
    operation = operations[0]
    if operation.operation != OperationType.QUERY:
        raise NotPlanned("only queries are planned")
    if _has_directives(document):
        raise NotPlanned("directives")
    if any(
        isinstance(d, FragmentDefinitionNode) and d.variable_definitions
        for d in document.definitions
    ):
        raise NotPlanned("fragment variables")
    return Plan(schema, document, operation)


def _has_directives(document: DocumentNode) -> bool:
    found: list[DirectiveNode] = []

    class Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            found.append(node)

    visit(document, Directives())
    return bool(found)


class _Object:
    """The fields of one object type selected at one place."""

    def __init__(
        self, plan: Plan, type_: GraphQLObjectType, grouped: dict[str, list[FieldDetails]]
    ) -> None:
        self.type = type_
        self.is_type_of = type_.is_type_of
        self.fields = [_Field(plan, type_, key, details) for key, details in grouped.items()]
        self.keys = [field.key for field in self.fields]
        self.needs_path = any(field.needs_path for field in self.fields)

    def complete(self, source: Any, run: Run, path: Path | None) -> Any:
        if self.is_type_of is not None and not self.is_type_of(source, None):
            raise Abandoned("is_type_of")
        result: dict[str, Any] = {}
        pending: list[tuple[str, Awaitable[Any]]] | None = None
        try:
            for field in self.fields:
                if field.leaf is not None:
                    result[field.key] = field.leaf(source)
                    continue
                value = field.run(source, run, path)
                if is_awaitable(value):
                    result[field.key] = None  # keeps the selection's order
                    if pending is None:
                        pending = []
                    pending.append((field.key, value))
                else:
                    result[field.key] = value
        except BaseException:
            _close(pending)
            raise
        if pending is None:
            return result
        return _settle_object(result, pending)


async def _settle_object(
    result: dict[str, Any], pending: list[tuple[str, Awaitable[Any]]]
) -> dict[str, Any]:
    if len(pending) == 1:
        key, awaitable = pending[0]
        result[key] = await awaitable
        return result
    # Side by side, as graphql-core runs them, so that their dataloader calls batch.
    values = await asyncio.gather(*(a for _, a in pending), return_exceptions=True)
    for (key, _), value in zip(pending, values, strict=True):
        if isinstance(value, BaseException):
            raise value
        result[key] = value
    return result


def _close(pending: Sequence[tuple[Any, Awaitable[Any]]] | None) -> None:
    """Coroutines started for a request given back to graphql-core are never awaited."""
    for _, awaitable in pending or ():
        if asyncio.iscoroutine(awaitable):
            awaitable.close()


class _Field:
    """How one response key gets its value from the source, and completes it."""

    def __init__(
        self, plan: Plan, parent: GraphQLObjectType, key: str, details: list[FieldDetails]
    ) -> None:
        self.plan = plan
        self.key = key
        self.parent_type = parent
        self.nodes: list[FieldNode] = [d.node for d in details]
        self.name = self.nodes[0].name.value
        self.resolve: Callable[[Any, Run, Path | None], Any]
        # A value read from the source alone (an attribute, a plain method), or None.
        self.get: Callable[[Any], Any] | None = None
        if self.name == "__typename":
            typename = parent.name
            self.definition = GraphQLField(GraphQLNonNull(_string(plan.schema)))
            self.get = lambda source: typename
            self.needs_info = False
        elif self.name.startswith("__"):
            raise NotPlanned("introspection")
        else:
            definition = parent.fields.get(self.name)
            if definition is None:
                raise NotPlanned(f"unknown field {self.name}")
            self.definition = definition
            self._choose_resolver(definition)
        self.complete = _completer(plan, self.definition.type, details)
        self.needs_path = self.needs_info or _needs_path(self.complete)
        if self.get is not None:
            get = self.get
            self.resolve = lambda source, run, path: get(source)
        # A scalar or an enum read from the source: one step, the most common field of all.
        self.leaf = None if self.get is None else _leaf_step(self.get, self.definition.type)

    def _choose_resolver(self, definition: GraphQLField) -> None:
        resolve = definition.resolve
        if resolve is None:
            raise NotPlanned(f"{self.name} has graphql-core's default resolver")
        field = definition.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        self.needs_info = False
        if getattr(resolve, "_is_default", False) and isinstance(field, StrawberryField):
            # strawberry's basic field: an attribute of the source.
            self.get = operator.attrgetter(field.python_name)
            return
        if isinstance(field, StrawberryField) and _is_plain_method(field, self.plan):
            self.get = field.base_resolver.wrapped_func  # type: ignore[union-attr]  # _is_plain_method checked it
            return
        # The field's own resolver, called as graphql-core calls it.
        self.needs_info = True
        static = None
        if not _uses_variables(self.nodes[0]):
            static = get_argument_values(definition, self.nodes[0], _NO_VARIABLES)
        node = self.nodes[0]
        plan = self.plan

        def call(source: Any, run: Run, path: Path | None) -> Any:
            arguments = (
                static
                if static is not None
                else get_argument_values(definition, node, run.variables)
            )
            return resolve(source, plan.info(self, path, run), **arguments)

        self.resolve = call

    def run(self, source: Any, run: Run, path: Path | None) -> Any:
        if self.needs_path:
            path = Path(path, self.key, self.parent_type.name)
        value = self.resolve(source, run, path)
        if is_awaitable(value):
            return self._later(value, run, path)
        return self.complete(value, run, path)

    async def _later(self, value: Awaitable[Any], run: Run, path: Path | None) -> Any:
        completed = self.complete(await value, run, path)
        if is_awaitable(completed):
            completed = await completed
        return completed


def _is_plain_method(field: StrawberryField, plan: Plan) -> bool:
    """A resolver of its source alone: no argument, info, extension or exception handler."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments or resolver.is_async:
        return False
    strawberry_schema = getattr(plan.schema, "_strawberry_schema", None)
    if strawberry_schema is None or strawberry_schema.schema_converter._exception_handler_specs:
        return False
    return resolver.self_parameter is not None and set(resolver.reserved_parameters) == {
        SELF_PARAMSPEC
    }


def _uses_variables(node: FieldNode) -> bool:
    found: list[VariableNode] = []

    class Variables(Visitor):
        def enter_variable(self, variable: VariableNode, *_: Any) -> None:
            found.append(variable)

    for argument in node.arguments or ():
        visit(argument, Variables())
    return bool(found)


def _string(schema: GraphQLSchema) -> GraphQLScalarType:
    string = schema.get_type("String")
    assert isinstance(string, GraphQLScalarType)
    return string


def _needs_path(complete: Complete) -> bool:
    return bool(getattr(complete, "needs_path", False))


def _leaf_step(get: Callable[[Any], Any], type_: GraphQLOutputType) -> Callable[[Any], Any] | None:
    """`get` and the completion of its scalar or enum in one call; None for other types."""
    non_null = isinstance(type_, GraphQLNonNull)
    leaf = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    serialize = leaf.serialize

    def step(source: Any) -> Any:
        value = get(source)
        if value is None:
            if non_null:
                raise Abandoned("null for a non-null type")
            return None
        serialized = serialize(value)
        if serialized is None:
            raise Abandoned("a leaf serialised to null")
        return serialized

    return step


def _completer(plan: Plan, type_: GraphQLOutputType, details: list[FieldDetails]) -> Complete:
    """How a resolved value of `type_` becomes its answer."""
    if isinstance(type_, GraphQLNonNull):
        inner = _nullable_completer(plan, type_.of_type, details)

        def non_null(value: Any, run: Run, path: Path | None) -> Any:
            if value is None:
                raise Abandoned("null for a non-null type")
            return inner(value, run, path)

        non_null.needs_path = _needs_path(inner)  # type: ignore[attr-defined]  # read by _needs_path
        return non_null
    inner = _nullable_completer(plan, type_, details)

    def nullable(value: Any, run: Run, path: Path | None) -> Any:
        return None if value is None else inner(value, run, path)

    nullable.needs_path = _needs_path(inner)  # type: ignore[attr-defined]  # read by _needs_path
    return nullable


def _nullable_completer(
    plan: Plan, type_: GraphQLOutputType, details: list[FieldDetails]
) -> Complete:
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        serialize = type_.serialize

        def leaf(value: Any, run: Run, path: Path | None) -> Any:
            serialized = serialize(value)
            if serialized is None:
                raise Abandoned("a leaf serialised to null")
            return serialized

        return leaf
    if isinstance(type_, GraphQLList):
        item = _completer(plan, type_.of_type, details)
        item_needs_path = _needs_path(item)

        def list_(value: Any, run: Run, path: Path | None) -> Any:
            if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
                raise Abandoned("not a list")
            completed: list[Any] = []
            try:
                for index, element in enumerate(value):
                    if is_awaitable(element):
                        raise Abandoned("an awaitable in a list")
                    at = Path(path, index, None) if item_needs_path else None
                    completed.append(item(element, run, at))
            except BaseException:
                _close(list(enumerate(completed)))
                raise
            if any(is_awaitable(done) for done in completed):
                return _settle_list(completed)
            return completed

        list_.needs_path = item_needs_path  # type: ignore[attr-defined]  # read by _needs_path
        return list_
    if isinstance(type_, GraphQLObjectType):
        grouped = collect_subfields(
            plan.schema, plan._fragments, _NO_VARIABLES, plan.operation, type_, details
        ).grouped_field_set
        object_ = _Object(plan, type_, grouped)

        def complete_object(value: Any, run: Run, path: Path | None) -> Any:
            return object_.complete(value, run, path)

        complete_object.needs_path = object_.needs_path  # type: ignore[attr-defined]  # read by _needs_path
        return complete_object
    raise NotPlanned(f"{type_} needs its runtime type resolved")


async def _settle_list(completed: list[Any]) -> list[Any]:
    waiting = [(i, value) for i, value in enumerate(completed) if is_awaitable(value)]
    values = await asyncio.gather(*(value for _, value in waiting), return_exceptions=True)
    for (index, _), value in zip(waiting, values, strict=True):
        if isinstance(value, BaseException):
            raise value
        completed[index] = value
    return completed
