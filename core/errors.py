"""The domain error family. Services raise these; the API turns them into `UserError`s in one place.

Codes are stable: clients switch on them. Add codes, never rename them.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Input validation
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_EMAIL = "INVALID_EMAIL"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    INVALID_DISPLAY_NAME = "INVALID_DISPLAY_NAME"
    INVALID_SLUG = "INVALID_SLUG"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_ROLE = "INVALID_ROLE"
    # Accounts and sessions
    PROGRAM_NOT_FOUND = "PROGRAM_NOT_FOUND"
    PROGRAM_EXISTS = "PROGRAM_EXISTS"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    INVALID_REFERRAL_CODE = "INVALID_REFERRAL_CODE"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    MEMBER_BLOCKED = "MEMBER_BLOCKED"
    MEMBER_ANONYMISED = "MEMBER_ANONYMISED"
    NOT_FOUND = "NOT_FOUND"
    # Value movements
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    # Rewards and redemptions
    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"
    REWARD_ARCHIVED = "REWARD_ARCHIVED"
    REWARD_NOT_STARTED = "REWARD_NOT_STARTED"
    REWARD_ENDED = "REWARD_ENDED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    TIER_REQUIRED = "TIER_REQUIRED"
    BADGE_REQUIRED = "BADGE_REQUIRED"
    LIMIT_REACHED = "LIMIT_REACHED"
    REDEMPTION_NOT_FOUND = "REDEMPTION_NOT_FOUND"
    ALREADY_USED = "ALREADY_USED"
    REDEMPTION_CANCELLED = "REDEMPTION_CANCELLED"
    REDEMPTION_EXPIRED = "REDEMPTION_EXPIRED"
    REDEMPTION_NOT_USABLE = "REDEMPTION_NOT_USABLE"
    # Referrals and leaderboards
    OWN_REFERRAL_CODE = "OWN_REFERRAL_CODE"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    REFERRAL_LOOP = "REFERRAL_LOOP"
    REFERRAL_WINDOW_CLOSED = "REFERRAL_WINDOW_CLOSED"
    UNKNOWN_LEADERBOARD = "UNKNOWN_LEADERBOARD"
    # Games and contests
    GAME_CLOSED = "GAME_CLOSED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    PLAY_LIMIT_REACHED = "PLAY_LIMIT_REACHED"
    CONTEST_CLOSED = "CONTEST_CLOSED"
    ENTRY_LIMIT_REACHED = "ENTRY_LIMIT_REACHED"
    CONTEST_NOT_CLOSED = "CONTEST_NOT_CLOSED"
    REWARD_PRIZE_UNAVAILABLE = "REWARD_PRIZE_UNAVAILABLE"
    # Purchases, earning rules, tiers and memberships
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    LINES_TOTAL_MISMATCH = "LINES_TOTAL_MISMATCH"
    TOO_MANY_LINES = "TOO_MANY_LINES"
    PURCHASE_NOT_FOUND = "PURCHASE_NOT_FOUND"
    REFUND_EXCEEDS_PURCHASE = "REFUND_EXCEEDS_PURCHASE"
    INVALID_RULE = "INVALID_RULE"
    TIER_NOT_FOUND = "TIER_NOT_FOUND"
    PLAN_NOT_FOUND = "PLAN_NOT_FOUND"
    # Engagement: badges, challenges, webhooks
    INVALID_URL = "INVALID_URL"
    INVALID_EVENT_TYPE = "INVALID_EVENT_TYPE"
    INVALID_CRITERIA = "INVALID_CRITERIA"
    INVALID_WINDOW = "INVALID_WINDOW"
    CHALLENGE_NOT_OPEN = "CHALLENGE_NOT_OPEN"
    CHALLENGE_FULL = "CHALLENGE_FULL"
    CHALLENGE_NOT_ELIGIBLE = "CHALLENGE_NOT_ELIGIBLE"
    ALREADY_ARCHIVED = "ALREADY_ARCHIVED"
    DELIVERY_NOT_FAILED = "DELIVERY_NOT_FAILED"


class DomainError(Exception):
    """A refusal the caller can act on: it carries a stable code, a message and maybe a field."""

    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(self, code: ErrorCode | None = None, message: str = "", field: str | None = None):
        if code is not None:
            self.code = code
        self.message = message or self.code.value.replace("_", " ").capitalize()
        self.field = field
        super().__init__(f"{self.code}: {self.message}")


class ValidationFailed(DomainError):
    """The input breaks a rule of shape or range."""


class NotFound(DomainError):
    """The thing does not exist for this caller (another program's thing does not exist either)."""

    code = ErrorCode.NOT_FOUND


class Refused(DomainError):
    """Valid input, but the state of the world forbids it (not enough points, limit reached...)."""


class ValidationErrors(DomainError):
    """Several field errors found at once, reported together."""

    def __init__(self, errors: list[DomainError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
