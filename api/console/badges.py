"""Badges: the list (paged here: the API answers every active badge), create, edit and
archive. The form shows only the criteria fields of the kind chosen (the stylesheet hides the
others) and sends only those. The API has no count of a badge's holders yet, so the list has
none."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console import translated_fields
from api.console.forms import Form, local_time
from api.console.paging import page_of
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in
from api.console.webhooks import EVENT_TYPES

LEVELS = 3
CRITERIA = (
    "EVENT_COUNT",
    "SPEND",
    "POINTS_EARNED",
    "PRODUCT_QUANTITY",
    "WEEKLY_STREAK",
    "TIER_REACHED",
    "CHALLENGES_COMPLETED",
    "REFERRALS_QUALIFIED",
    "MANUAL",
)
# The criteria fields each kind uses, as CreateBadgeInput says.
CRITERIA_FIELDS = {
    "EVENT_COUNT": ("eventType", "action"),
    "WEEKLY_STREAK": ("eventType",),
    "PRODUCT_QUANTITY": ("sku", "category"),
}
FIELDS = ("name", "criteria", "description", "iconUrl", "eventType", "action", "sku", "category")
FIELDS += ("thresholds", "points", "hidden", "startsAt", "endsAt")
FIELDS += tuple(f"thresholds.{level}" for level in range(LEVELS))


def criteria_of(field: str) -> str:
    """The criteria that use `field`, for the form's `data-criteria`."""
    if field == "thresholds":
        return " ".join(kind for kind in CRITERIA if kind != "MANUAL")
    return " ".join(kind for kind, names in CRITERIA_FIELDS.items() if field in names)


async def _badges(visit: Visit) -> list[dict[str, Any]] | str:
    answer = await visit.run("ConsoleBadges")
    if answer.errors:
        return answer.message
    badges: list[dict[str, Any]] = answer.data["badges"]
    return badges


@signed_in
async def badge_list(visit: Visit) -> Response:
    badges = await _badges(visit)
    if isinstance(badges, str):
        return render(visit, "error.html", 400, message=badges)
    page = page_of(visit.request, badges)
    return render(visit, "badges.html", badges=page.items, page=page.number, has_next=page.has_next)


def _variables(form: Form, visit: Visit, criteria: str, creating: bool) -> dict[str, Any]:
    _ = visit.texts
    whole = _("A whole number.")
    thresholds = []
    for level in range(LEVELS):
        value = form.decimal(f"thresholds.{level}", _("A number."))
        if value is not None:
            thresholds.append(value)
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "description": form.text("description"),
        "iconUrl": form.text("iconUrl"),
        "points": form.integer("points", whole) or 0,
        "hidden": form.flag("hidden"),
        "startsAt": form.time("startsAt"),
        "endsAt": form.time("endsAt"),
        "translations": translated_fields.read(form),
    }
    if criteria != "MANUAL" and (creating or thresholds):
        variables["thresholds"] = thresholds
    if creating:
        variables["criteria"] = criteria
        for name in CRITERIA_FIELDS.get(criteria, ()):
            variables[name] = form.optional_text(name)
    return variables


def _form_page(visit: Visit, form: Form, badge_id: str | None, status: int = 200) -> Response:
    return render(
        visit,
        "badge_form.html",
        status,
        form=form,
        badge_id=badge_id,
        criteria_of=criteria_of,
        criteria=[(kind, visit.texts(kind)) for kind in CRITERIA],
        event_types=[("", "—")] + [(name, name) for name in EVENT_TYPES],
        levels=[
            (level, visit.texts(name)) for level, name in enumerate(("Bronze", "Silver", "Gold"))
        ],
        languages=translated_fields.languages(visit),
    )


@signed_in
async def new_badge(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return _form_page(visit, Form({"criteria": "EVENT_COUNT", "points": "0"}), None)
    form = Form(await visit.request.form())
    criteria = form.text("criteria") if form.text("criteria") in CRITERIA else "EVENT_COUNT"
    variables = _variables(form, visit, criteria, creating=True)
    if not form.errors:
        answer = await visit.run("ConsoleCreateBadge", {"input": variables})
        errors = answer.payload("createBadge")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/badges?saved=1", status_code=303)
    return _form_page(visit, form, None, 400)


@signed_in
async def edit_badge(visit: Visit) -> Response:
    badge_id = visit.request.path_params["id"]
    badges = await _badges(visit)
    found = [] if isinstance(badges, str) else [b for b in badges if b["id"] == badge_id]
    if not found:
        return render(visit, "error.html", 404, message=visit.texts("No such badge."))
    badge = found[0]
    if visit.request.method == "GET":
        values = {key: "" if badge.get(key) is None else str(badge[key]) for key in FIELDS}
        for level, threshold in enumerate(badge["thresholds"]):
            values[f"thresholds.{level}"] = str(threshold)
        values["hidden"] = "on" if badge["hidden"] else ""
        values["startsAt"] = local_time(badge["startsAt"])
        values["endsAt"] = local_time(badge["endsAt"])
        values.update(translated_fields.prefilled(badge["translations"]))
        return _form_page(visit, Form(values), badge_id)
    form = Form({**dict(await visit.request.form()), "criteria": badge["criteria"]})
    variables = _variables(form, visit, badge["criteria"], creating=False)
    if not form.errors:
        answer = await visit.run(
            "ConsoleUpdateBadge", {"input": {"badgeId": badge_id, **variables}}
        )
        errors = answer.payload("updateBadge")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/badges?saved=1", status_code=303)
    return _form_page(visit, form, badge_id, 400)


@signed_in
async def archive_badge(visit: Visit) -> Response:
    badge_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveBadge", {"input": {"badgeId": badge_id}})
    errors = answer.payload("archiveBadge")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/badges?saved=1", status_code=303)
