"""Each distinct operation text is parsed and validated once per process, within our limits.

strawberry's ParserCache, AddValidationRules, ValidationCache and MaxTokensLimiter do this as four
extensions: four sets of hooks entered on every request, and a validation cache keyed by the parsed
document, which hashes the whole syntax tree on every lookup. One extension keyed by the
operation's text does the same work in one lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

from graphql import DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema, parse
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.compiled_plans import NotPlanned, Plan, compile_plan
from api.observability import OPERATION
from api.text_values import variable_errors

# The cache holds at most this much operation text (its parsed trees take about twice that),
# of which anonymous callers may fill only a share: what they send cannot evict the documents
# of the apps' signed-in users. A longer text than MAX_CACHED_TEXT is prepared each time.
CACHE_TEXT_BYTES = 4_000_000
ANONYMOUS_TEXT_BYTES = 500_000
MAX_CACHED_TEXT = 64_000


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    errors: list[GraphQLError]
    # Each operation's compiled plan (api/compiled_plans.py), or None where graphql-core runs it.
    plans: dict[str | None, Plan | None] = field(default_factory=dict)

    def plan(self, schema: GraphQLSchema, operation_name: str | None) -> Plan | None:
        if operation_name not in self.plans:
            try:
                self.plans[operation_name] = compile_plan(schema, self.document, operation_name)
            except NotPlanned:
                self.plans[operation_name] = None
        return self.plans[operation_name]


class _Partition:
    """Least recently used documents, bounded by the length of their texts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict[str, Prepared] = OrderedDict()

    def get(self, query: str) -> Prepared | None:
        prepared = self.entries.get(query)
        if prepared is not None:
            self.entries.move_to_end(query)
        return prepared

    def put(self, query: str, prepared: Prepared) -> None:
        self.entries[query] = prepared
        self.size += len(query)
        while self.size > self.limit:
            evicted, _ = self.entries.popitem(last=False)
            self.size -= len(evicted)


class DocumentCache:
    """A cached parse-and-validate for one schema and its limits. A document that does not parse
    (syntax, or more than `max_tokens` tokens) raises GraphQLError and is not cached."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: tuple[type[ASTValidationRule], ...],
        max_tokens: int,
        text_bytes: int = CACHE_TEXT_BYTES,
        anonymous_bytes: int = ANONYMOUS_TEXT_BYTES,
        compiled_plans: bool = True,
    ) -> None:
        self.schema = schema
        self.compiled_plans = compiled_plans
        self.rules = rules
        self.max_tokens = max_tokens
        self.signed_in = _Partition(text_bytes - anonymous_bytes)
        self.anonymous = _Partition(anonymous_bytes)

    @property
    def text_bytes(self) -> int:
        return self.signed_in.size + self.anonymous.size

    def __len__(self) -> int:
        return len(self.signed_in.entries) + len(self.anonymous.entries)

    def prepare(self, query: str, anonymous: bool) -> Prepared:
        prepared = self.signed_in.get(query) or self.anonymous.get(query)
        if prepared is None:
            document = parse(query, max_tokens=self.max_tokens)
            prepared = Prepared(document, validate_document(self.schema, document, self.rules))
            if len(query) <= MAX_CACHED_TEXT:
                (self.anonymous if anonymous else self.signed_in).put(query, prepared)
        return prepared


class PreparedDocuments(SchemaExtension):
    def __init__(self, cache: DocumentCache) -> None:
        super().__init__()
        self.cache = cache
        self.prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            caller = getattr(context.context, "caller", None)
            anonymous = caller is None or caller.kind in ("anonymous", "invalid")
            self.prepared = self.cache.prepare(context.query, anonymous)
            context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        if self.prepared is not None:
            context = self.execution_context
            # The operation's name for the access log, the metrics and the trace.
            request = getattr(context.context, "request", None)
            if request is not None:
                request.scope.setdefault("state", {})[OPERATION] = context.operation_name
            # A valid document's variables meet the rule its literals met (api/text_values.py).
            context.pre_execution_errors = self.prepared.errors or variable_errors(
                context.variables
            )
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        # A query with a compiled plan answers from it; an answer the plan cannot give (an
        # error above all) is left to graphql-core, which runs the operation from the start.
        context = self.execution_context
        if self.prepared is not None and self.cache.compiled_plans and not context.result:
            plan = self.prepared.plan(self.cache.schema, context.operation_name)
            if plan is not None:
                try:
                    data = await plan.run(context.context, context.root_value, context.variables)
                except Exception:  # graphql-core gives the error its answer
                    plan.given_back += 1
                else:
                    plan.answered += 1
                    context.result = ExecutionResult(data, None)
        yield
