"""The error codes of points: the ledger, purchases, refunds, earning rules, tiers, memberships.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class PointsErrorCode(StrEnum):
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
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
