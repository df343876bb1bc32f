"""The rewards catalog: the list (paged, archived ones on demand), create, edit and archive.
The form shows the fields of the kind chosen: a donation's amount only for DONATION, a code's
validity and what an expired code gives back for the others (the stylesheet hides the rest, so
it works without scripts); the limits (ever, and per rolling period) and who may redeem (a
minimum tier, a badge held)."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console import translated_fields
from api.console.choices import Choices, choices_of
from api.console.forms import Form, local_time
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20
KINDS = ("MERCHANDISE", "EXPERIENCE", "VOUCHER", "DONATION")
FIELDS = (
    "name",
    "kind",
    "pointsCost",
    "description",
    "stock",
    "limitPerMember",
    "limitPerPeriod",
    "limitPeriodDays",
    "startsAt",
    "endsAt",
    "minimumTierId",
    "requiredBadgeId",
    "imageUrl",
    "redemptionValidityDays",
    "refundOnExpiry",
    "donationAmount",
)


@signed_in
async def reward_list(visit: Visit) -> Response:
    params = visit.request.query_params
    archived = params.get("archived") == "1"
    answer = await visit.run(
        "ConsoleRewards",
        {"first": PAGE_SIZE, "after": params.get("after") or None, "includeArchived": archived},
    )
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    page = answer.data["catalogRewards"]
    return render(
        visit,
        "rewards.html",
        rewards=[edge["node"] for edge in page["edges"]],
        page_info=page["pageInfo"],
        archived=archived,
        paged=bool(params.get("after")),
    )


def _variables(form: Form, visit: Visit, creating: bool) -> dict[str, Any]:
    _ = visit.texts
    whole = _("A whole number.")
    kind = form.text("kind")
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "kind": kind if kind in KINDS else "MERCHANDISE",
        "pointsCost": form.integer("pointsCost", whole),
        "description": form.text("description"),
        "limitPerMember": form.integer("limitPerMember", whole),
        "limitPerPeriod": form.integer("limitPerPeriod", whole),
        "limitPeriodDays": form.integer("limitPeriodDays", whole),
        "startsAt": form.time("startsAt"),
        "endsAt": form.time("endsAt"),
        "minimumTierId": form.optional_text("minimumTierId"),
        "requiredBadgeId": form.optional_text("requiredBadgeId"),
        "imageUrl": form.optional_text("imageUrl"),
    }
    if kind == "DONATION":
        variables["donationAmount"] = form.optional_text("donationAmount")
    else:
        variables["redemptionValidityDays"] = form.integer("redemptionValidityDays", whole)
        variables["refundOnExpiry"] = form.flag("refundOnExpiry")
    variables["translations"] = translated_fields.read(form)
    if creating:
        variables["stock"] = form.integer("stock", whole)
    if variables["pointsCost"] is None and "pointsCost" not in form.errors:
        form.errors["pointsCost"] = _("Required.")
    return variables


def _form_page(
    visit: Visit, form: Form, reward_id: str | None, choices: Choices, status: int = 200
) -> Response:
    return render(
        visit,
        "reward_form.html",
        status,
        form=form,
        reward_id=reward_id,
        kinds=[(kind, visit.texts(kind)) for kind in KINDS],
        choices=choices,
        languages=translated_fields.languages(visit),
    )


@signed_in
async def new_reward(visit: Visit) -> Response:
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        return _form_page(visit, Form({"kind": "MERCHANDISE"}), None, choices)
    form = Form(await visit.request.form())
    variables = _variables(form, visit, creating=True)
    if not form.errors:
        answer = await visit.run("ConsoleCreateReward", {"input": variables})
        payload = answer.payload("createReward")
        translated_fields.take(form, variables["translations"], payload["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/rewards?created=1", status_code=303)
    return _form_page(visit, form, None, choices, 400)


@signed_in
async def edit_reward(visit: Visit) -> Response:
    reward_id = visit.request.path_params["id"]
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        answer = await visit.run("ConsoleReward", {"id": reward_id})
        if answer.errors:
            return render(visit, "error.html", 404, message=answer.message)
        reward = answer.data["catalogReward"]
        values = {key: "" if reward.get(key) is None else str(reward[key]) for key in FIELDS}
        values["startsAt"] = local_time(reward["startsAt"])
        values["endsAt"] = local_time(reward["endsAt"])
        values["refundOnExpiry"] = "on" if reward["refundOnExpiry"] else ""
        values.update(translated_fields.prefilled(reward["translations"]))
        return _form_page(visit, Form(values), reward_id, choices)
    form = Form(await visit.request.form())
    variables = _variables(form, visit, creating=False)
    if not form.errors:
        answer = await visit.run(
            "ConsoleUpdateReward", {"input": {"rewardId": reward_id, **variables}}
        )
        errors = answer.payload("updateReward")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/rewards?updated=1", status_code=303)
    return _form_page(visit, form, reward_id, choices, 400)


@signed_in
async def archive_reward(visit: Visit) -> Response:
    reward_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveReward", {"input": {"rewardId": reward_id}})
    errors = answer.payload("archiveReward")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/rewards?archived_one=1", status_code=303)
