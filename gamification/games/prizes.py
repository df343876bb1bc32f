"""What instant-win games and contests (prize draws) share: the checks of their definitions (name,
window, cost, prize lines) and granting a prize won, the one place every prize is handed out.

Granting runs inside the `events.atomic()` of the win; `source` is unique per won unit
("play:12", "contest:3:slot:0"), so the same unit is never granted twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import clock, in_utc
from core.errors import ErrorCode, Refused, ValidationFailed
from gamification.accounts.models import Member
from gamification.games.error_codes import GameErrorCode
from gamification.games.models import PrizeClaim, PrizeKind
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs.models import Program
from gamification.rewards import redemptions
from gamification.rewards.error_codes import RewardErrorCode
from gamification.rewards.models import Reward

# No 0/O, 1/I/L: claim codes are read aloud at a counter.
CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CLAIM_CODE_LENGTH = 10
MAX_WINDOW = timedelta(days=366)
MAX_PRIZES = 50


@dataclass(frozen=True)
class PrizeInput:
    """One prize line of a game or contest being created."""

    name: str
    kind: PrizeKind
    quantity: int
    points: int | None = None
    reward_id: int | None = None


@dataclass(frozen=True)
class PrizeSpec:
    name: str
    kind: PrizeKind
    points: int | None
    reward_id: int | None


@dataclass(frozen=True)
class Grant:
    claim_code: str | None = None


def check_name(name: str) -> str:
    """A game's or contest's name, cleaned."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A name has 1 to 120 characters.", "name")
    return name


def check_window(
    starts_at: datetime, ends_at: datetime, start: str, end: str
) -> tuple[datetime, datetime]:
    """A play or entry window: zoned times, in order, at most a year apart. Returns it in UTC."""
    starts_at, ends_at = in_utc(starts_at, start), in_utc(ends_at, end)
    if not starts_at < ends_at:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "The window ends after it starts.", end)
    if ends_at - starts_at > MAX_WINDOW:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A window lasts at most a year.", end)
    return starts_at, ends_at


def check_cost(cost: int, field: str) -> None:
    """A play or entry cost: free, or points the ledger can move."""
    if not 0 <= cost <= ledger.MAX_POINTS:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A cost is 0 or more points.", field)


async def check_prizes(program_id: int, prizes_in: list[PrizeInput], owner: str) -> list[str]:
    """Check the prize lines of a game or contest (`owner` names which, for the message); returns
    their cleaned names, in order."""
    if not 1 <= len(prizes_in) <= MAX_PRIZES:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"A {owner} has 1 to {MAX_PRIZES} prizes.", "prizes"
        )
    names = [
        validate_prize(p.name, p.kind, p.points, p.reward_id, p.quantity, f"prizes.{i}")
        for i, p in enumerate(prizes_in)
    ]
    await check_reward_prizes(
        program_id, [(p.reward_id, f"prizes.{i}.rewardId") for i, p in enumerate(prizes_in)]
    )
    return names


def described(prizes_in: list[PrizeInput], names: list[str]) -> list[dict[str, object]]:
    """The prize lines as the audit trail keeps them."""
    return [
        {
            "name": name,
            "kind": p.kind.value,
            "quantity": p.quantity,
            "points": p.points,
            "reward_id": p.reward_id,
        }
        for p, name in zip(prizes_in, names, strict=True)
    ]


def validate_prize(
    name: str, kind: PrizeKind, points: int | None, reward_id: int | None, quantity: int, field: str
) -> str:
    """Check one prize line of a game or contest; returns the cleaned name."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A prize name has 1 to 120 characters.", f"{field}.name"
        )
    if not 1 <= quantity <= 10_000:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A quantity is between 1 and 10000.", f"{field}.quantity"
        )
    if kind == PrizeKind.POINTS:
        if points is None or not 0 < points <= ledger.MAX_POINTS:
            raise ValidationFailed(
                ErrorCode.INVALID_INPUT, "A POINTS prize needs its points.", f"{field}.points"
            )
    elif points is not None:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Only POINTS prizes carry points.", f"{field}.points"
        )
    if kind == PrizeKind.REWARD:
        if reward_id is None or reward_id <= 0:
            raise ValidationFailed(
                ErrorCode.INVALID_INPUT, "A REWARD prize names its reward.", f"{field}.rewardId"
            )
    elif reward_id is not None:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Only REWARD prizes name a reward.", f"{field}.rewardId"
        )
    return name


def new_claim_code() -> str:
    return "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_CODE_LENGTH))


async def grant_prize(member: Member, prize: PrizeSpec, *, source: str, reason: str) -> Grant:
    """Hand `prize` to `member` now. Inside `events.atomic()`; the caller emits PRIZE_WON."""
    if prize.kind == PrizeKind.POINTS:
        assert prize.points is not None
        program = await Program.get(id=member.program_id)
        await ledger.credit(
            member,
            prize.points,
            LedgerKind.PRIZE,
            expires_at=ledger.points_expiry(program, clock.now()),
            reason=reason,
            reference=source,
        )
        return Grant()
    if prize.kind == PrizeKind.PRIZE:
        claim = await PrizeClaim.create(
            program_id=member.program_id,
            member_id=member.id,
            name=prize.name,
            code=new_claim_code(),
            source=source,
            created_at=clock.now(),
        )
        return Grant(claim_code=claim.code)
    # A catalog reward: a redemption issued without charge, its code checked by the shop as any
    # other. The source is the key, so the same won unit never yields two redemptions.
    reward = await Reward.get_or_none(id=prize.reward_id, program_id=member.program_id)
    if reward is None:
        raise Refused(
            GameErrorCode.REWARD_PRIZE_UNAVAILABLE, "This prize's reward no longer exists."
        )
    redemption = await redemptions.grant_reward(
        member, reward, source=source, idempotency_key=source
    )
    return Grant(claim_code=redemption.code)


async def check_reward_prizes(program_id: int, specs: list[tuple[int | None, str]]) -> None:
    """Each REWARD prize names a live reward of this program. `specs`: (reward_id, field)."""
    for reward_id, field in specs:
        if reward_id is not None and not await Reward.exists(
            id=reward_id, program_id=program_id, archived=False
        ):
            raise ValidationFailed(RewardErrorCode.REWARD_NOT_FOUND, "No such reward.", field)
