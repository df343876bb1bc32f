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
from api.games.mutations import GameMutations
from api.games.queries import GameQueries
from api.leaderboards.queries import LeaderboardQueries
from api.members.mutations import MemberMutations
from api.members.queries import MemberQueries
from api.points.mutations import PointsMutations
from api.referrals.mutations import ReferralMutations
from api.reports.queries import ReportQueries
from api.rewards.mutations import RewardMutations
from api.rewards.queries import RewardQueries
from core.settings import Settings


@strawberry.type
class Query(
    AccountQueries,
    MemberQueries,
    ReportQueries,
    RewardQueries,
    LeaderboardQueries,
    GameQueries,
):
    pass


@strawberry.type
class Mutation(
    AccountMutations,
    PointsMutations,
    MemberMutations,
    RewardMutations,
    ReferralMutations,
    GameMutations,
):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limiters' rule classes are made once: each QueryDepthLimiter or MaxAliasesLimiter
    # instance creates new classes, and the ValidationCache is keyed by the rule classes, so a
    # limiter built per request made every validation a cache miss (about half of a small
    # mutation's time, measured with bench/redeem_reward.py).
    limiter_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions: list[type[SchemaExtension] | SchemaExtension] = [
        lambda: ParserCache(maxsize=1024),  # type: ignore[list-item]
        lambda: ValidationCache(maxsize=1024),  # type: ignore[list-item]
        lambda: AddValidationRules(limiter_rules),  # type: ignore[list-item]
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),  # type: ignore[list-item]
    ]
    if not settings.introspection_enabled:
        extensions.append(
            lambda: AddValidationRules([NoSchemaIntrospectionCustomRule])  # type: ignore[list-item]
        )
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)


# The schema as clients see it (for `export-schema` and the drift test): no settings change it.
schema = strawberry.Schema(query=Query, mutation=Mutation)
