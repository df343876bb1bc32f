"""Auctions and action types: where each auction stands (price, bids, end, reserve) and what each
action earns within which limits (any staff); create, edit and archive them (MANAGER).

Each form shows the fields of its kind: an auction's reward for a REWARD prize, its prize's
name for a physical one; an action type's check-in code only when members report it
themselves. After creation the API lets an auction change only its name, description and
anti-sniping extension, so its edit form has those alone."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console import translated_fields
from api.console.choices import Choices, choices_of
from api.console.forms import Form, local_time
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20
PRIZE_KINDS = ("PRIZE", "REWARD")
AUCTION_NUMBERS = ("startingBid", "quantity", "minIncrement", "reserve", "extensionMinutes")
AUCTION_FIELDS = (
    "name",
    "description",
    "prizeKind",
    "prizeName",
    "rewardId",
    "startsAt",
    "endsAt",
    *AUCTION_NUMBERS,
    "minTierRank",
    "requiredBadgeId",
)
ACTION_LIMITS = ("perDay", "perWeek", "lifetime", "cooldownMinutes", "minTierRank")
ACTION_FIELDS = (
    "code",
    "name",
    "points",
    *ACTION_LIMITS,
    "startsAt",
    "endsAt",
    "selfService",
    "checkInCode",
)
NAME_ONLY = ("name",)  # an action type has no description


def _page_of(visit: Visit, everything: list[dict[str, Any]]) -> dict[str, Any]:
    """A page of a list the API answers whole."""
    try:
        page = max(int(visit.request.query_params.get("page", "1")), 1)
    except ValueError:
        page = 1
    return {
        "page": page,
        "shown": everything[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "has_next": len(everything) > page * PAGE_SIZE,
    }


@signed_in
async def auction_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleAuctions")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    paged = _page_of(visit, answer.data["auctions"])
    return render(
        visit,
        "auctions.html",
        auctions=paged["shown"],
        page=paged["page"],
        has_next=paged["has_next"],
    )


def _auction_variables(form: Form, visit: Visit) -> dict[str, Any]:
    whole = visit.texts("A whole number.")
    kind = form.text("prizeKind")
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "description": form.text("description"),
        "prizeKind": kind if kind in PRIZE_KINDS else "PRIZE",
        "startsAt": form.time("startsAt") or "",
        "endsAt": form.time("endsAt") or "",
        "minTierRank": form.integer("minTierRank", whole),
        "requiredBadgeId": form.optional_text("requiredBadgeId"),
    }
    for name in AUCTION_NUMBERS:
        number = form.integer(name, whole)
        if number is not None or name == "reserve":
            variables[name] = number
    if variables.get("startingBid") is None and "startingBid" not in form.errors:
        form.errors["startingBid"] = visit.texts("Required.")
        variables.pop("startingBid", None)
    if variables["prizeKind"] == "REWARD":
        variables["rewardId"] = form.optional_text("rewardId")
    else:
        variables["prizeName"] = form.optional_text("prizeName")
    for name in ("startsAt", "endsAt"):
        if not variables[name]:
            form.errors[name] = visit.texts("Required.")
    return variables


def _auction_form(
    visit: Visit, form: Form, choices: Choices, auction_id: str | None, status: int = 200
) -> Response:
    kinds = [
        ("PRIZE", visit.texts("A physical prize")),
        ("REWARD", visit.texts("A reward of the catalog")),
    ]
    return render(
        visit,
        "auction_form.html",
        status,
        form=form,
        auction_id=auction_id,
        kinds=kinds,
        choices=choices,
    )


@signed_in
async def new_auction(visit: Visit) -> Response:
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        defaults = {
            "prizeKind": "PRIZE",
            "quantity": "1",
            "minIncrement": "1",
            "extensionMinutes": "0",
        }
        return _auction_form(visit, Form(defaults), choices, None)
    form = Form(await visit.request.form())
    variables = _auction_variables(form, visit)
    if not form.errors:
        answer = await visit.run("ConsoleCreateAuction", {"input": variables})
        form.take(answer.payload("createAuction")["errors"], AUCTION_FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/auctions?created=1", status_code=303)
    return _auction_form(visit, form, choices, None, 400)


@signed_in
async def edit_auction(visit: Visit) -> Response:
    auction_id = visit.request.path_params["id"]
    choices = Choices([], [], [], [])
    if visit.request.method == "GET":
        answer = await visit.run("ConsoleAuction", {"id": auction_id})
        if answer.errors:
            return render(visit, "error.html", 404, message=answer.message)
        auction = answer.data["auction"]
        values = {
            "name": auction["name"],
            "description": auction["description"],
            "extensionMinutes": str(auction["extensionMinutes"]),
        }
        return _auction_form(visit, Form(values), choices, auction_id)
    form = Form(await visit.request.form())
    variables: dict[str, Any] = {
        "auctionId": auction_id,
        "name": form.text("name"),
        "description": form.text("description"),
        "extensionMinutes": form.integer("extensionMinutes", visit.texts("A whole number.")),
    }
    if not form.errors:
        answer = await visit.run("ConsoleUpdateAuction", {"input": variables})
        form.take(answer.payload("updateAuction")["errors"], AUCTION_FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/auctions?updated=1", status_code=303)
    return _auction_form(visit, form, choices, auction_id, 400)


@signed_in
async def archive_auction(visit: Visit) -> Response:
    auction_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveAuction", {"input": {"auctionId": auction_id}})
    errors = answer.payload("archiveAuction")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/auctions?archived_one=1", status_code=303)


@signed_in
async def action_type_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleActionTypes")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    paged = _page_of(visit, answer.data["actionTypes"])
    return render(
        visit,
        "action_types.html",
        action_types=paged["shown"],
        page=paged["page"],
        has_next=paged["has_next"],
    )


def _action_variables(form: Form, visit: Visit, creating: bool) -> dict[str, Any]:
    whole = visit.texts("A whole number.")
    self_service = form.flag("selfService")
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "points": form.integer("points", whole),
        **{name: form.integer(name, whole) for name in ACTION_LIMITS},
        "startsAt": form.time("startsAt"),
        "endsAt": form.time("endsAt"),
        "selfService": self_service,
        "checkInCode": form.optional_text("checkInCode") if self_service else None,
        "translations": translated_fields.read(form, NAME_ONLY),
    }
    if creating:
        variables["code"] = form.text("code")
    if variables["points"] is None and "points" not in form.errors:
        form.errors["points"] = visit.texts("Required.")
    return variables


def _action_form(
    visit: Visit, form: Form, choices: Choices, action_id: str | None, status: int = 200
) -> Response:
    return render(
        visit,
        "action_type_form.html",
        status,
        form=form,
        action_id=action_id,
        choices=choices,
        languages=translated_fields.languages(visit),
    )


@signed_in
async def new_action_type(visit: Visit) -> Response:
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        return _action_form(visit, Form({"points": "0"}), choices, None)
    form = Form(await visit.request.form())
    variables = _action_variables(form, visit, creating=True)
    if not form.errors:
        answer = await visit.run("ConsoleCreateActionType", {"input": variables})
        errors = answer.payload("createActionType")["errors"]
        translated_fields.take(form, variables["translations"], errors, ACTION_FIELDS, NAME_ONLY)
        if not form.errors:
            return RedirectResponse(f"{PATH}/actions?created=1", status_code=303)
    return _action_form(visit, form, choices, None, 400)


@signed_in
async def edit_action_type(visit: Visit) -> Response:
    action_id = visit.request.path_params["id"]
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        # The API has no query for one action type: it answers the program's few whole.
        answer = await visit.run("ConsoleActionTypes")
        found = [a for a in (answer.data or {}).get("actionTypes", []) if a["id"] == action_id]
        if answer.errors or not found:
            return render(visit, "error.html", 404, message=visit.texts("No such action."))
        action = found[0]
        values = {
            name: "" if action.get(name) is None else str(action[name])
            for name in ("code", "name", "points", *ACTION_LIMITS, "checkInCode")
        }
        values["startsAt"], values["endsAt"] = (
            local_time(action["startsAt"]),
            local_time(action["endsAt"]),
        )
        values["selfService"] = "on" if action["selfService"] else ""
        values.update(translated_fields.prefilled(action["translations"], NAME_ONLY))
        return _action_form(visit, Form(values), choices, action_id)
    form = Form(await visit.request.form())
    variables = _action_variables(form, visit, creating=False)
    if not form.errors:
        answer = await visit.run(
            "ConsoleUpdateActionType", {"input": {"actionTypeId": action_id, **variables}}
        )
        errors = answer.payload("updateActionType")["errors"]
        translated_fields.take(form, variables["translations"], errors, ACTION_FIELDS, NAME_ONLY)
        if not form.errors:
            return RedirectResponse(f"{PATH}/actions?updated=1", status_code=303)
    return _action_form(visit, form, choices, action_id, 400)


@signed_in
async def archive_action_type(visit: Visit) -> Response:
    action_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveActionType", {"input": {"actionTypeId": action_id}})
    errors = answer.payload("archiveActionType")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/actions?archived_one=1", status_code=303)
