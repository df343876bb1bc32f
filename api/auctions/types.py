"""Auctions as members and staff read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import strawberry

from api.accounts.types import Member
from api.audiences import Audience, AudienceChanges, AudienceInput
from api.context import Info
from api.enums import graphql_enum
from api.errors import UserError
from api.languages import (
    TRANSLATIONS,
    TRANSLATIONS_READ,
    Translation,
    TranslationInput,
    text_of,
    translations_of_row,
)
from core.clock import clock
from gamification.games import auctions
from gamification.games import models as games_models

AuctionPrizeKind = graphql_enum(
    games_models.AuctionPrizeKind,
    "AuctionPrizeKind",
    "What an auction's winners get.",
    {
        "REWARD": "A catalog reward (rewardId), granted as a redemption with its code.",
        "PRIZE": "A physical prize, granted as a claim with a code the shop checks.",
    },
)


AuctionPhase = graphql_enum(
    auctions.Phase,
    "AuctionPhase",
    "Where an auction stands now.",
    {
        "SCHEDULED": "Not started: no bids yet.",
        "OPEN": "Taking bids until endsAt.",
        "ENDED": "Past its end, being settled (within seconds).",
        "SETTLED": "Settled: the winners paid their bids, everyone else got theirs back.",
    },
)


MyBidStatus = graphql_enum(
    games_models.BidStatus,
    "MyBidStatus",
    "Where the caller's latest bid on an auction stands.",
    {
        "WINNING": "Among the highest bids: its points are held.",
        "OUTBID": "Pushed out by higher bids: its points are back in the balance.",
        "RAISED": "Replaced by a higher bid of the caller's (never the latest).",
        "WON": "Won: its points were spent and the prize granted (see claimCode).",
        "LOST": "Under the reserve (or the prize was gone) at the end: points given back.",
    },
)


@strawberry.type(description="One bid of an auction's history, by the bidder's public name.")
class AuctionBidEntry:
    bidder: str = strawberry.field(description="The bidder's display name.")
    points: int = strawberry.field(description="The bid: the bidder's whole offer.")
    placed_at: datetime = strawberry.field(description="When it was placed (ISO-8601, UTC).")
    mine: bool = strawberry.field(description="Whether the caller placed it.")


@strawberry.type(description="A member's bid, as placeBid answers it.")
class AuctionBid:
    id: strawberry.ID = strawberry.field(description="The bid's id.")
    points: int = strawberry.field(description="The whole bid (a raise gives the new total).")
    status: MyBidStatus = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="Where it stands."
    )
    placed_at: datetime = strawberry.field(description="When it was placed (ISO-8601, UTC).")
    claim_code: str | None = strawberry.field(
        description="Once won: the redemption or claim code of the prize."
    )

    @classmethod
    def from_model(cls, bid: games_models.AuctionBid) -> AuctionBid:
        return cls(
            id=strawberry.ID(str(bid.id)),
            points=bid.points,
            status=bid.status,
            placed_at=bid.placed_at,
            claim_code=bid.claim_code,
        )


@dataclass
class AuctionView:
    """What an Auction answers, read for a whole list at once."""

    model: games_models.Auction
    standing: list[games_models.AuctionBid]
    mine: games_models.AuctionBid | None
    caller_member_id: int | None
    staff: bool


@strawberry.type(
    description="An auction in points: the `quantity` highest bids win, each paying its own bid. "
    "A winning bid's points are held (pointsHeld) until the end; an outbid one gets them back "
    "at once."
)
class Auction:
    view: strawberry.Private[AuctionView]

    @strawberry.field(description="The auction's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.model.id))

    @strawberry.field(description="The auction's name, in the caller's language.")
    async def name(self, info: Info) -> str:
        return await text_of(info, self.view.model, "name")

    @strawberry.field(description=TRANSLATIONS_READ)
    def translations(self) -> list[Translation]:
        return translations_of_row(self.view.model)

    @strawberry.field(
        description="What is offered, in the brand's words and the caller's language."
    )
    async def description(self, info: Info) -> str:
        return await text_of(info, self.view.model, "description")

    @strawberry.field(description="A catalog reward or a physical prize.")
    def prize_kind(self) -> AuctionPrizeKind:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.view.model.prize_kind

    @strawberry.field(description="The prize's name.")
    def prize_name(self) -> str:
        return self.view.model.prize_name

    @strawberry.field(description="The reward won, for a REWARD auction; null otherwise.")
    def reward_id(self) -> strawberry.ID | None:
        rid = self.view.model.reward_id
        return strawberry.ID(str(rid)) if rid is not None else None

    @strawberry.field(description="How many units: the highest `quantity` bids win.")
    def quantity(self) -> int:
        return self.view.model.quantity

    @strawberry.field(description="When bids open (ISO-8601, UTC).")
    def starts_at(self) -> datetime:
        return self.view.model.starts_at

    @strawberry.field(
        description="When bids close (excluded); a late bid pushes it back (extensionMinutes)."
    )
    def ends_at(self) -> datetime:
        return self.view.model.ends_at

    @strawberry.field(description="The least first bid.")
    def starting_bid(self) -> int:
        return self.view.model.starting_bid

    @strawberry.field(description="How much a bid must beat the lowest winning one by.")
    def min_increment(self) -> int:
        return self.view.model.min_increment

    @strawberry.field(
        description="A bid in the last this many minutes pushes the end back by as much (0: never)."
    )
    def extension_minutes(self) -> int:
        return self.view.model.extension_minutes

    @strawberry.field(
        description="The least winning bid for the prize to be given; staff only (null for "
        "members and when there is none)."
    )
    def reserve(self) -> int | None:
        return self.view.model.reserve if self.view.staff else None

    @strawberry.field(description="Whether the highest bid reaches the reserve (true without one).")
    def reserve_met(self) -> bool:
        return auctions.reserve_met(self.view.model, self.view.standing)

    @strawberry.field(description="The lowest tier rank that may bid; null: everyone.")
    def min_tier_rank(self) -> int | None:
        return self.view.model.min_tier_rank

    @strawberry.field(description="A badge a member must hold to bid; null: none.")
    def required_badge_id(self) -> strawberry.ID | None:
        badge = self.view.model.required_badge_id
        return strawberry.ID(str(badge)) if badge is not None else None

    @strawberry.field(description="Who may bid: RFM segments, ABC classes, tiers.")
    def audience(self) -> Audience:
        return Audience.of(self.view.model)

    @strawberry.field(description="SCHEDULED, OPEN, ENDED or SETTLED.")
    def phase(self) -> AuctionPhase:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return auctions.phase_of(self.view.model, clock.now())

    @strawberry.field(description="Whether staff archived it (no more bids; every hold released).")
    def archived(self) -> bool:
        return self.view.model.archived

    @strawberry.field(description="The highest bid so far; null before the first.")
    def current_price(self) -> int | None:
        return self.view.standing[0].points if self.view.standing else None

    @strawberry.field(description="How many bids were placed (raises included).")
    def bids_count(self) -> int:
        return self.view.model.bids_count

    @strawberry.field(description="The least the caller's next bid must be.")
    def minimum_bid(self) -> int:
        return auctions.minimum_bid(self.view.model, self.view.standing, self.view.caller_member_id)

    @strawberry.field(description="The caller's latest bid (points); null: none (or staff).")
    def my_bid(self) -> int | None:
        return self.view.mine.points if self.view.mine else None

    @strawberry.field(description="Where the caller's latest bid stands; null: none (or staff).")
    def my_status(self) -> MyBidStatus | None:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.view.mine.status if self.view.mine else None

    @strawberry.field(description="Once the caller won: the prize's redemption or claim code.")
    def my_claim_code(self) -> str | None:
        return self.view.mine.claim_code if self.view.mine else None

    @strawberry.field(description="The latest bids, newest first, by bidders' display names.")
    async def bids(
        self,
        first: Annotated[int, strawberry.argument(description="How many: 1 to 200.")] = 20,
    ) -> list[AuctionBidEntry]:
        history = await auctions.bid_history(self.view.model.id, first=first)
        return [
            AuctionBidEntry(
                bidder=name,
                points=bid.points,
                placed_at=bid.placed_at,
                mine=bid.member_id == self.view.caller_member_id,
            )
            for bid, name in history
        ]


@strawberry.input(description="A bid: the caller's whole offer on an auction.")
class PlaceBidInput:
    auction_id: strawberry.ID = strawberry.field(description="The auction.")
    points: int = strawberry.field(
        description="The whole bid, at least the auction's minimumBid; raising a bid of yours "
        "gives the new total, and only the difference is held."
    )
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable characters, new for each bid: a retry with the same key "
        "answers the first bid and holds nothing more."
    )


@strawberry.type(description="The bid placed, the auction after it and the caller's points.")
class PlaceBidPayload:
    bid: AuctionBid | None = strawberry.field(
        default=None, description="The bid; null when refused."
    )
    auction: Auction | None = strawberry.field(
        default=None, description="The auction after the bid (its end may have moved)."
    )
    member: Member | None = strawberry.field(
        default=None, description="The member, with pointsBalance and pointsHeld after it."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the bid was refused (nothing was held)."
    )


@strawberry.input(description="A new auction.")
class CreateAuctionInput(AudienceInput):
    name: str = strawberry.field(description="1 to 120 characters, unique in the program.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    prize_kind: AuctionPrizeKind = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="A catalog reward (give rewardId) or a physical prize."
    )
    starts_at: datetime = strawberry.field(description="When bids open.")
    ends_at: datetime = strawberry.field(description="When bids close, after startsAt.")
    starting_bid: int = strawberry.field(description="The least first bid, 1 or more points.")
    prize_name: str | None = strawberry.field(
        default=None, description="The prize's name (default: the auction's)."
    )
    reward_id: strawberry.ID | None = strawberry.field(
        default=None, description="The reward won, for a REWARD auction."
    )
    description: str = strawberry.field(default="", description="At most 1000 characters.")
    quantity: int = strawberry.field(default=1, description="Units offered, 1 to 1000.")
    min_increment: int = strawberry.field(
        default=1, description="How much a bid must beat the lowest winning one by."
    )
    reserve: int | None = strawberry.field(
        default=None, description="The least winning bid for the prize to be given."
    )
    extension_minutes: int = strawberry.field(
        default=0,
        description="Anti-sniping: a bid this close to the end pushes it back by as "
        "much (0 to 1440; 0: never).",
    )
    min_tier_rank: int | None = strawberry.field(
        default=None, description="The lowest tier rank that may bid."
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        default=None, description="A badge a member must hold to bid."
    )


@strawberry.input(description="What changes in an auction (bids already placed stay).")
class UpdateAuctionInput(AudienceChanges):
    auction_id: strawberry.ID = strawberry.field(description="The auction.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    description: str | None = strawberry.field(default=None, description="A new description.")
    extension_minutes: int | None = strawberry.field(
        default=None, description="A new anti-sniping extension, 0 to 1440 minutes."
    )


@strawberry.input(description="Which auction.")
class AuctionIdInput:
    auction_id: strawberry.ID = strawberry.field(description="The auction.")


@strawberry.type(description="The auction after the change.")
class AuctionPayload:
    auction: Auction | None = strawberry.field(
        default=None, description="The auction; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (nothing changed)."
    )
