"""VIP plans: paid memberships that grant a tier for a fixed term. The list (paged here: the
API answers them all; archived ones on demand), create, edit (for later activations: live
memberships keep theirs) and archive."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20
FIELDS = ("name", "tierId", "durationDays", "price")


async def _plans(visit: Visit, archived: bool) -> tuple[list[dict[str, Any]], list[Any]] | str:
    answer = await visit.run("ConsoleMembershipPlans", {"includeArchived": archived})
    if answer.errors:
        return answer.message
    return answer.data["membershipPlans"], answer.data["tiers"]


def page_of(visit: Visit) -> int:
    try:
        return max(int(visit.request.query_params.get("page", "1")), 1)
    except ValueError:
        return 1


@signed_in
async def plan_list(visit: Visit) -> Response:
    archived = visit.request.query_params.get("archived") == "1"
    found = await _plans(visit, archived)
    if isinstance(found, str):
        return render(visit, "error.html", 400, message=found)
    plans, tiers = found
    page = page_of(visit)
    return render(
        visit,
        "membership_plans.html",
        plans=plans[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        tier_names={tier["id"]: tier["name"] for tier in tiers},
        archived=archived,
        page=page,
        has_next=len(plans) > page * PAGE_SIZE,
    )


def _variables(form: Form, visit: Visit) -> dict[str, Any]:
    _ = visit.texts
    variables = {
        "name": form.text("name"),
        "tierId": form.text("tierId"),
        "durationDays": form.integer("durationDays", _("A whole number.")),
        "price": form.decimal("price", _("A decimal number.")) or "0",
    }
    for name in ("tierId", "durationDays"):
        if not variables[name] and name not in form.errors:
            form.errors[name] = _("Required.")
    return variables


async def _form_page(visit: Visit, form: Form, plan_id: str | None, status: int = 200) -> Response:
    found = await _plans(visit, False)
    tiers = [] if isinstance(found, str) else found[1]
    return render(
        visit,
        "membership_plan_form.html",
        status,
        form=form,
        plan_id=plan_id,
        tiers=[(tier["id"], tier["name"]) for tier in tiers],
    )


@signed_in
async def new_plan(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return await _form_page(visit, Form({"durationDays": "365", "price": "0"}), None)
    form = Form(await visit.request.form())
    variables = _variables(form, visit)
    if not form.errors:
        answer = await visit.run("ConsoleCreateMembershipPlan", {"input": variables})
        form.take(answer.payload("createMembershipPlan")["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/vip-plans?saved=1", status_code=303)
    return await _form_page(visit, form, None, 400)


@signed_in
async def edit_plan(visit: Visit) -> Response:
    plan_id = visit.request.path_params["id"]
    if visit.request.method == "GET":
        found = await _plans(visit, True)
        plans = [] if isinstance(found, str) else [p for p in found[0] if p["id"] == plan_id]
        if not plans:
            return render(visit, "error.html", 404, message=visit.texts("No such VIP plan."))
        values = {name: str(plans[0][name]) for name in FIELDS}
        return await _form_page(visit, Form(values), plan_id)
    form = Form(await visit.request.form())
    variables = _variables(form, visit)
    if not form.errors:
        answer = await visit.run(
            "ConsoleUpdateMembershipPlan", {"input": {"planId": plan_id, **variables}}
        )
        form.take(answer.payload("updateMembershipPlan")["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/vip-plans?saved=1", status_code=303)
    return await _form_page(visit, form, plan_id, 400)


@signed_in
async def archive_plan(visit: Visit) -> Response:
    plan_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveMembershipPlan", {"input": {"planId": plan_id}})
    errors = answer.payload("archiveMembershipPlan")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/vip-plans?saved=1", status_code=303)
