"""Each distinct operation text is parsed and validated once per process, within our limits.

strawberry's ParserCache, AddValidationRules, ValidationCache and MaxTokensLimiter do this as four
extensions: four sets of hooks entered on every request, and a validation cache keyed by the parsed
document, which hashes the whole syntax tree on every lookup. One extension keyed by the
operation's text does the same work in one lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.text_values import variable_errors

CACHE_SIZE = 1024


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    errors: list[GraphQLError]


def preparer(
    schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...], max_tokens: int
) -> Callable[[str], Prepared]:
    """A cached parse-and-validate for one schema and its limits. A document that does not parse
    (syntax, or more than `max_tokens` tokens) raises GraphQLError and is not cached."""

    @lru_cache(maxsize=CACHE_SIZE)
    def prepare(query: str) -> Prepared:
        document = parse(query, max_tokens=max_tokens)
        return Prepared(document, validate_document(schema, document, rules))

    return prepare


class PreparedDocuments(SchemaExtension):
    def __init__(self, prepare: Callable[[str], Prepared]) -> None:
        super().__init__()
        self.prepare = prepare
        self.prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            self.prepared = self.prepare(context.query)
            context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        if self.prepared is not None:
            context = self.execution_context
            # A valid document's variables meet the rule its literals met (api/text_values.py).
            context.pre_execution_errors = self.prepared.errors or variable_errors(
                context.variables
            )
        yield
