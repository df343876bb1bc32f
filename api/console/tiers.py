"""Tiers: the ladder (lowest rank first, archived ones on demand), a new tier, a tier's edit
form and retiring one."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console import translated_fields
from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

FIELDS = ("name", "rank", "qualifyingThreshold", "earningMultiplier", "perks")


async def _tiers(visit: Visit, archived: bool) -> list[dict[str, Any]] | str:
    answer = await visit.run("ConsoleTiers", {"includeArchived": archived})
    if answer.errors:
        return answer.message
    tiers: list[dict[str, Any]] = answer.data["tiers"]
    return tiers


@signed_in
async def tier_list(visit: Visit) -> Response:
    archived = visit.request.query_params.get("archived") == "1"
    tiers = await _tiers(visit, archived)
    if isinstance(tiers, str):
        return render(visit, "error.html", 400, message=tiers)
    return render(visit, "tiers.html", tiers=tiers, archived=archived)


def _variables(form: Form, visit: Visit) -> dict[str, Any]:
    whole = visit.texts("A whole number.")
    return {
        "name": form.text("name"),
        "rank": form.integer("rank", whole),
        "qualifyingThreshold": form.integer("qualifyingThreshold", whole) or 0,
        "earningMultiplier": form.text("earningMultiplier") or "1",
        "perks": form.text("perks"),
        # A translation's description is the tier's perks in that language.
        "translations": translated_fields.read(form),
    }


def _form_page(visit: Visit, form: Form, tier_id: str | None, status: int = 200) -> Response:
    return render(
        visit,
        "tier_form.html",
        status,
        form=form,
        tier_id=tier_id,
        languages=translated_fields.languages(visit),
    )


@signed_in
async def new_tier(visit: Visit) -> Response:
    if visit.request.method == "GET":
        defaults = {"qualifyingThreshold": "0", "earningMultiplier": "1"}
        return _form_page(visit, Form(defaults), None)
    form = Form(await visit.request.form())
    variables = _variables(form, visit)
    if variables["rank"] is None and "rank" not in form.errors:
        form.errors["rank"] = visit.texts("Required.")
    if not form.errors:
        answer = await visit.run("ConsoleCreateTier", {"input": variables})
        errors = answer.payload("createTier")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/tiers?saved=1", status_code=303)
    return _form_page(visit, form, None, 400)


@signed_in
async def edit_tier(visit: Visit) -> Response:
    tier_id = visit.request.path_params["id"]
    if visit.request.method == "GET":
        tiers = await _tiers(visit, True)
        found = [tier for tier in tiers if tier["id"] == tier_id] if isinstance(tiers, list) else []
        if not found:
            return render(visit, "error.html", 404, message=visit.texts("No such tier."))
        values = {name: str(found[0][name]) for name in FIELDS}
        values.update(translated_fields.prefilled(found[0]["translations"]))
        return _form_page(visit, Form(values), tier_id)
    form = Form(await visit.request.form())
    variables = _variables(form, visit)
    if not form.errors:
        answer = await visit.run("ConsoleUpdateTier", {"input": {"tierId": tier_id, **variables}})
        errors = answer.payload("updateTier")["errors"]
        translated_fields.take(form, variables["translations"], errors, FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/tiers?saved=1", status_code=303)
    return _form_page(visit, form, tier_id, 400)


@signed_in
async def archive_tier(visit: Visit) -> Response:
    tier_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveTier", {"input": {"tierId": tier_id}})
    errors = answer.payload("archiveTier")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/tiers?saved=1", status_code=303)
