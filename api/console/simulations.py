"""Campaign simulations: the list, a form for a draft (a multiplier on a category or a SKU
over the window, a tier threshold), the job's progress bar, the report, two side by side, and
the CSV (the API's /exports/simulations/<id>.csv)."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

FIELDS = (
    "name",
    "startsAt",
    "endsAt",
    "rules.0.category",
    "rules.0.sku",
    "rules.0.multiplier",
    "tiers.0.tierId",
    "tiers.0.qualifyingThreshold",
)
RUNNING = ("QUEUED", "RUNNING")


async def _list(visit: Visit) -> dict[str, Any] | Response:
    answer = await visit.run("ConsoleSimulations")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    return dict(answer.data)


@signed_in
async def simulation_list(visit: Visit) -> Response:
    data = await _list(visit)
    if isinstance(data, Response):
        return data
    simulations = [edge["node"] for edge in data["simulations"]["edges"]]
    return render(visit, "simulations.html", simulations=simulations)


def _variables(form: Form, visit: Visit) -> dict[str, Any]:
    """The draft the form describes: one rule over the whole window (a campaign on a category,
    or a product rule on a SKU), and one tier's threshold; each part only when filled in."""
    starts_at, ends_at = form.time("startsAt") or "", form.time("endsAt") or ""
    variables: dict[str, Any] = {"name": form.text("name"), "startsAt": starts_at}
    variables["endsAt"] = ends_at
    category, sku = form.optional_text("rules.0.category"), form.optional_text("rules.0.sku")
    multiplier = form.optional_text("rules.0.multiplier")
    if category or sku or multiplier:
        rule: dict[str, Any] = {
            "name": form.text("name") or "Draft",
            "multiplier": multiplier,
            "startsAt": starts_at or None,
            "endsAt": ends_at or None,
        }
        if sku:
            # A product rule above the live ones, so the SKU's lines take it.
            rule.update(kind="PRODUCT", sku=sku, priority=1000)
        else:
            rule.update(kind="CAMPAIGN", category=category)
        variables["rules"] = [rule]
    threshold = form.integer("tiers.0.qualifyingThreshold", visit.texts("A whole number."))
    tier_id = form.optional_text("tiers.0.tierId")
    if tier_id and threshold is not None:
        variables["tiers"] = [{"tierId": tier_id, "qualifyingThreshold": threshold}]
    return variables


@signed_in
async def new_simulation(visit: Visit) -> Response:
    data = await _list(visit)
    if isinstance(data, Response):
        return data
    tiers = data["tiers"]
    if visit.request.method == "GET":
        return render(visit, "simulation_form.html", form=Form({}), tiers=tiers)
    form = Form(await visit.request.form())
    variables = _variables(form, visit)
    for name in ("name", "startsAt", "endsAt"):
        if not variables[name]:
            form.errors[name] = visit.texts("Required.")
    if not form.errors:
        answer = await visit.run("ConsoleSimulateCampaign", {"input": variables})
        payload = answer.payload("simulateCampaign")
        # A rule's own errors name its fields inside the draft (rules.0.multiplier).
        form.take(payload["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(
                f"{PATH}/simulations/{payload['simulation']['id']}", status_code=303
            )
    return render(visit, "simulation_form.html", 400, form=form, tiers=tiers)


async def _one(visit: Visit, simulation_id: str) -> dict[str, Any] | None:
    answer = await visit.run("ConsoleSimulation", {"id": simulation_id})
    if answer.errors:
        return None
    found = answer.data["simulation"]
    return dict(found) if found else None


@signed_in
async def simulation_page(visit: Visit) -> Response:
    simulation = await _one(visit, str(visit.request.path_params["id"]))
    if simulation is None:
        return render(visit, "error.html", 404, message=visit.texts("No such simulation."))
    return render(
        visit, "simulation.html", simulation=simulation, running=simulation["status"] in RUNNING
    )


@signed_in
async def simulation_status(visit: Visit) -> Response:
    """The bar, polled by the page while the worker replays; once finished, the page reloads
    itself to show the report (htmx's HX-Refresh)."""
    simulation = await _one(visit, str(visit.request.path_params["id"]))
    if simulation is None:
        return Response(visit.texts("No such simulation."), status_code=404)
    if simulation["status"] not in RUNNING:
        return Response(
            visit.texts("Finished."), headers={"HX-Refresh": "true"}, media_type="text/plain"
        )
    return render(visit, "simulation_progress.html", simulation=simulation)


@signed_in
async def cancel_simulation(visit: Visit) -> Response:
    simulation_id = str(visit.request.path_params["id"])
    answer = await visit.run("ConsoleCancelSimulation", {"input": {"simulationId": simulation_id}})
    errors = answer.payload("cancelSimulation")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/simulations/{simulation_id}", status_code=303)


@signed_in
async def compare(visit: Visit) -> Response:
    """Two simulations side by side: `a` and `b`."""
    params = visit.request.query_params
    pair = [await _one(visit, params.get(key, "")) for key in ("a", "b")]
    if pair[0] is None or pair[1] is None:
        return render(visit, "error.html", 404, message=visit.texts("No such simulation."))
    return render(visit, "simulation_compare.html", pair=pair)


@signed_in
async def simulation_csv(visit: Visit) -> Response:
    simulation_id = str(visit.request.path_params["id"])
    answer = await visit.gateway.get(f"/exports/simulations/{simulation_id}.csv", {})
    if answer.status_code != 200:
        return render(visit, "error.html", answer.status_code, message=answer.text)
    return Response(
        answer.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="simulation-{simulation_id}.csv"'},
    )
