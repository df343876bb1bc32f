"""Auction mutations: members bid, staff create, change and archive auctions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.accounts.types import Member
from api.auctions.queries import auction_views
from api.auctions.types import (
    AuctionBid,
    AuctionIdInput,
    AuctionPayload,
    CreateAuctionInput,
    PlaceBidInput,
    PlaceBidPayload,
    UpdateAuctionInput,
)
from api.audiences import audience_values
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import member_only, staff_only
from api.rate_limits import member_spends
from core.errors import NotFound
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member as MemberModel
from gamification.accounts.models import StaffRole
from gamification.games import auctions


@strawberry.type
class AuctionMutations:
    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Bid points on an OPEN auction: the bid's points are held at once (only the "
        "difference for a raise) and the bid it pushes out gets its points back. Member only. "
        "Codes: NOT_FOUND, AUCTION_CLOSED, BID_TOO_LOW (under minimumBid), NOT_ELIGIBLE, "
        "INSUFFICIENT_POINTS, MEMBER_BLOCKED, IDEMPOTENCY_KEY_REUSED, INVALID_INPUT (points, "
        "idempotencyKey).",
    )
    @returns_user_errors(PlaceBidPayload)
    async def place_bid(
        self,
        info: Info,
        input: Annotated[
            PlaceBidInput, strawberry.argument(description="The auction, the bid and its key.")
        ],
    ) -> PlaceBidPayload:
        member = await info.context.loaders.member.load(info.context.caller.member_id)
        if member is None:
            raise NotFound(AccountErrorCode.MEMBER_NOT_FOUND, "This account no longer exists.")
        result = await auctions.place_bid(
            member, parse_id(input.auction_id, "auctionId"), input.points, input.idempotency_key
        )
        (auction,) = await auction_views(info, [result.auction])
        return PlaceBidPayload(
            bid=AuctionBid.from_model(result.bid),
            auction=auction,
            # Read again: the member's bids on other auctions may have moved their held points
            # since this request read them.
            member=Member.from_model(await MemberModel.get(id=member.id)),
        )

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Open an auction. Staff, MANAGER role or higher. Codes: INVALID_INPUT, "
        "INVALID_WINDOW, NAME_TAKEN, REWARD_NOT_FOUND (rewardId), NOT_FOUND (requiredBadgeId).",
    )
    @returns_user_errors(AuctionPayload)
    async def create_auction(
        self,
        info: Info,
        input: Annotated[CreateAuctionInput, strawberry.argument(description="The auction.")],
    ) -> AuctionPayload:
        model = await auctions.create_auction(
            info.context.actor,
            info.context.program_id,
            name=input.name,
            prize_kind=input.prize_kind,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            starting_bid=input.starting_bid,
            prize_name=input.prize_name,
            reward_id=parse_id(input.reward_id, "rewardId") if input.reward_id else None,
            description=input.description,
            quantity=input.quantity,
            min_increment=input.min_increment,
            reserve=input.reserve,
            extension_minutes=input.extension_minutes,
            min_tier_rank=input.min_tier_rank,
            required_badge_id=parse_id(input.required_badge_id, "requiredBadgeId")
            if input.required_badge_id
            else None,
            translations=input.translations or (),
            **audience_values(input),
        )
        (auction,) = await auction_views(info, [model])
        return AuctionPayload(auction=auction)

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Rename, describe or change an auction's anti-sniping extension; bids "
        "already placed stay. Staff, MANAGER role or higher. Codes: NOT_FOUND, INVALID_INPUT, "
        "NAME_TAKEN.",
    )
    @returns_user_errors(AuctionPayload)
    async def update_auction(
        self,
        info: Info,
        input: Annotated[
            UpdateAuctionInput,
            strawberry.argument(description="The auction and the fields that change."),
        ],
    ) -> AuctionPayload:
        model = await auctions.update_auction(
            info.context.actor,
            info.context.program_id,
            parse_id(input.auction_id, "auctionId"),
            name=input.name,
            description=input.description,
            extension_minutes=input.extension_minutes,
            translations=input.translations,
            **audience_values(input),
        )
        (auction,) = await auction_views(info, [model])
        return AuctionPayload(auction=auction)

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Stop an auction: no more bids, and at its end every held point goes back "
        "(nobody wins). Staff, MANAGER role or higher. Codes: NOT_FOUND.",
    )
    @returns_user_errors(AuctionPayload)
    async def archive_auction(
        self,
        info: Info,
        input: Annotated[AuctionIdInput, strawberry.argument(description="Which auction.")],
    ) -> AuctionPayload:
        model = await auctions.update_auction(
            info.context.actor,
            info.context.program_id,
            parse_id(input.auction_id, "auctionId"),
            archived=True,
        )
        (auction,) = await auction_views(info, [model])
        return AuctionPayload(auction=auction)
