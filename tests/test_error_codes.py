"""Each feature declares its error codes beside its code; clients read them all in one GraphQL
`ErrorCode` enum, and no code is ever dropped or declared twice."""

from __future__ import annotations

import importlib
import pkgutil
from enum import StrEnum

import pytest

import badges
import challenges
import gamification
from api.errors import FEATURE_CODES, ErrorCode, merge_codes

# The codes clients knew before codes moved beside their features: never dropped.
KNOWN_CODES = [
    "INVALID_INPUT",
    "INVALID_EMAIL",
    "PASSWORD_TOO_SHORT",
    "PASSWORD_TOO_LONG",
    "INVALID_DISPLAY_NAME",
    "INVALID_SLUG",
    "INVALID_CURRENCY",
    "INVALID_ROLE",
    "PROGRAM_NOT_FOUND",
    "PROGRAM_EXISTS",
    "EMAIL_TAKEN",
    "INVALID_CREDENTIALS",
    "INVALID_REFRESH_TOKEN",
    "INVALID_REFERRAL_CODE",
    "TOO_MANY_ATTEMPTS",
    "MEMBER_NOT_FOUND",
    "MEMBER_BLOCKED",
    "MEMBER_ANONYMISED",
    "NOT_FOUND",
    "IDEMPOTENCY_KEY_REUSED",
    "INSUFFICIENT_POINTS",
    "REWARD_NOT_FOUND",
    "REWARD_ARCHIVED",
    "REWARD_NOT_STARTED",
    "REWARD_ENDED",
    "OUT_OF_STOCK",
    "TIER_REQUIRED",
    "BADGE_REQUIRED",
    "LIMIT_REACHED",
    "REDEMPTION_NOT_FOUND",
    "ALREADY_USED",
    "REDEMPTION_CANCELLED",
    "REDEMPTION_EXPIRED",
    "REDEMPTION_NOT_USABLE",
    "OWN_REFERRAL_CODE",
    "ALREADY_REFERRED",
    "REFERRAL_LOOP",
    "REFERRAL_WINDOW_CLOSED",
    "UNKNOWN_LEADERBOARD",
    "GAME_CLOSED",
    "NOT_ELIGIBLE",
    "PLAY_LIMIT_REACHED",
    "CONTEST_CLOSED",
    "ENTRY_LIMIT_REACHED",
    "CONTEST_NOT_CLOSED",
    "REWARD_PRIZE_UNAVAILABLE",
    "CURRENCY_MISMATCH",
    "INVALID_AMOUNT",
    "INVALID_QUANTITY",
    "LINES_TOTAL_MISMATCH",
    "TOO_MANY_LINES",
    "PURCHASE_NOT_FOUND",
    "REFUND_EXCEEDS_PURCHASE",
    "INVALID_RULE",
    "TIER_NOT_FOUND",
    "PLAN_NOT_FOUND",
    "INVALID_URL",
    "INVALID_EVENT_TYPE",
    "INVALID_CRITERIA",
    "INVALID_WINDOW",
    "CHALLENGE_NOT_OPEN",
    "CHALLENGE_FULL",
    "CHALLENGE_NOT_ELIGIBLE",
    "ALREADY_ARCHIVED",
    "DELIVERY_NOT_FAILED",
]


def _declared_code_enums() -> set[type[StrEnum]]:
    """Every StrEnum of every `error_codes` module of the domain packages."""
    found: set[type[StrEnum]] = set()
    for package in (gamification, badges, challenges):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if module.name.rsplit(".", 1)[-1] != "error_codes":
                continue
            loaded = importlib.import_module(module.name)
            found |= {
                value
                for value in vars(loaded).values()
                if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
            }
    return found


def test_every_features_codes_reach_the_graphql_enum() -> None:
    declared = _declared_code_enums()
    assert declared, "no error_codes module found"
    assert declared <= set(FEATURE_CODES)
    offered = {member.value for member in ErrorCode}
    for enum in declared:
        assert {member.value for member in enum} <= offered


def test_no_code_clients_knew_is_dropped() -> None:
    assert set(KNOWN_CODES) <= {member.value for member in ErrorCode}


def test_a_code_declared_by_two_features_is_refused() -> None:
    class Mine(StrEnum):
        NOT_FOUND = "NOT_FOUND"

    with pytest.raises(ValueError, match="NOT_FOUND is declared twice"):
        merge_codes("ErrorCode", (*FEATURE_CODES, Mine))
