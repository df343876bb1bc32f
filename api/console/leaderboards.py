"""Leaderboards: the top 20 of a board (points earned, referrals qualified, actions of each active
action type) over a period; and the ambassadors, the top referrers with their referral counts."""

from __future__ import annotations

from starlette.responses import Response

from api.console.rendering import render
from api.console.session import Visit, signed_in

BOARDS = ("points", "referrals")
PERIODS = ("ALL_TIME", "MONTH", "WEEK")


@signed_in
async def leaderboard(visit: Visit) -> Response:
    params = visit.request.query_params
    kinds = await visit.run("ConsoleActionTypes")
    if kinds.errors:
        return render(visit, "error.html", 400, message=kinds.message)
    # Each active action type has its board, named by the code integrations report it by.
    boards = [(name, visit.texts(name)) for name in BOARDS] + [
        (f"action:{kind['code']}", f"{visit.texts('Actions')}: {kind['name']}")
        for kind in kinds.data["actionTypes"]
    ]
    board = params.get("board") if params.get("board") in dict(boards) else BOARDS[0]
    period = params.get("period") if params.get("period") in PERIODS else PERIODS[0]
    answer = await visit.run("ConsoleLeaderboard", {"board": board, "period": period})
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    return render(
        visit,
        "leaderboards.html",
        entries=answer.data["leaderboard"]["entries"],
        board=board,
        period=period,
        boards=boards,
        periods=[(name, visit.texts(name)) for name in PERIODS],
    )


AMBASSADORS = 50


@signed_in
async def ambassadors(visit: Visit) -> Response:
    """The referrers with the most qualified referrals: referred, qualified, points earned."""
    answer = await visit.run("ConsoleAmbassadors", {"first": AMBASSADORS})
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    return render(visit, "ambassadors.html", ambassadors=answer.data["ambassadors"])
