"""The sections the core's features add to a member's personal data export (see personal_data.py);
badges and challenges register their own.

Each section holds the member's own rows only. Where a row involves another member (a referral),
the other member appears by display name only: never their id, email or code.
"""

from __future__ import annotations

from typing import Any

from gamification.accounts.models import Member, MemberSegment
from gamification.games.models import (
    Auction,
    AuctionBid,
    Contest,
    ContestEntry,
    ContestWinner,
    GamePlay,
    GamePrize,
    InstantWinGame,
    PrizeClaim,
)
from gamification.points.models import (
    Membership,
    MembershipPlan,
    Purchase,
    PurchaseLine,
    Refund,
    Tier,
)
from gamification.privacy.personal_data import names_by_id, register_exporter
from gamification.referrals.models import Referral
from gamification.rewards.models import Redemption, Reward


async def purchases(member: Member) -> list[dict[str, Any]]:
    rows = (
        await Purchase.filter(member_id=member.id)
        .order_by("id")
        .values(
            "id",
            "external_id",
            "occurred_at",
            "recorded_at",
            "currency",
            "total",
            "points_earned",
            "first_purchase",
            "breakdown",
            "refunded_amount",
            "points_reversed",
        )
    )
    ids = [row["id"] for row in rows]
    lines = (
        await PurchaseLine.filter(purchase_id__in=ids)
        .order_by("purchase_id", "position")
        .values("purchase_id", "sku", "category", "quantity", "unit_price", "refunded_quantity")
        if ids
        else []
    )
    refunds = (
        await Refund.filter(purchase_id__in=ids)
        .order_by("id")
        .values("purchase_id", "refund_id", "amount", "points_reversed", "created_at")
        if ids
        else []
    )
    for row in rows:
        row["lines"] = [
            {k: v for k, v in line.items() if k != "purchase_id"}
            for line in lines
            if line["purchase_id"] == row["id"]
        ]
        row["refunds"] = [
            {k: v for k, v in refund.items() if k != "purchase_id"}
            for refund in refunds
            if refund["purchase_id"] == row["id"]
        ]
    return rows


async def redemptions(member: Member) -> list[dict[str, Any]]:
    rows = (
        await Redemption.filter(member_id=member.id)
        .order_by("id")
        .values(
            "id",
            "reward_id",
            "code",
            "status",
            "kind",
            "points_spent",
            "donation_amount",
            "created_at",
            "expires_at",
            "used_at",
            "cancelled_at",
            "expired_at",
            "points_refunded",
        )
    )
    names = await names_by_id(Reward, {row["reward_id"] for row in rows})
    return [{**row, "reward": names.get(row["reward_id"])} for row in rows]


async def referrals(member: Member) -> dict[str, Any]:
    fields = ("status", "created_at", "qualified_at", "reversed_at")
    made = await Referral.filter(referrer_id=member.id).order_by("id")
    received = await Referral.filter(referee_id=member.id).order_by("id")
    others = {r.referee_id for r in made} | {r.referrer_id for r in received}
    names = await names_by_id(Member, others, "display_name")
    return {
        "as_referrer": [
            {
                **{f: getattr(r, f) for f in fields},
                "referee": names.get(r.referee_id),
                "points": r.referrer_points,
            }
            for r in made
        ],
        "as_referee": [
            {
                **{f: getattr(r, f) for f in fields},
                "referrer": names.get(r.referrer_id),
                "points": r.referee_points,
            }
            for r in received
        ],
    }


async def instant_win(member: Member) -> dict[str, Any]:
    plays = (
        await GamePlay.filter(member_id=member.id)
        .order_by("id")
        .values("id", "game_id", "played_at", "cost", "won", "prize_id", "claim_code")
    )
    games = await names_by_id(InstantWinGame, {p["game_id"] for p in plays})
    prizes = await names_by_id(GamePrize, {p["prize_id"] for p in plays if p["prize_id"]})
    claims = (
        await PrizeClaim.filter(member_id=member.id)
        .order_by("id")
        .values("name", "code", "source", "created_at", "collected_at")
    )
    return {
        "plays": [
            {**p, "game": games.get(p["game_id"]), "prize": prizes.get(p["prize_id"])}
            for p in plays
        ],
        "prize_claims": claims,
    }


async def contests(member: Member) -> dict[str, Any]:
    entries = (
        await ContestEntry.filter(member_id=member.id)
        .order_by("id")
        .values("id", "contest_id", "entries", "created_at")
    )
    won = (
        await ContestWinner.filter(member_id=member.id)
        .order_by("id")
        .values("contest_id", "slot", "claim_code")
    )
    names = await names_by_id(Contest, {e["contest_id"] for e in entries + won})
    return {
        "entries": [{**e, "contest": names.get(e["contest_id"])} for e in entries],
        "wins": [{**w, "contest": names.get(w["contest_id"])} for w in won],
    }


async def auctions(member: Member) -> dict[str, Any]:
    bids = (
        await AuctionBid.filter(member_id=member.id)
        .order_by("id")
        .values("auction_id", "points", "status", "placed_at", "claim_code")
    )
    names = await names_by_id(Auction, {b["auction_id"] for b in bids})
    return {
        "points_held": member.points_held,
        "bids": [{**b, "auction": names.get(b["auction_id"])} for b in bids],
    }


async def memberships(member: Member) -> list[dict[str, Any]]:
    rows = (
        await Membership.filter(member_id=member.id)
        .order_by("id")
        .values(
            "plan_id", "tier_id", "external_id", "starts_at", "ends_at", "ended_at", "created_at"
        )
    )
    plans = await names_by_id(MembershipPlan, {r["plan_id"] for r in rows})
    tiers = await names_by_id(Tier, {r["tier_id"] for r in rows})
    return [{**r, "plan": plans.get(r["plan_id"]), "tier": tiers.get(r["tier_id"])} for r in rows]


async def segment(member: Member) -> dict[str, Any] | None:
    rows = await MemberSegment.filter(member_id=member.id).values(
        "computed_at",
        "recency_days",
        "frequency",
        "monetary",
        "recency_score",
        "frequency_score",
        "monetary_score",
        "segment",
        "abc_class",
    )
    return rows[0] if rows else None


SECTIONS = {
    "purchases": purchases,
    "redemptions": redemptions,
    "referrals": referrals,
    "instant_win": instant_win,
    "contests": contests,
    "auctions": auctions,
    "memberships": memberships,
    "segment": segment,
}


def install() -> None:
    for section, exporter in SECTIONS.items():
        register_exporter(section, exporter)
