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
from api.leaderboards.queries import LeaderboardQueries
from api.points.mutations import PointsMutations
from api.referrals.mutations import ReferralMutations
from core.settings import Settings


@strawberry.type
class Query(AccountQueries, LeaderboardQueries):
    pass


@strawberry.type
class Mutation(AccountMutations, PointsMutations, ReferralMutations):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limiters' validation rules are built once: ValidationCache keys on the rule classes,
    # and a limiter made per request makes new ones, so the cache never hit (measured: half of
    # a leaderboard request's time went to re-validating its document).
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions: list[type[SchemaExtension] | SchemaExtension] = [
        lambda: ParserCache(maxsize=1024),  # type: ignore[list-item]
        lambda: ValidationCache(maxsize=1024),  # type: ignore[list-item]
        lambda: AddValidationRules(limits),  # type: ignore[list-item]
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),  # type: ignore[list-item]
    ]
    if not settings.introspection_enabled:
        extensions.append(
            lambda: AddValidationRules([NoSchemaIntrospectionCustomRule])  # type: ignore[list-item]
        )
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)


# The schema as clients see it (for `export-schema` and the drift test): no settings change it.
schema = strawberry.Schema(query=Query, mutation=Mutation)
