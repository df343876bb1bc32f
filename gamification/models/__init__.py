"""Tortoise models of the core domain, one module per concept. Every row belongs to one program.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from gamification.models.accounts import ApiKey, Member, Program, RefreshToken, StaffRole, StaffUser
from gamification.models.earning_rules import EarningRule, EarningRuleKind, Rounding
from gamification.models.events import Event
from gamification.models.ledger import LedgerEntry, LedgerKind
from gamification.models.memberships import Membership, MembershipPlan, MemberTierStatus
from gamification.models.purchases import Purchase, PurchaseLine, Refund
from gamification.models.tiers import Tier

__all__ = [
    "ApiKey",
    "EarningRule",
    "EarningRuleKind",
    "Event",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberTierStatus",
    "Membership",
    "MembershipPlan",
    "Program",
    "Purchase",
    "PurchaseLine",
    "RefreshToken",
    "Refund",
    "Rounding",
    "StaffRole",
    "StaffUser",
    "Tier",
]
