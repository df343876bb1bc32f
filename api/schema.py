"""The schema, composed from each domain's queries and mutations, and its hardening extensions."""

from __future__ import annotations

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.extensions.base_extension import SchemaExtension

from api.accounts.mutations import AccountMutations
from api.accounts.queries import AccountQueries
from api.badges.mutations import BadgeMutations
from api.badges.queries import BadgeQueries
from api.challenges.mutations import ChallengeMutations
from api.challenges.queries import ChallengeQueries
from api.points.mutations import PointsMutations
from api.webhooks.mutations import WebhookMutations
from api.webhooks.queries import WebhookQueries
from core.settings import Settings


@strawberry.type
class Query(AccountQueries, BadgeQueries, ChallengeQueries, WebhookQueries):
    pass


@strawberry.type
class Mutation(
    AccountMutations, PointsMutations, BadgeMutations, ChallengeMutations, WebhookMutations
):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[type[SchemaExtension] | SchemaExtension] = [
        lambda: ParserCache(maxsize=1024),  # type: ignore[list-item]
        lambda: ValidationCache(maxsize=1024),  # type: ignore[list-item]
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),  # type: ignore[list-item]
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),  # type: ignore[list-item]
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),  # type: ignore[list-item]
    ]
    if not settings.introspection_enabled:
        extensions.append(
            lambda: AddValidationRules([NoSchemaIntrospectionCustomRule])  # type: ignore[list-item]
        )
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)


# The schema as clients see it (for `export-schema` and the drift test): no settings change it.
schema = strawberry.Schema(query=Query, mutation=Mutation)
