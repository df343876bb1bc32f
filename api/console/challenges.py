"""Challenges: the list (paged here: the API answers them all, archived ones left out) with
each one's participants and, for a collective one, the community's total against its target;
create, edit (an active one) and archive. The form shows only the fields of the metric chosen
(the stylesheet hides the others) and says what the target means for the kind chosen: per
member for an individual challenge, the community's total for a collective one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console import translated_fields
from api.console.forms import Form, local_time
from api.console.paging import page_of
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

KINDS = ("INDIVIDUAL", "COLLECTIVE")
METRICS = ("PURCHASES", "SPEND", "QUANTITY", "POINTS_EARNED", "REFERRALS", "ACTIONS")
ENROLMENTS = ("OPT_IN", "AUTOMATIC")
# The fields each metric uses, as CreateChallengeInput says.
METRIC_FIELDS = {"QUANTITY": ("sku", "category"), "ACTIONS": ("action",)}
FIELDS = ("name", "kind", "metric", "enrolment", "description", "target", "startsAt", "endsAt")
FIELDS += ("sku", "category", "action", "minTierRank", "rewardPoints", "rewardBadgeId")
FIELDS += ("maxParticipants",)


def metrics_of(field: str) -> str:
    return " ".join(metric for metric, names in METRIC_FIELDS.items() if field in names)


def share(progress: str, target: str) -> int:
    """How far the community is towards the target, in whole percent (at most 100)."""
    goal = Decimal(target)
    return min(100, int(Decimal(progress) * 100 / goal)) if goal > 0 else 0


async def _challenges(visit: Visit) -> tuple[list[dict[str, Any]], list[Any]] | str:
    answer = await visit.run("ConsoleChallenges")
    if answer.errors:
        return answer.message
    return answer.data["challenges"], answer.data["badges"]


@signed_in
async def challenge_list(visit: Visit) -> Response:
    found = await _challenges(visit)
    if isinstance(found, str):
        return render(visit, "error.html", 400, message=found)
    page = page_of(visit.request, found[0])
    return render(
        visit,
        "challenges.html",
        challenges=page.items,
        share=share,
        page=page.number,
        has_next=page.has_next,
    )


def _variables(form: Form, visit: Visit, metric: str, creating: bool) -> dict[str, Any]:
    _ = visit.texts
    whole = _("A whole number.")
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "description": form.text("description"),
        "target": form.decimal("target", _("A number.")),
        "startsAt": form.time("startsAt"),
        "endsAt": form.time("endsAt"),
        "minTierRank": form.integer("minTierRank", whole),
        "rewardPoints": form.integer("rewardPoints", whole) or 0,
        "rewardBadgeId": form.optional_text("rewardBadgeId"),
        "maxParticipants": form.integer("maxParticipants", whole),
        "translations": translated_fields.read(form),
    }
    if creating:
        kind, enrolment = form.text("kind"), form.text("enrolment")
        variables["kind"] = kind if kind in KINDS else "INDIVIDUAL"
        variables["enrolment"] = enrolment if enrolment in ENROLMENTS else "OPT_IN"
        variables["metric"] = metric
        for name in METRIC_FIELDS.get(metric, ()):
            variables[name] = form.optional_text(name)
        for name in ("target", "startsAt", "endsAt"):
            if variables[name] is None and name not in form.errors:
                form.errors[name] = _("Required.")
    return variables


def _form_page(
    visit: Visit, form: Form, challenge_id: str | None, badges: list[Any], status: int = 200
) -> Response:
    _ = visit.texts
    return render(
        visit,
        "challenge_form.html",
        status,
        form=form,
        challenge_id=challenge_id,
        metrics_of=metrics_of,
        kinds=[(kind, _(kind)) for kind in KINDS],
        metrics=[(metric, _(metric)) for metric in METRICS],
        enrolments=[(enrolment, _(enrolment)) for enrolment in ENROLMENTS],
        badges=[("", _("No badge"))] + [(badge["id"], badge["name"]) for badge in badges],
        languages=translated_fields.languages(visit),
    )


@signed_in
async def new_challenge(visit: Visit) -> Response:
    found = await _challenges(visit)
    badges = [] if isinstance(found, str) else found[1]
    if visit.request.method == "GET":
        defaults = {"kind": "INDIVIDUAL", "metric": "PURCHASES", "rewardPoints": "0"}
        return _form_page(visit, Form(defaults), None, badges)
    form = Form(await visit.request.form())
    metric = form.text("metric") if form.text("metric") in METRICS else "PURCHASES"
    variables = _variables(form, visit, metric, creating=True)
    if not form.errors:
        answer = await visit.run("ConsoleCreateChallenge", {"input": variables})
        errors = answer.payload("createChallenge")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/challenges?saved=1", status_code=303)
    return _form_page(visit, form, None, badges, 400)


@signed_in
async def edit_challenge(visit: Visit) -> Response:
    challenge_id = visit.request.path_params["id"]
    found = await _challenges(visit)
    challenges, badges = ([], []) if isinstance(found, str) else found
    matching = [c for c in challenges if c["id"] == challenge_id]
    if not matching:
        return render(visit, "error.html", 404, message=visit.texts("No such challenge."))
    challenge = matching[0]
    if visit.request.method == "GET":
        values = {key: "" if challenge.get(key) is None else str(challenge[key]) for key in FIELDS}
        values["startsAt"] = local_time(challenge["startsAt"])
        values["endsAt"] = local_time(challenge["endsAt"])
        values.update(translated_fields.prefilled(challenge["translations"]))
        return _form_page(visit, Form(values), challenge_id, badges)
    fixed = {name: challenge[name] for name in ("kind", "metric", "enrolment")}
    form = Form({**dict(await visit.request.form()), **fixed})
    variables = _variables(form, visit, challenge["metric"], creating=False)
    if not form.errors:
        answer = await visit.run(
            "ConsoleUpdateChallenge", {"input": {"challengeId": challenge_id, **variables}}
        )
        errors = answer.payload("updateChallenge")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/challenges?saved=1", status_code=303)
    return _form_page(visit, form, challenge_id, badges, 400)


@signed_in
async def archive_challenge(visit: Visit) -> Response:
    challenge_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveChallenge", {"input": {"challengeId": challenge_id}})
    errors = answer.payload("archiveChallenge")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/challenges?saved=1", status_code=303)
