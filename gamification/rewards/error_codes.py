"""The error codes of rewards: the catalog, redemptions and the tier and badge gate.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class RewardErrorCode(StrEnum):
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
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
