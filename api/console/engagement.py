"""Auctions and action types as staff follow them: where each auction stands (price, bids, end,
reserve), and what each action earns within which limits."""

from __future__ import annotations

from starlette.responses import Response

from api.console.rendering import render
from api.console.session import Visit, signed_in


@signed_in
async def auction_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleAuctions")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    return render(visit, "auctions.html", auctions=answer.data["auctions"])


@signed_in
async def action_type_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleActionTypes")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    return render(visit, "action_types.html", action_types=answer.data["actionTypes"])
