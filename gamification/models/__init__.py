"""Tortoise models of the core domain, one module per concept. Every row belongs to one program.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from gamification.models.accounts import ApiKey, Member, Program, RefreshToken, StaffRole, StaffUser
from gamification.models.events import Event, EventHandling
from gamification.models.ledger import LedgerEntry, LedgerKind
from gamification.models.tiers import Tier
from gamification.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus

__all__ = [
    "ApiKey",
    "Event",
    "EventHandling",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "Program",
    "RefreshToken",
    "StaffRole",
    "StaffUser",
    "Tier",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookStatus",
]
