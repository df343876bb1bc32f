"""Instant-win games: those running or to come (paged here: the API answers them all), a game's
page with its prizes left, its winning moments claimed and unclaimed, and its plays (paged,
winners only on demand); create (with its prize lines), edit what the API lets change after
creation (name, play limits, eligibility), stop.

The form shows the fields of the mode chosen: the odds only for PROBABILITY; each prize line
the points of a POINTS prize or the reward of a REWARD one."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console.choices import Choices, choices_of
from api.console.forms import Form, local_time
from api.console.prizes import ROWS, kind_options, prize_fields, prize_values, read_prizes
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20
MODES = ("MOMENTS", "PROBABILITY")
LIMITS = ("maxPlaysPerDay", "maxPlaysTotal", "minTierRank")
FIELDS = (
    "name",
    "startsAt",
    "endsAt",
    "playCost",
    "mode",
    "winProbability",
    *LIMITS,
    "requiredBadgeId",
    "prizes",
    *prize_fields(),
)


@signed_in
async def game_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleGames")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    everything = answer.data["instantWinGames"]
    try:
        page = max(int(visit.request.query_params.get("page", "1")), 1)
    except ValueError:
        page = 1
    return render(
        visit,
        "games.html",
        games=everything[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        has_next=len(everything) > page * PAGE_SIZE,
    )


def _limits(form: Form, visit: Visit) -> dict[str, Any]:
    whole = visit.texts("A whole number.")
    variables: dict[str, Any] = {name: form.integer(name, whole) for name in LIMITS}
    variables["requiredBadgeId"] = form.optional_text("requiredBadgeId")
    return variables


def _create_variables(form: Form, visit: Visit) -> dict[str, Any]:
    mode = form.text("mode")
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "startsAt": form.time("startsAt") or "",
        "endsAt": form.time("endsAt") or "",
        "playCost": form.integer("playCost", visit.texts("A whole number.")) or 0,
        "mode": mode if mode in MODES else "MOMENTS",
        "prizes": read_prizes(form, visit),
        **_limits(form, visit),
    }
    if variables["mode"] == "PROBABILITY":
        variables["winProbability"] = form.optional_text("winProbability")
    for name in ("startsAt", "endsAt"):
        if not variables[name]:
            form.errors[name] = visit.texts("Required.")
    return variables


def _form_page(
    visit: Visit, form: Form, choices: Choices, game_id: str | None, status: int = 200
) -> Response:
    return render(
        visit,
        "game_form.html",
        status,
        form=form,
        game_id=game_id,
        modes=[(mode, visit.texts(mode)) for mode in MODES],
        choices=choices,
        prize_rows=ROWS,
        prize_kinds=kind_options(visit),
    )


@signed_in
async def new_game(visit: Visit) -> Response:
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        defaults = {"mode": "MOMENTS", "playCost": "0", "prizes.0.quantity": "1"}
        return _form_page(visit, Form(defaults), choices, None)
    form = Form(await visit.request.form())
    variables = _create_variables(form, visit)
    if not form.errors:
        answer = await visit.run("ConsoleCreateGame", {"input": variables})
        payload = answer.payload("createInstantWinGame")
        form.take(payload["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/games/{payload['game']['id']}", status_code=303)
    return _form_page(visit, form, choices, None, 400)


@signed_in
async def edit_game(visit: Visit) -> Response:
    game_id = visit.request.path_params["id"]
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        answer = await visit.run("ConsoleGame", {"id": game_id, "first": 1, "wonOnly": False})
        if answer.errors:
            return render(visit, "error.html", 404, message=answer.message)
        game = answer.data["instantWinGame"]
        values = {
            name: "" if game.get(name) is None else str(game[name])
            for name in ("name", "mode", "playCost", "winProbability", *LIMITS, "requiredBadgeId")
        }
        values["startsAt"], values["endsAt"] = (
            local_time(game["startsAt"]),
            local_time(game["endsAt"]),
        )
        values.update(prize_values(game["prizes"]))
        return _form_page(visit, Form(values), choices, game_id)
    form = Form(await visit.request.form())
    variables = {"gameId": game_id, "name": form.text("name"), **_limits(form, visit)}
    if not form.errors:
        answer = await visit.run("ConsoleUpdateGame", {"input": variables})
        form.take(answer.payload("updateInstantWinGame")["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/games/{game_id}", status_code=303)
    return _form_page(visit, form, choices, game_id, 400)


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
