"""The rewards catalog: staff create, change, restock and archive rewards; members see what they
can redeem and, when they cannot, why.

Availability is checked in a fixed order, the first failing rule giving the reason: the validity
window (NOT_STARTED, ENDED), eligibility (TIER_REQUIRED, BADGE_REQUIRED, NOT_IN_AUDIENCE), stock
(OUT_OF_STOCK),
the member's limits (LIMIT_REACHED), then the balance (NOT_ENOUGH_POINTS). The same rules guard a
redemption (redemptions.py), where stock, limits and points are rechecked inside the transaction
under the member's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tortoise.expressions import F
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.clock import clock, in_utc
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.statements import Statement
from core.unique_names import unique_name
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.points import audiences
from gamification.points.audiences import EVERYONE, Audience, Standing
from gamification.points.error_codes import PointsErrorCode
from gamification.points.ledger import MAX_POINTS
from gamification.points.models import Tier
from gamification.programs import languages
from gamification.rewards.eligibility import (
    MAX_RANK,
    check_required_badge,
    held_badges,
    in_audience,
    meets_rank,
    member_standing,
    member_tier_rank,
    tier_ranks,
)
from gamification.rewards.error_codes import RewardErrorCode
from gamification.rewards.models import Redemption, RedemptionStatus, Reward, RewardKind

MAX_STOCK = 10_000_000
MAX_LIMIT = 10_000
MAX_PERIOD_DAYS = 3660
MAX_VALIDITY_DAYS = 3660
MAX_DONATION = Decimal("1000000")
# Redemptions that no longer count against a member's limits: they were undone.
NOT_COUNTED = (RedemptionStatus.CANCELLED,)


class UnavailableReason(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    ENDED = "ENDED"
    TIER_REQUIRED = "TIER_REQUIRED"
    BADGE_REQUIRED = "BADGE_REQUIRED"
    NOT_IN_AUDIENCE = "NOT_IN_AUDIENCE"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    LIMIT_REACHED = "LIMIT_REACHED"
    NOT_ENOUGH_POINTS = "NOT_ENOUGH_POINTS"


# The refusal a redemption gets for each reason.
REFUSAL_CODES = {
    UnavailableReason.NOT_STARTED: RewardErrorCode.REWARD_NOT_STARTED,
    UnavailableReason.ENDED: RewardErrorCode.REWARD_ENDED,
    UnavailableReason.TIER_REQUIRED: RewardErrorCode.TIER_REQUIRED,
    UnavailableReason.BADGE_REQUIRED: RewardErrorCode.BADGE_REQUIRED,
    UnavailableReason.NOT_IN_AUDIENCE: RewardErrorCode.NOT_ELIGIBLE,
    UnavailableReason.OUT_OF_STOCK: RewardErrorCode.OUT_OF_STOCK,
    UnavailableReason.LIMIT_REACHED: RewardErrorCode.LIMIT_REACHED,
    UnavailableReason.NOT_ENOUGH_POINTS: PointsErrorCode.INSUFFICIENT_POINTS,
}


def refusal(reason: UnavailableReason) -> Refused:
    messages = {
        UnavailableReason.NOT_STARTED: "This reward is not available yet.",
        UnavailableReason.ENDED: "This reward is no longer available.",
        UnavailableReason.TIER_REQUIRED: "This reward needs a higher tier.",
        UnavailableReason.BADGE_REQUIRED: "This reward needs a badge you do not have yet.",
        UnavailableReason.NOT_IN_AUDIENCE: "This reward is for other members.",
        UnavailableReason.OUT_OF_STOCK: "This reward is out of stock.",
        UnavailableReason.LIMIT_REACHED: "You have redeemed this reward as often as allowed.",
        UnavailableReason.NOT_ENOUGH_POINTS: "Not enough points.",
    }
    return Refused(REFUSAL_CODES[reason], messages[reason], "rewardId")


def window_reason(reward: Reward, now: datetime) -> UnavailableReason | None:
    if reward.starts_at is not None and now < reward.starts_at:
        return UnavailableReason.NOT_STARTED
    if reward.ends_at is not None and now >= reward.ends_at:
        return UnavailableReason.ENDED
    return None


def tier_reason(
    reward: Reward, member_rank: int | None, ranks: dict[int, int]
) -> UnavailableReason | None:
    if reward.minimum_tier_id is None:
        return None
    # A minimum tier that no longer exists admits nobody.
    required = ranks.get(reward.minimum_tier_id, MAX_RANK + 1)
    if not meets_rank(member_rank, required):
        return UnavailableReason.TIER_REQUIRED
    return None


@dataclass(frozen=True)
class Usage:
    """How often a member has redeemed a reward: ever, and inside its limit period."""

    total: int = 0
    in_period: int = 0


def limit_reason(reward: Reward, usage: Usage) -> UnavailableReason | None:
    if reward.limit_per_member is not None and usage.total >= reward.limit_per_member:
        return UnavailableReason.LIMIT_REACHED
    if reward.limit_per_period is not None and usage.in_period >= reward.limit_per_period:
        return UnavailableReason.LIMIT_REACHED
    return None


def period_start(reward: Reward, now: datetime) -> datetime | None:
    if reward.limit_per_period is None or reward.limit_period_days is None:
        return None
    return now - timedelta(days=reward.limit_period_days)


async def usage_of(member_id: int, reward: Reward, now: datetime) -> Usage:
    """The member's counted redemptions of one reward (read under the member's lock in a
    redemption, so concurrent redemptions of one member see each other)."""
    start = period_start(reward, now)
    if reward.limit_per_member is None and start is None:
        return Usage(total=0, in_period=0)  # nothing to count (and no query to build)
    counted = Redemption.filter(member_id=member_id, reward_id=reward.id).exclude(
        status__in=NOT_COUNTED
    )
    total = await counted.count() if reward.limit_per_member is not None else 0
    in_period = await counted.filter(created_at__gt=start).count() if start else 0
    return Usage(total=total, in_period=in_period)


async def usages_of(member_id: int, rewards: list[Reward], now: datetime) -> dict[int, Usage]:
    """Usage of many rewards in two grouped queries (one catalog page)."""
    limited = [r for r in rewards if r.limit_per_member is not None or r.limit_per_period]
    if not limited:
        return {}
    base = Redemption.filter(member_id=member_id, reward_id__in=[r.id for r in limited]).exclude(
        status__in=NOT_COUNTED
    )
    totals = dict(
        await base.annotate(n=Count("id")).group_by("reward_id").values_list("reward_id", "n")
    )
    # The periods differ per reward: fetch the creation times inside the longest one.
    starts = {r.id: period_start(r, now) for r in limited}
    earliest = min((s for s in starts.values() if s is not None), default=None)
    recent: list[tuple[int, datetime]] = []
    if earliest is not None:
        recent = await base.filter(created_at__gt=earliest).values_list("reward_id", "created_at")
    result = {}
    for reward in limited:
        start = starts[reward.id]
        in_period = sum(1 for rid, at in recent if rid == reward.id and at > start) if start else 0
        result[reward.id] = Usage(total=totals.get(reward.id, 0), in_period=in_period)
    return result


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: UnavailableReason | None


async def availability(
    member: Member, rewards: list[Reward], standing: Standing | None = None
) -> dict[int, Availability]:
    """Whether the member could redeem each reward now, and if not, why. A fixed number of
    queries whatever the number of rewards (`standing`, when the caller has it, saves one)."""
    now = clock.now()
    if standing is None:
        standing = await member_standing(member, rewards)
    member_rank = await member_tier_rank(member)
    ranks = await tier_ranks(r.minimum_tier_id for r in rewards)
    usages = await usages_of(member.id, rewards, now)
    held = await held_badges(member.id, (r.required_badge_id for r in rewards))
    result = {}
    for reward in rewards:
        reason = (
            window_reason(reward, now)
            or tier_reason(reward, member_rank, ranks)
            or (
                UnavailableReason.BADGE_REQUIRED
                if reward.required_badge_id is not None and reward.required_badge_id not in held
                else None
            )
            or (None if in_audience(reward, standing) else UnavailableReason.NOT_IN_AUDIENCE)
            or (
                UnavailableReason.OUT_OF_STOCK
                if reward.stock is not None and reward.stock <= 0
                else None
            )
            or limit_reason(reward, usages.get(reward.id, Usage()))
            or (
                UnavailableReason.NOT_ENOUGH_POINTS
                if member.points_balance < reward.points_cost
                else None
            )
        )
        result[reward.id] = Availability(available=reason is None, reason=reason)
    return result


# --- Reading the catalog -----------------------------------------------------------------------


def catalog(program_id: int, include_archived: bool = False) -> QuerySet[Reward]:
    rewards = Reward.filter(program_id=program_id)
    return rewards if include_archived else rewards.filter(archived=False)


def members_catalog(program_id: int, standing: Standing) -> QuerySet[Reward]:
    """The live rewards a member of this standing is offered: those whose audience admits them
    (a reward aimed at other segments, classes or tiers is not shown)."""
    return audiences.admitted(catalog(program_id), standing)


# A member's catalog page, newest first (the mobile app's rewards screen, on every visit), as
# fixed text: the same rows as `members_catalog(program_id, standing)` ordered by descending id,
# without building the statement anew.
_ADMITTED = audiences.SQL_ADMITTED.format("$4", "$5", "$6")
_PAGE = Statement(
    Reward,
    f'SELECT * FROM "reward" WHERE "program_id" = $1 AND "archived" = $2 AND {_ADMITTED}'
    ' ORDER BY "id" DESC LIMIT $3',
)
_PAGE_BELOW = Statement(
    Reward,
    f'SELECT * FROM "reward" WHERE "program_id" = $1 AND "archived" = $2 AND {_ADMITTED}'
    ' AND "id" < $7 ORDER BY "id" DESC LIMIT $3',
)


async def catalog_page(
    program_id: int, standing: Standing, limit: int, below_id: int | None = None
) -> list[Reward]:
    """The first `limit` rewards of the member's catalog (`members_catalog`), newest first,
    with an id below `below_id` when given."""
    patterns = audiences.like_patterns(standing)
    if below_id is None:
        return await _PAGE.instances(program_id, False, limit, *patterns)
    return await _PAGE_BELOW.instances(program_id, False, limit, *patterns, below_id)


async def reward_in_program(program_id: int, reward_id: int) -> Reward:
    reward = await Reward.get_or_none(id=reward_id, program_id=program_id)
    if reward is None:
        raise NotFound(RewardErrorCode.REWARD_NOT_FOUND, "No such reward.", "rewardId")
    return reward


@dataclass(frozen=True)
class DonationTotal:
    points: int
    amount: Decimal
    redemptions: int


async def donation_total(program_id: int) -> DonationTotal:
    """What the program's members gave: the sum of its fulfilled donations (computed from the
    redemptions themselves, so it can never drift from them)."""
    row = (
        await Redemption.filter(
            program_id=program_id, kind=RewardKind.DONATION, status=RedemptionStatus.FULFILLED
        )
        .annotate(points=Sum("points_spent"), amount=Sum("donation_amount"), n=Count("id"))
        .values("points", "amount", "n")
    )[0]
    return DonationTotal(
        points=int(row["points"] or 0),
        amount=Decimal(row["amount"] or 0).quantize(Decimal("0.01")),
        redemptions=int(row["n"] or 0),
    )


# --- Staff: changing the catalog ---------------------------------------------------------------

# Fields staff may set, by name; `stock` only at creation (then restock, which cannot race).
EDITABLE = (
    "name",
    "description",
    "kind",
    "points_cost",
    "limit_per_member",
    "limit_per_period",
    "limit_period_days",
    "starts_at",
    "ends_at",
    "minimum_tier_id",
    "required_badge_id",
    "image_url",
    "redemption_validity_days",
    "refund_on_expiry",
    "donation_amount",
    "translations",
    *audiences.INPUTS,
)


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(ErrorCode.INVALID_INPUT, message, field)


def _int_range(value: Any, low: int, high: int, field: str, what: str) -> None:
    if value is not None and not low <= value <= high:
        raise _invalid(f"{what} is between {low} and {high}.", field)


async def _clean(
    program_id: int, values: dict[str, Any], current: Audience = EVERYONE
) -> dict[str, Any]:
    """Validate and normalise each given field (GraphQL field names in errors); an audience
    field left out keeps `current`'s."""
    clean = dict(values)
    given = {key: clean.pop(key) for key in audiences.INPUTS if key in clean}
    if given:
        audience = await audiences.audience_input(
            program_id,
            given.get("target_segments", current.segments),
            given.get("target_classes", current.classes),
            given.get("target_tier_ids", current.tier_ids),
        )
        clean.update(audience.columns())
    for key in ("name", "kind", "points_cost", "refund_on_expiry"):
        if key in clean and clean[key] is None:
            raise _invalid("This field cannot be cleared.", _camel(key))
    if "name" in clean:
        name = " ".join(str(clean["name"]).split())
        if not 1 <= len(name) <= 120 or not name.isprintable():
            raise _invalid("A reward name has 1 to 120 printable characters.", "name")
        clean["name"] = name
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip()
        if len(clean["description"]) > 4000:
            raise _invalid("A description has at most 4000 characters.", "description")
    if "translations" in clean:
        clean["translations"] = languages.clean_translations(clean["translations"] or ())
    if "kind" in clean:
        clean["kind"] = RewardKind(clean["kind"])
    if "points_cost" in clean:
        _int_range(clean["points_cost"], 0, MAX_POINTS, "pointsCost", "A cost")
    if "stock" in clean:
        _int_range(clean["stock"], 0, MAX_STOCK, "stock", "Stock")
    _int_range(clean.get("limit_per_member"), 1, MAX_LIMIT, "limitPerMember", "A limit")
    _int_range(clean.get("limit_per_period"), 1, MAX_LIMIT, "limitPerPeriod", "A limit")
    _int_range(clean.get("limit_period_days"), 1, MAX_PERIOD_DAYS, "limitPeriodDays", "A period")
    _int_range(
        clean.get("redemption_validity_days"),
        1,
        MAX_VALIDITY_DAYS,
        "redemptionValidityDays",
        "A validity",
    )
    for key, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        if clean.get(key) is not None:
            clean[key] = in_utc(clean[key], field)
    if clean.get("minimum_tier_id") is not None and not await Tier.exists(
        id=clean["minimum_tier_id"], program_id=program_id
    ):
        raise NotFound(ErrorCode.NOT_FOUND, "No such tier in this program.", "minimumTierId")
    if clean.get("required_badge_id") is not None:
        await check_required_badge(program_id, clean["required_badge_id"])
    if clean.get("image_url") is not None:
        url = clean["image_url"].strip()
        if not url:
            clean["image_url"] = None
        elif (
            len(url) > 500
            or not url.startswith(("https://", "http://"))
            or not url.isprintable()
            or " " in url
        ):
            raise _invalid("An image URL is an http(s) URL of at most 500 characters.", "imageUrl")
        else:
            clean["image_url"] = url
    if clean.get("donation_amount") is not None:
        try:
            amount = Decimal(str(clean["donation_amount"]))
        except InvalidOperation:
            raise _invalid("An amount is a decimal number.", "donationAmount") from None
        if not amount.is_finite() or not Decimal(0) <= amount <= MAX_DONATION:
            raise _invalid(f"An amount is between 0 and {MAX_DONATION}.", "donationAmount")
        if amount != amount.quantize(Decimal("0.01")):
            raise _invalid("An amount has at most 2 decimals.", "donationAmount")
        clean["donation_amount"] = amount
    return clean


def _check_whole(reward: Reward) -> None:
    """Rules across fields, on the reward as it would be saved."""
    if reward.starts_at and reward.ends_at and reward.ends_at <= reward.starts_at:
        raise _invalid("A reward ends after it starts.", "endsAt")
    if (reward.limit_per_period is None) != (reward.limit_period_days is None):
        raise _invalid(
            "A limit per period needs both the count and the period in days.", "limitPeriodDays"
        )
    if reward.donation_amount is not None and reward.kind != RewardKind.DONATION:
        raise _invalid("Only a donation gives an amount to a cause.", "donationAmount")
    if reward.kind == RewardKind.DONATION and reward.redemption_validity_days is not None:
        raise _invalid("A donation is made at once: it has no code to expire.", "kind")


async def create_reward(actor: Actor, program_id: int, **values: Any) -> Reward:
    unknown = set(values) - {*EDITABLE, "stock"}
    if unknown:
        raise TypeError(f"unknown reward fields: {sorted(unknown)}")
    values.setdefault("description", "")
    values.setdefault("refund_on_expiry", False)
    clean = await _clean(program_id, values)
    now = clock.now()
    reward = Reward(program_id=program_id, created_at=now, updated_at=now, **clean)
    _check_whole(reward)
    async with unique_name(Reward, program_id, reward.name, what="reward"):
        await reward.save()
        await trail.created(actor, AuditAction.REWARD_CREATED, reward)
    return reward


async def update_reward(actor: Actor, reward: Reward, **changes: Any) -> Reward:
    """Change the given fields; a field given as None is cleared where that makes sense."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    before = trail.snapshot(reward, without=("updated_at",))
    clean = await _clean(reward.program_id, changes, Audience.of(reward))
    for key, value in clean.items():
        setattr(reward, key, value)
    _check_whole(reward)
    reward.updated_at = clock.now()
    # Only the edited columns: a concurrent redemption's stock change must not be overwritten.
    async with unique_name(Reward, reward.program_id, reward.name, what="reward", own_id=reward.id):
        await reward.save(update_fields=[*clean, "updated_at"])
        after = trail.snapshot(reward, without=("updated_at",))
        await trail.record(
            actor,
            AuditAction.REWARD_UPDATED,
            program_id=reward.program_id,
            target_id=reward.id,
            before=before,
            after=after,
        )
    return reward


async def restock_reward(actor: Actor, reward: Reward, quantity: int) -> Reward:
    """Add `quantity` units to the stock, atomically (redemptions may be taking units now)."""
    _int_range(quantity, 1, MAX_STOCK, "quantity", "A quantity")
    if reward.stock is None:
        raise Refused(ErrorCode.INVALID_INPUT, "This reward has unlimited stock.", "rewardId")
    async with in_transaction():
        if not await Reward.filter(id=reward.id, stock__lte=MAX_STOCK - quantity).update(
            stock=F("stock") + quantity, updated_at=clock.now()
        ):
            raise _invalid(f"Stock is at most {MAX_STOCK}.", "quantity")
        # The row stays locked by the update until commit: the stock read is the one it made.
        await reward.refresh_from_db()
        assert reward.stock is not None
        await trail.record(
            actor,
            AuditAction.REWARD_RESTOCKED,
            program_id=reward.program_id,
            target_id=reward.id,
            before={"stock": reward.stock - quantity},
            after={"stock": reward.stock, "quantity": quantity},
        )
    return reward


async def archive_reward(actor: Actor, reward: Reward) -> Reward:
    """Hide it from members. Codes already issued stay valid."""
    if not reward.archived:
        async with in_transaction():
            reward.archived = True
            reward.updated_at = clock.now()
            await reward.save(update_fields=["archived", "updated_at"])
            await trail.record(
                actor,
                AuditAction.REWARD_ARCHIVED,
                program_id=reward.program_id,
                target_id=reward.id,
                before={"archived": False},
                after={"archived": True},
            )
    return reward


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
