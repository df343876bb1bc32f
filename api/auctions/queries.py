"""Auctions for members (to bid), staff (to run them) and integrations (to show them)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.auctions.types import Auction, AuctionView
from api.audiences import offered
from api.context import Info
from api.ids import parse_id
from api.languages import LOCALE_ARGUMENT
from api.permissions import authenticated
from gamification.games import auctions
from gamification.games import models as games_models


async def auction_views(info: Info, models: list[games_models.Auction]) -> list[Auction]:
    """The auctions with their standing bids and the caller's own, read in three queries
    whatever their number."""
    ids = [model.id for model in models]
    standing = await auctions.winning_bids(ids)
    caller = info.context.caller
    member_id = caller.member_id if caller.kind == "member" else None
    mine = await auctions.latest_bids_of(member_id, ids) if member_id is not None else {}
    return [
        Auction(
            view=AuctionView(
                model=model,
                standing=standing[model.id],
                mine=mine.get(model.id),
                caller_member_id=member_id,
                staff=caller.kind == "staff",
            )
        )
        for model in models
    ]


@strawberry.type
class AuctionQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="The program's auctions, soonest end first: archived ones for staff only, "
        "and for a member those aimed at them (see `audience`). "
        "Any caller of the program.",
    )
    async def auctions(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[Auction]:
        info.context.locales.choose(info, locale)
        staff = info.context.caller.kind == "staff"
        models = await offered(
            info, await auctions.auctions_of(info.context.program_id, include_archived=staff)
        )
        return await auction_views(info, models)

    @strawberry.field(
        extensions=authenticated(),
        description="One auction of the program. Any caller of the program. Codes: NOT_FOUND.",
    )
    async def auction(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The auction's id.")],
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> Auction:
        info.context.locales.choose(info, locale)
        model = await auctions.auction_in_program(info.context.program_id, parse_id(id, "id"))
        (view,) = await auction_views(info, [model])
        return view
