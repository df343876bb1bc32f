"""The schema, composed from each domain's queries and mutations, and its hardening extensions."""

from __future__ import annotations

import strawberry
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule, specified_rules
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from api.accounts.mutations import AccountMutations
from api.accounts.queries import AccountQueries
from api.badges.mutations import BadgeMutations
from api.badges.queries import BadgeQueries
from api.challenges.mutations import ChallengeMutations
from api.challenges.queries import ChallengeQueries
from api.documents import PreparedDocuments, preparer
from api.earning_rules.mutations import EarningRuleMutations, EarningRuleQueries
from api.execution import AcyclicExecutionContext
from api.games.mutations import GameMutations
from api.games.queries import GameQueries
from api.inputs import install_input_plans
from api.leaderboards.queries import LeaderboardQueries
from api.members.mutations import MemberMutations
from api.members.queries import MemberQueries
from api.points.mutations import PointsMutations
from api.programs.mutations import ProgramMutations
from api.programs.queries import ProgramQueries
from api.purchases.mutations import PurchaseMutations, PurchaseQueries
from api.referrals.mutations import ReferralMutations
from api.reports.queries import ReportQueries
from api.reports.segments import SegmentMutations, SegmentQueries
from api.rewards.mutations import RewardMutations
from api.rewards.queries import RewardQueries
from api.tiers.mutations import TierMutations, TierQueries
from api.webhooks.mutations import WebhookMutations
from api.webhooks.queries import WebhookQueries
from core.settings import Settings


@strawberry.type
class Query(
    AccountQueries,
    MemberQueries,
    ReportQueries,
    RewardQueries,
    LeaderboardQueries,
    GameQueries,
    PurchaseQueries,
    TierQueries,
    EarningRuleQueries,
    SegmentQueries,
    BadgeQueries,
    ChallengeQueries,
    WebhookQueries,
    ProgramQueries,
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
    PurchaseMutations,
    TierMutations,
    EarningRuleMutations,
    SegmentMutations,
    BadgeMutations,
    ChallengeMutations,
    WebhookMutations,
    ProgramMutations,
):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    # graphql-core's standard rules, then our limiters, built once per schema: api/documents.py
    # validates each operation text once with them (strawberry's limiter extensions build new
    # rule classes per request, which defeats any validation cache).
    rules: list[type[ASTValidationRule]] = [
        *specified_rules,
        depth_validator(settings.max_query_depth, None, None),
        aliases_validator(settings.max_aliases),
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    built = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Called per request, once `prepare` below exists.
        extensions=[lambda: PreparedDocuments(prepare)],  # type: ignore[list-item]  # strawberry types extensions as classes; a factory works at runtime
        execution_context_class=AcyclicExecutionContext,
    )
    prepare = preparer(built._schema, tuple(rules), settings.max_tokens)
    install_input_plans(built)
    return built


# The schema as clients see it (for `export-schema` and the drift test): no settings change it.
schema = strawberry.Schema(query=Query, mutation=Mutation)
