"""Contests: the list (paged here: the API answers them all), create (several prize lines, who may
enter, whether one member may win twice), rename or raise the cap, archive, draw now with its
progress, and for a drawn one its public record (as JSON, what `python -m api verify-draw`
checks) and verify.

Verifying fetches the contest's public record through the API, as any member could (its seed,
entry list and winners), and reruns the published winner algorithm on it
(gamification.games.draws.verify, the pure function `python -m api verify-draw` runs): the
console checks the draw with nothing the public does not have."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response

from api.console.choices import Choices, choices_of
from api.console.forms import Form
from api.console.paging import page_of
from api.console.prizes import ROWS, kind_options, prize_fields, read_prizes
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in
from gamification.games.draws import verify

RECORD_PAGE = 10_000
FIELDS = (
    "name",
    "opensAt",
    "closesAt",
    "entryCost",
    "maxEntriesPerMember",
    "minTierRank",
    "requiredBadgeId",
    "allowMultipleWins",
    "prizes",
    *prize_fields(),
)


@signed_in
async def contest_list(visit: Visit) -> Response:
    answer = await visit.run("ConsoleContests")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    page = page_of(visit.request, answer.data["contests"])
    return render(
        visit, "contests.html", contests=page.items, page=page.number, has_next=page.has_next
    )


def _create_variables(form: Form, visit: Visit) -> dict[str, Any]:
    whole = visit.texts("A whole number.")
    return {
        "name": form.text("name"),
        "opensAt": form.time("opensAt") or "",
        "closesAt": form.time("closesAt") or "",
        "entryCost": form.integer("entryCost", whole) or 0,
        "maxEntriesPerMember": form.integer("maxEntriesPerMember", whole) or 1,
        "minTierRank": form.integer("minTierRank", whole),
        "requiredBadgeId": form.optional_text("requiredBadgeId"),
        "allowMultipleWins": form.flag("allowMultipleWins"),
        "prizes": read_prizes(form, visit),
    }


def _form_page(
    visit: Visit, form: Form, contest_id: str | None, choices: Choices, status: int = 200
) -> Response:
    return render(
        visit,
        "contest_form.html",
        status,
        form=form,
        contest_id=contest_id,
        choices=choices,
        prize_rows=ROWS,
        prize_kinds=kind_options(visit),
    )


@signed_in
async def new_contest(visit: Visit) -> Response:
    choices = await choices_of(visit)
    if visit.request.method == "GET":
        defaults = {"entryCost": "0", "maxEntriesPerMember": "1", "prizes.0.quantity": "1"}
        return _form_page(visit, Form(defaults), None, choices)
    form = Form(await visit.request.form())
    variables = _create_variables(form, visit)
    for name in ("opensAt", "closesAt"):
        if not variables[name]:
            form.errors[name] = visit.texts("Required.")
    if not form.errors:
        answer = await visit.run("ConsoleCreateContest", {"input": variables})
        payload = answer.payload("createContest")
        form.take(payload["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/contests/{payload['contest']['id']}", status_code=303)
    return _form_page(visit, form, None, choices, 400)


@signed_in
async def edit_contest(visit: Visit) -> Response:
    contest_id = visit.request.path_params["id"]
    if visit.request.method == "GET":
        answer = await visit.run("ConsoleContest", {"id": contest_id})
        if answer.errors:
            return render(visit, "error.html", 404, message=answer.message)
        contest = answer.data["contest"]
        values = {
            "name": contest["name"],
            "maxEntriesPerMember": str(contest["maxEntriesPerMember"]),
        }
        return _form_page(visit, Form(values), contest_id, Choices([], [], [], []))
    form = Form(await visit.request.form())
    cap = form.integer("maxEntriesPerMember", visit.texts("A whole number."))
    if not form.errors:
        variables = {"contestId": contest_id, "name": form.text("name"), "maxEntriesPerMember": cap}
        answer = await visit.run("ConsoleUpdateContest", {"input": variables})
        form.take(answer.payload("updateContest")["errors"], ("name", "maxEntriesPerMember"))
        if not form.errors:
            return RedirectResponse(f"{PATH}/contests/{contest_id}", status_code=303)
    return _form_page(visit, form, contest_id, Choices([], [], [], []), 400)


async def _contest_page(visit: Visit, contest_id: str, status: int = 200, **extra: Any) -> Response:
    answer = await visit.run("ConsoleContest", {"id": contest_id})
    if answer.errors:
        return render(visit, "error.html", 404, message=answer.message)
    context = {"drawing": visit.request.query_params.get("drawing") == "1", "checks": None}
    context.update(extra)
    return render(visit, "contest.html", status, contest=answer.data["contest"], **context)


@signed_in
async def contest_page(visit: Visit) -> Response:
    return await _contest_page(visit, visit.request.path_params["id"])


@signed_in
async def contest_status(visit: Visit) -> Response:
    """The draw's progress, polled by the page while the worker draws; once drawn, the page
    reloads itself to show the winners (htmx's HX-Refresh)."""
    contest_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleContest", {"id": contest_id})
    if answer.errors:
        return Response(answer.message, status_code=404)
    contest = answer.data["contest"]
    if contest["status"] == "DRAWN":
        return Response(
            visit.texts("Drawn."), headers={"HX-Refresh": "true"}, media_type="text/plain"
        )
    return render(visit, "contest_progress.html", contest=contest)


@signed_in
async def contest_action(visit: Visit) -> Response:
    contest_id = visit.request.path_params["id"]
    action = visit.request.path_params["action"]
    if action == "draw":
        answer = await visit.run("ConsoleDrawContest", {"input": {"contestId": contest_id}})
        errors = answer.payload("drawContest")["errors"]
        if errors:
            return await _contest_page(visit, contest_id, 400, error=errors[0]["message"])
        return RedirectResponse(f"{PATH}/contests/{contest_id}?drawing=1", status_code=303)
    if action == "archive":
        answer = await visit.run("ConsoleArchiveContest", {"input": {"contestId": contest_id}})
        errors = answer.payload("archiveContest")["errors"]
        if errors:
            return await _contest_page(visit, contest_id, 400, error=errors[0]["message"])
        return RedirectResponse(f"{PATH}/contests", status_code=303)
    if action == "verify":
        record = await _record(visit, contest_id)
        if isinstance(record, str):
            return await _contest_page(visit, contest_id, 400, error=record)
        result = verify(record)
        return await _contest_page(visit, contest_id, checks=result)
    return render(visit, "error.html", 404, message=visit.texts("No such action."))


@signed_in
async def draw_record(visit: Visit) -> Response:
    """A drawn contest's public record as a file, for `python -m api verify-draw` anywhere."""
    contest_id = visit.request.path_params["id"]
    record = await _record(visit, contest_id)
    if isinstance(record, str):
        return render(visit, "error.html", 400, message=record)
    disposition = f'attachment; filename="contest-{contest_id}-draw.json"'
    return JSONResponse(record, headers={"Content-Disposition": disposition})


async def _record(visit: Visit, contest_id: str) -> dict[str, Any] | str:
    """The contest's public record, its entry list joined from pages; or why it cannot be had."""
    answer = await visit.run("ConsoleDrawRecord", {"id": contest_id, "first": RECORD_PAGE})
    if answer.errors:
        return answer.message
    record: dict[str, Any] = answer.data["contest"]
    if record["status"] != "DRAWN" or record["entryList"] is None:
        return visit.texts("The contest is not drawn yet.")
    page = record["entryList"]
    while len(page) == RECORD_PAGE:
        variables = {"id": contest_id, "after": page[-1]["id"], "first": RECORD_PAGE}
        more = await visit.run("ConsoleDrawRecordPage", variables)
        if more.errors:
            return more.message
        page = more.data["contest"]["entryList"]
        record["entryList"].extend(page)
    return record
