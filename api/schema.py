"""The schema, composed from each domain's queries and mutations, and its hardening extensions."""

from __future__ import annotations

import strawberry
from graphql.validation import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
    ValuesOfCorrectTypeRule,
    specified_rules,
)
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from api.accounts.mutations import AccountMutations
from api.accounts.profile import ProfileMutations
from api.accounts.queries import AccountQueries
from api.actions.mutations import ActionMutations
from api.actions.queries import ActionQueries
from api.auctions.mutations import AuctionMutations
from api.auctions.queries import AuctionQueries
from api.audit.queries import AuditQueries
from api.badges.mutations import BadgeMutations
from api.badges.queries import BadgeQueries
from api.challenges.mutations import ChallengeMutations
from api.challenges.queries import ChallengeQueries
from api.documents import DocumentCache, PreparedDocuments
from api.earning_rules.mutations import EarningRuleMutations, EarningRuleQueries
from api.error_log import LoggedSchema
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
from api.referrals.queries import ReferralQueries
from api.reports.queries import ReportQueries
from api.reports.segments import SegmentMutations, SegmentQueries
from api.rewards.mutations import RewardMutations
from api.rewards.queries import RewardQueries
from api.simulations.mutations import SimulationMutations
from api.simulations.queries import SimulationQueries
from api.subscriptions.subscriptions import Subscriptions
from api.text_values import NoNulInStringsRule
from api.tiers.mutations import TierMutations, TierQueries
from api.times import SCALAR_OVERRIDES, TimeValuesRule
from api.webhooks.mutations import WebhookMutations
from api.webhooks.queries import WebhookQueries
from core.settings import Settings


@strawberry.type(
    description="What a caller can read. Each field says who may call it: a member (a member's "
    "bearer token), staff (a staff bearer token, with the lowest role it needs: ANALYST < "
    "MANAGER < ADMIN) or an integration (`X-Api-Key`). A missing or bad credential is a "
    "top-level error with code UNAUTHENTICATED; a missing right, FORBIDDEN."
)
class Query(
    AccountQueries,
    ActionQueries,
    AuditQueries,
    AuctionQueries,
    MemberQueries,
    ReportQueries,
    RewardQueries,
    LeaderboardQueries,
    GameQueries,
    PurchaseQueries,
    TierQueries,
    EarningRuleQueries,
    SegmentQueries,
    ReferralQueries,
    SimulationQueries,
    BadgeQueries,
    ChallengeQueries,
    WebhookQueries,
    ProgramQueries,
):
    pass


@strawberry.type(
    description="What a caller can change. Every mutation takes one `input` and answers a "
    "payload whose `errors` list the business refusals and validation failures (the other "
    "fields are then null); each says who may call it and which codes it can return. "
    "Permission failures (UNAUTHENTICATED, FORBIDDEN) are top-level errors instead."
)
class Mutation(
    AccountMutations,
    PointsMutations,
    MemberMutations,
    RewardMutations,
    ReferralMutations,
    GameMutations,
    AuctionMutations,
    PurchaseMutations,
    ActionMutations,
    ProfileMutations,
    TierMutations,
    EarningRuleMutations,
    SegmentMutations,
    SimulationMutations,
    BadgeMutations,
    ChallengeMutations,
    WebhookMutations,
    ProgramMutations,
):
    pass


@strawberry.type(
    description="Live updates, over WebSocket on /graphql with the graphql-transport-ws "
    "protocol, the access token in connection_init (docs/live.md). Best effort for live "
    "display: every message carries its event id, and the activity list stays the truth a "
    "client reads again after a gap."
)
class Subscription(Subscriptions):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    # graphql-core's standard rules, then our limiters, built once per schema: api/documents.py
    # validates each operation text once with them (strawberry's limiter extensions build new
    # rule classes per request, which defeats any validation cache).
    rules: list[type[ASTValidationRule]] = [
        # graphql-core's check of literal values, naming the field of a refused time.
        *(TimeValuesRule if rule is ValuesOfCorrectTypeRule else rule for rule in specified_rules),
        NoNulInStringsRule,
        depth_validator(settings.max_query_depth, None, None),
        aliases_validator(settings.max_aliases),
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    built = LoggedSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # Called per request, once `documents` below exists.
        extensions=[lambda: PreparedDocuments(documents)],  # type: ignore[list-item]  # strawberry types extensions as classes; a factory works at runtime
        execution_context_class=AcyclicExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    documents = DocumentCache(
        built._schema,
        tuple(rules),
        settings.max_tokens,
        compiled_plans=settings.graphql_compiled_plans,
    )
    built.documents = documents  # type: ignore[attr-defined]  # for the app's state and tests
    install_input_plans(built)
    return built


# The schema as clients see it (for `export-schema` and the drift test): no settings change it.
schema = strawberry.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, scalar_overrides=SCALAR_OVERRIDES
)
