"""The error codes of referrals.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class ReferralErrorCode(StrEnum):
    INVALID_REFERRAL_CODE = "INVALID_REFERRAL_CODE"
    OWN_REFERRAL_CODE = "OWN_REFERRAL_CODE"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    REFERRAL_LOOP = "REFERRAL_LOOP"
    REFERRAL_WINDOW_CLOSED = "REFERRAL_WINDOW_CLOSED"
