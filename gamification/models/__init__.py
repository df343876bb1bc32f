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
from gamification.models.events import Event
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
from gamification.models.referrals import Referral, ReferralStatus
from gamification.models.rewards import Redemption, RedemptionStatus, Reward, RewardKind
from gamification.models.tiers import Tier

__all__ = [
    "ApiKey",
    "Contest",
    "ContestEntry",
    "ContestMemberEntries",
    "ContestPrize",
    "ContestWinner",
    "Event",
    "GameMode",
    "GamePlay",
    "GamePlayCounter",
    "GamePrize",
    "InstantWinGame",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "PrizeClaim",
    "PrizeKind",
    "Program",
    "Redemption",
    "RedemptionStatus",
    "Referral",
    "ReferralStatus",
    "RefreshToken",
    "Reward",
    "RewardKind",
    "StaffRole",
    "StaffUser",
    "Tier",
    "WinningMoment",
]
