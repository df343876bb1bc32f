"""Tortoise models of the core domain, one module per concept. Every row belongs to one program.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from gamification.models.accounts import ApiKey, Member, Program, RefreshToken, StaffRole, StaffUser
from gamification.models.contests import (
    Contest,
    ContestEntry,
    ContestMemberEntries,
    ContestPrize,
    ContestWinner,
)
from gamification.models.earning_rules import EarningRule, EarningRuleKind, Rounding
from gamification.models.events import Event, EventHandling
from gamification.models.games import (
    GameMode,
    GamePlay,
    GamePlayCounter,
    GamePrize,
    InstantWinGame,
    PrizeClaim,
    PrizeKind,
    WinningMoment,
)
from gamification.models.ledger import LedgerEntry, LedgerKind
from gamification.models.memberships import Membership, MembershipPlan, MemberTierStatus
from gamification.models.purchases import Purchase, PurchaseLine, Refund
from gamification.models.referrals import Referral, ReferralStatus
from gamification.models.rewards import Redemption, RedemptionStatus, Reward, RewardKind
from gamification.models.segments import MemberSegment
from gamification.models.tiers import Tier
from gamification.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus

__all__ = [
    "ApiKey",
    "Contest",
    "ContestEntry",
    "ContestMemberEntries",
    "ContestPrize",
    "ContestWinner",
    "EarningRule",
    "EarningRuleKind",
    "Event",
    "EventHandling",
    "GameMode",
    "GamePlay",
    "GamePlayCounter",
    "GamePrize",
    "InstantWinGame",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberSegment",
    "MemberTierStatus",
    "Membership",
    "MembershipPlan",
    "PrizeClaim",
    "PrizeKind",
    "Program",
    "Purchase",
    "PurchaseLine",
    "Redemption",
    "RedemptionStatus",
    "Referral",
    "ReferralStatus",
    "RefreshToken",
    "Refund",
    "Reward",
    "RewardKind",
    "Rounding",
    "StaffRole",
    "StaffUser",
    "Tier",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookStatus",
    "WinningMoment",
]
