"""Instant-win games: those running or to come, and a game's page with its prizes left, its
winning moments claimed and unclaimed, and its plays (paged, winners only on demand)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20


@signed_in
async def game_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleGames")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    return render(visit, "games.html", games=answer.data["instantWinGames"])


@signed_in
async def game_page(visit: Visit) -> Response:
    game_id = visit.request.path_params["id"]
    params = visit.request.query_params
    won_only = params.get("won") == "1"
    after = params.get("after") or None
    answer = await visit.run(
        "ConsoleGame", {"id": game_id, "first": PAGE_SIZE, "after": after, "wonOnly": won_only}
    )
    if answer.errors:
        return render(visit, "error.html", 404, message=answer.message)
    plays = answer.data["instantWinPlays"]
    return render(
        visit,
        "game.html",
        game=answer.data["instantWinGame"],
        moments=answer.data["instantWinMoments"],
        plays=[edge["node"] for edge in plays["edges"]],
        page_info=plays["pageInfo"],
        won_only=won_only,
        paged=after is not None,
    )


@signed_in
async def archive_game(visit: Visit) -> Response:
    game_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveGame", {"input": {"gameId": game_id}})
    errors = answer.payload("archiveInstantWinGame")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/games", status_code=303)
