"""A running auction in the demo program, with the demo member's bid on it: the member's
`pointsHeld` shows the bid's points escrowed, and `auctions` shows them WINNING."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from api.demo import keys
from api.demo.actor import DEMO
from core.clock import clock
from core.errors import DomainError
from gamification.accounts.models import Member
from gamification.games import auctions
from gamification.games.models import Auction, AuctionBid, AuctionPrizeKind
from gamification.programs.models import Program

DEMO_AUCTION = "Demo auction: a signed barista apron"
DEMO_BID = 60


async def seed(program: Program, member: Member) -> None:
    async def auction(name: str) -> Auction:
        now = clock.now()
        return await auctions.create_auction(
            DEMO,
            program.id,
            name=name,
            description="Signed by our head barista. The highest bid wins it.",
            prize_kind=AuctionPrizeKind.PRIZE,
            prize_name="Signed barista apron",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
            starting_bid=50,
            min_increment=10,
            extension_minutes=5,
        )

    current = await keys.running(program, "auction:apron", Auction, DEMO_AUCTION, auction, _ends)
    if current is None or await AuctionBid.exists(auction_id=current.id, member_id=member.id):
        return
    # Refused when someone outbid the demo or the member spent their points: nothing to show.
    with contextlib.suppress(DomainError):
        await auctions.place_bid(
            await Member.get(id=member.id), current.id, DEMO_BID, f"demo-bid:{current.id}"
        )


def _ends(auction: Auction) -> datetime:
    return auction.ends_at
