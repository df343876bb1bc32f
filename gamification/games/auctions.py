"""Auctions in points: members bid their points for a rare reward or a physical prize.

- An auction offers `quantity` units; the `quantity` highest bids are WINNING (ties: the earlier
  bid), each paying its own bid. A bid must reach the starting bid and, once every unit has a
  bid, beat the lowest winning bid by the minimum increment; a member raising their own bid
  must add at least the increment.
- A WINNING bid's points are held (points/holds.py): out of the spendable balance at once. The
  bid that a new one pushes out is OUTBID and its hold released in the same transaction, so a
  member never has more held than their standing bids. A raise holds only the difference.
- Every bid takes the auction's row lock first, then the bidders' member rows in id order: bids
  on one auction queue up, and two auctions outbidding each other's bidders cannot deadlock.
- A bid in the last `extension_minutes` pushes the end back by as much (anti-sniping).
- Settling (the worker's scan, after the end) runs in one transaction under the auction's lock
  and only once: winning holds are captured as AUCTION spends and the prize granted; bids under
  the reserve, of a member blocked or erased since, or whose reward is gone, are released. A
  second run, a second worker, or a run after a kill halfway finds SETTLED or nothing
  committed, and moves no point twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from core.clock import clock
from core.errors import DomainError, ErrorCode, NotFound, Refused, ValidationFailed
from core.unique_names import unique_name
from gamification import events
from gamification.accounts.members import display_names
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events.payloads import AuctionSettled, AuctionWon, BidPlaced, Outbid
from gamification.games import prizes
from gamification.games.error_codes import GameErrorCode
from gamification.games.models import (
    Auction,
    AuctionBid,
    AuctionPrizeKind,
    AuctionStatus,
    BidStatus,
    PrizeKind,
)
from gamification.points import audiences, holds, ledger
from gamification.points.audiences import Audience
from gamification.points.models import HoldStatus, LedgerKind, PointsHold
from gamification.programs import languages
from gamification.rewards.eligibility import (
    check_eligibility,
    check_gate_input,
    check_required_badge,
)

MAX_QUANTITY = 1000
MAX_EXTENSION_MINUTES = 24 * 60
# What staff may change once an auction exists: nothing that moves a bid already placed.
EDITABLE = (
    "name",
    "description",
    "extension_minutes",
    "archived",
    "translations",
    *audiences.INPUTS,
)


def reference(auction_id: int) -> str:
    """The hold reference of a member's standing bid on an auction."""
    return f"auction:{auction_id}"


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(ErrorCode.INVALID_INPUT, message, field)


def _check_amount(value: int | None, field: str, *, minimum: int = 1) -> None:
    if value is not None and not minimum <= value <= ledger.MAX_POINTS:
        raise _invalid(f"Points are between {minimum} and {ledger.MAX_POINTS}.", field)


async def create_auction(
    actor: Actor,
    program_id: int,
    *,
    name: str,
    prize_kind: AuctionPrizeKind,
    starts_at: datetime,
    ends_at: datetime,
    starting_bid: int,
    prize_name: str | None = None,
    reward_id: int | None = None,
    description: str = "",
    quantity: int = 1,
    min_increment: int = 1,
    reserve: int | None = None,
    extension_minutes: int = 0,
    min_tier_rank: int | None = None,
    required_badge_id: int | None = None,
    translations: Iterable[Any] = (),
    target_segments: list[str] | None = None,
    target_classes: list[str] | None = None,
    target_tier_ids: list[int] | None = None,
) -> Auction:
    name = prizes.check_name(name)
    translated = languages.clean_translations(translations)
    starts_at, ends_at = prizes.check_window(starts_at, ends_at, "startsAt", "endsAt")
    _check_amount(starting_bid, "startingBid")
    _check_amount(min_increment, "minIncrement")
    _check_amount(reserve, "reserve")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _invalid(f"An auction offers 1 to {MAX_QUANTITY} units.", "quantity")
    if not 0 <= extension_minutes <= MAX_EXTENSION_MINUTES:
        raise _invalid("An extension is 0 to 1440 minutes.", "extensionMinutes")
    if len(description) > 1000:
        raise _invalid("A description has at most 1000 characters.", "description")
    check_gate_input(min_tier_rank, required_badge_id)
    await check_required_badge(program_id, required_badge_id)
    audience = await audiences.input_columns(
        program_id, target_segments, target_classes, target_tier_ids
    )
    if prize_kind == AuctionPrizeKind.REWARD:
        if reward_id is None:
            raise _invalid("A reward auction names its reward.", "rewardId")
        await prizes.check_reward_prizes(program_id, [(reward_id, "rewardId")])
    elif reward_id is not None:
        raise _invalid("Only a reward auction names a reward.", "rewardId")
    label = prizes.validate_prize(
        prize_name or name,
        PrizeKind.REWARD if prize_kind == AuctionPrizeKind.REWARD else PrizeKind.PRIZE,
        None,
        reward_id,
        quantity,
        "prizeName",
    )
    async with unique_name(Auction, program_id, name, what="auction"):
        auction = await Auction.create(
            program_id=program_id,
            name=name,
            description=description.strip(),
            translations=translated,
            prize_kind=prize_kind,
            prize_name=label,
            reward_id=reward_id,
            quantity=quantity,
            starts_at=starts_at,
            ends_at=ends_at,
            starting_bid=starting_bid,
            min_increment=min_increment,
            reserve=reserve,
            extension_minutes=extension_minutes,
            min_tier_rank=min_tier_rank,
            required_badge_id=required_badge_id,
            **audience,
            created_at=clock.now(),
        )
        await trail.created(actor, AuditAction.AUCTION_CREATED, auction)
    return auction


async def auction_in_program(program_id: int, auction_id: int) -> Auction:
    auction = await Auction.get_or_none(id=auction_id, program_id=program_id)
    if auction is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such auction.", "auctionId")
    return auction


async def update_auction(actor: Actor, program_id: int, auction_id: int, **changes: Any) -> Auction:
    """Rename, describe, change the anti-sniping extension or archive. An archived auction takes
    no more bids; its settlement releases every hold."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    async with in_transaction():
        auction = await Auction.select_for_update().get_or_none(
            id=auction_id, program_id=program_id
        )
        if auction is None:
            raise NotFound(ErrorCode.NOT_FOUND, "No such auction.", "auctionId")
        before = trail.snapshot(auction)
        await audiences.apply_input(
            auction,
            program_id,
            {k: v for k, v in changes.items() if k in audiences.INPUTS and v is not None},
        )
        if changes.get("name") is not None:
            auction.name = prizes.check_name(changes["name"])
        if changes.get("description") is not None:
            if len(changes["description"]) > 1000:
                raise _invalid("A description has at most 1000 characters.", "description")
            auction.description = changes["description"].strip()
        if changes.get("translations") is not None:
            auction.translations = languages.clean_translations(changes["translations"])
        if changes.get("extension_minutes") is not None:
            if not 0 <= changes["extension_minutes"] <= MAX_EXTENSION_MINUTES:
                raise _invalid("An extension is 0 to 1440 minutes.", "extensionMinutes")
            auction.extension_minutes = changes["extension_minutes"]
        archiving = bool(changes.get("archived")) and not auction.archived
        if archiving:
            auction.archived = True
        async with unique_name(
            Auction, program_id, auction.name, what="auction", own_id=auction.id
        ):
            await auction.save(
                update_fields=[
                    "name",
                    "description",
                    "extension_minutes",
                    "archived",
                    "translations",
                    *audiences.COLUMNS,
                ]
            )
        action = AuditAction.AUCTION_ARCHIVED if archiving else AuditAction.AUCTION_UPDATED
        await trail.changed(actor, action, auction, before)
    return auction


class Phase(StrEnum):
    """Where an auction stands, as members and staff read it."""

    SCHEDULED = "SCHEDULED"
    OPEN = "OPEN"
    ENDED = "ENDED"  # past its end, waiting for the settling scan
    SETTLED = "SETTLED"


def phase_of(auction: Auction, now: datetime) -> Phase:
    if auction.status == AuctionStatus.SETTLED:
        return Phase.SETTLED
    if now < auction.starts_at:
        return Phase.SCHEDULED
    return Phase.OPEN if now < auction.ends_at else Phase.ENDED


def reserve_met(auction: Auction, standing: list[AuctionBid]) -> bool:
    """Whether the highest standing bid reaches the reserve (always, without one)."""
    if auction.reserve is None:
        return True
    return bool(standing) and max(bid.points for bid in standing) >= auction.reserve


def is_open(auction: Auction, now: datetime) -> bool:
    return (
        auction.status == AuctionStatus.OPEN
        and not auction.archived
        and auction.starts_at <= now < auction.ends_at
    )


def _ranked(bids: list[AuctionBid]) -> list[AuctionBid]:
    """Highest first; of equal bids the earlier one ranks higher."""
    return sorted(bids, key=lambda bid: (-bid.points, bid.id))


def minimum_bid(auction: Auction, winning: list[AuctionBid], member_id: int | None) -> int:
    """The least a bid of `member_id` must be now."""
    others = [bid for bid in winning if bid.member_id != member_id]
    own = next((bid for bid in winning if bid.member_id == member_id), None)
    least = int(auction.starting_bid)
    if len(others) >= auction.quantity:
        least = max(least, _ranked(others)[auction.quantity - 1].points + auction.min_increment)
    if own is not None:
        least = max(least, own.points + auction.min_increment)
    return least


@dataclass(frozen=True)
class BidResult:
    bid: AuctionBid
    auction: Auction
    replayed: bool


async def place_bid(
    member: Member, auction_id: int, points: int, idempotency_key: str
) -> BidResult:
    """Bid `points` in all (a raise gives the new total). The same key again answers the first
    bid; with other points it is IDEMPOTENCY_KEY_REUSED."""
    ledger.check_key(idempotency_key)
    _check_amount(points, "points")
    previous = await AuctionBid.get_or_none(member_id=member.id, idempotency_key=idempotency_key)
    if previous is not None:
        return await _replay(previous, auction_id, points)
    auction = await auction_in_program(member.program_id, auction_id)
    await check_eligibility(
        member,
        min_tier_rank=auction.min_tier_rank,
        required_badge_id=auction.required_badge_id,
        audience=Audience.of(auction),
    )
    try:
        async with events.atomic():
            return await _place(member, auction.id, points, idempotency_key)
    except IntegrityError:
        # A concurrent request with the same key committed first.
        previous = await AuctionBid.get(member_id=member.id, idempotency_key=idempotency_key)
        return await _replay(previous, auction_id, points)


async def _place(member: Member, auction_id: int, points: int, key: str) -> BidResult:
    auction = await Auction.select_for_update().get(id=auction_id)
    now = clock.now()
    if not is_open(auction, now):
        message = "This auction has not started." if now < auction.starts_at else "It is closed."
        raise Refused(GameErrorCode.AUCTION_CLOSED, message, "auctionId")
    winning = _ranked(await AuctionBid.filter(auction_id=auction.id, status=BidStatus.WINNING))
    least = minimum_bid(auction, winning, member.id)
    if points < least:
        raise Refused(GameErrorCode.BID_TOO_LOW, f"Bid at least {least} points.", "points")
    own = next((bid for bid in winning if bid.member_id == member.id), None)
    others = [bid for bid in winning if bid.member_id != member.id]
    pushed_out = others[auction.quantity - 1] if len(others) >= auction.quantity else None
    # Member rows in id order, whoever bids and whoever is outbid: no deadlock across auctions.
    for member_id in sorted({member.id, *([pushed_out.member_id] if pushed_out else [])}):
        await ledger.locked_member(member_id)
    more = points - own.points if own is not None else points
    await holds.hold(member, more, reference(auction.id))
    if own is not None:
        await AuctionBid.filter(id=own.id).update(status=BidStatus.RAISED)
    bid = await AuctionBid.create(
        program_id=auction.program_id,
        auction_id=auction.id,
        member_id=member.id,
        points=points,
        status=BidStatus.WINNING,
        idempotency_key=key,
        placed_at=now,
    )
    if pushed_out is not None:
        await _outbid(pushed_out)
    changes: dict[str, Any] = {"bids_count": F("bids_count") + 1}
    auction.bids_count += 1
    window = timedelta(minutes=auction.extension_minutes)
    if window and auction.ends_at - now <= window:
        auction.ends_at += window
        changes["ends_at"] = auction.ends_at
    await Auction.filter(id=auction.id).update(**changes)
    await events.emit(
        BidPlaced(auction_id=auction.id, bid_id=bid.id, points=points, held=more),
        program_id=auction.program_id,
        member_id=member.id,
    )
    return BidResult(bid, auction, replayed=False)


async def _outbid(bid: AuctionBid) -> None:
    await AuctionBid.filter(id=bid.id).update(status=BidStatus.OUTBID)
    released = await _release_standing(bid)
    await events.emit(
        Outbid(auction_id=bid.auction_id, bid_id=bid.id, released=released),
        program_id=bid.program_id,
        member_id=bid.member_id,
    )


async def _release_standing(bid: AuctionBid) -> int:
    held = await holds.open_hold(bid.member_id, reference(bid.auction_id))
    return await holds.release(held) if held is not None else 0


async def _replay(previous: AuctionBid, auction_id: int, points: int) -> BidResult:
    if previous.auction_id != auction_id or previous.points != points:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another bid.",
            "idempotencyKey",
        )
    return BidResult(previous, await Auction.get(id=auction_id), replayed=True)


# --- settling ---------------------------------------------------------------------------------


async def due_auctions(limit: int = 100) -> list[int]:
    """Auctions past their end and not settled yet, oldest end first."""
    rows = (
        await Auction.filter(status=AuctionStatus.OPEN, ends_at__lte=clock.now())
        .order_by("ends_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(row) for row in rows]  # type: ignore[call-overload]  # flat: ids, not tuples


@dataclass(frozen=True)
class Settlement:
    auction: Auction
    winners: int
    released: int


SETTLING = Actor.system("worker: auction settlement")


async def settle(auction_id: int) -> Settlement | None:
    """Settle one auction past its end (see the module docstring). None when it is not due, or
    was settled before."""
    async with events.atomic():
        auction = await Auction.select_for_update().get_or_none(id=auction_id)
        if auction is None or auction.status != AuctionStatus.OPEN or auction.ends_at > clock.now():
            return None
        standing = _ranked(await AuctionBid.filter(auction_id=auction.id, status=BidStatus.WINNING))
        for member_id in sorted({bid.member_id for bid in standing}):
            await ledger.locked_member(member_id)
        winners = released = 0
        members = {m.id: m for m in await Member.filter(id__in=[b.member_id for b in standing])}
        for bid in standing:
            member = members[bid.member_id]
            # A member blocked or erased since bidding can no longer spend: their bid loses.
            barred = member.blocked_at is not None or member.anonymised_at is not None
            under_reserve = auction.reserve is not None and bid.points < auction.reserve
            if auction.archived or under_reserve or barred:
                released += await _lose(bid)
                continue
            try:
                won = await _win(auction, bid, member)
            except DomainError:
                # The reward is gone or out of stock: the winner is not charged.
                released += await _lose(bid)
                continue
            winners += won
        auction.status = AuctionStatus.SETTLED
        auction.settled_at = clock.now()
        await Auction.filter(id=auction.id).update(
            status=AuctionStatus.SETTLED, settled_at=auction.settled_at
        )
        await events.emit(
            AuctionSettled(auction_id=auction.id, winners=winners, released=released),
            program_id=auction.program_id,
            member_id=None,
        )
        await trail.record(
            SETTLING,
            AuditAction.AUCTION_SETTLED,
            program_id=auction.program_id,
            target_id=auction.id,
            before={"status": AuctionStatus.OPEN},
            after={"status": AuctionStatus.SETTLED, "winners": winners, "released": released},
        )
    return Settlement(auction, winners, released)


async def _lose(bid: AuctionBid) -> int:
    await AuctionBid.filter(id=bid.id).update(status=BidStatus.LOST)
    return await _release_standing(bid)


async def _win(auction: Auction, bid: AuctionBid, member: Member) -> int:
    source = f"auction:{auction.id}:bid:{bid.id}"
    grant = await prizes.grant_prize(
        member,
        prizes.PrizeSpec(
            name=auction.prize_name,
            kind=PrizeKind.REWARD if auction.reward_id is not None else PrizeKind.PRIZE,
            points=None,
            reward_id=auction.reward_id,
        ),
        source=source,
        reason=f"Won {auction.name}"[:200],
    )
    held = await holds.open_hold(bid.member_id, reference(auction.id))
    assert held is not None and held.points == bid.points, "a winning bid holds its points"
    await holds.capture(
        held, LedgerKind.AUCTION, reason=f"Won {auction.name}", reference=f"auction_bid:{bid.id}"
    )
    code = grant.claim_code or ""
    await AuctionBid.filter(id=bid.id).update(status=BidStatus.WON, claim_code=code)
    await events.emit(
        AuctionWon(auction_id=auction.id, bid_id=bid.id, points=bid.points, claim_code=code),
        program_id=auction.program_id,
        member_id=bid.member_id,
    )
    return 1


# --- reads ------------------------------------------------------------------------------------


async def auctions_of(program_id: int, *, include_archived: bool = False) -> list[Auction]:
    query = Auction.filter(program_id=program_id)
    if not include_archived:
        query = query.filter(archived=False)
    return await query.order_by("ends_at", "id")


async def winning_bids(auction_ids: list[int]) -> dict[int, list[AuctionBid]]:
    """The standing (or, once settled, won) bids of each auction, highest first."""
    found: dict[int, list[AuctionBid]] = {auction_id: [] for auction_id in auction_ids}
    for bid in await AuctionBid.filter(
        auction_id__in=auction_ids, status__in=(BidStatus.WINNING, BidStatus.WON)
    ):
        found[bid.auction_id].append(bid)
    return {auction_id: _ranked(bids) for auction_id, bids in found.items()}


async def latest_bids_of(member_id: int, auction_ids: list[int]) -> dict[int, AuctionBid]:
    """The member's latest bid on each auction that has one."""
    latest: dict[int, AuctionBid] = {}
    for bid in await AuctionBid.filter(member_id=member_id, auction_id__in=auction_ids).order_by(
        "id"
    ):
        latest[bid.auction_id] = bid
    return latest


async def bid_history(auction_id: int, *, first: int = 50) -> list[tuple[AuctionBid, str]]:
    """The auction's latest bids, newest first, each with the bidder's public display name."""
    if not 1 <= first <= 200:
        raise _invalid("`first` is between 1 and 200.", "first")
    bids = await AuctionBid.filter(auction_id=auction_id).order_by("-id").limit(first)
    names = await display_names([bid.member_id for bid in bids])
    return [(bid, names.get(bid.member_id, "")) for bid in bids]


async def held_points(program_id: int) -> int:
    """Points held by open bids across the program (they are still owed to members)."""
    rows = (
        await PointsHold.filter(program_id=program_id, status=HoldStatus.HELD)
        .annotate(total=Sum("points"))
        .values_list("total", flat=True)
    )
    return int(rows[0] or 0) if rows else 0  # type: ignore[arg-type]  # flat: one sum
