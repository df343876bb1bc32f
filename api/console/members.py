"""Members: search and filters, a member's page, and what staff do to a member (adjust points,
block, unblock, export their data, erase), plus the CSV export of the list as filtered."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20
SEGMENTS = (
    "CHAMPIONS",
    "LOYAL",
    "POTENTIAL_LOYALIST",
    "NEW",
    "PROMISING",
    "NEEDS_ATTENTION",
    "AT_RISK",
    "HIBERNATING",
    "INACTIVE",
)
FILTERS = ("text", "tierId", "segment", "blocked")


def _filter(params: dict[str, str]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    if params.get("text"):
        chosen["text"] = params["text"]
    if params.get("tierId"):
        chosen["tierId"] = params["tierId"]
    if params.get("segment") in SEGMENTS:
        chosen["segment"] = params["segment"]
    if params.get("blocked") in ("true", "false"):
        chosen["blocked"] = params["blocked"] == "true"
    return chosen


@signed_in
async def member_list(visit: Visit) -> Response:
    params = {key: visit.request.query_params.get(key, "") for key in FILTERS}
    after = visit.request.query_params.get("after") or None
    answer = await visit.run(
        "ConsoleMembers", {"filter": _filter(params), "first": PAGE_SIZE, "after": after}
    )
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    page = answer.data["members"]
    query = {key: value for key, value in params.items() if value}
    return render(
        visit,
        "members.html",
        params=params,
        members=[edge["node"] for edge in page["edges"]],
        page_info=page["pageInfo"],
        tiers=answer.data["tiers"],
        segments=SEGMENTS,
        query=query,
        paged=after is not None,
    )


@signed_in
async def members_csv(visit: Visit) -> Response:
    params = {k: v for k in FILTERS if (v := visit.request.query_params.get(k, ""))}
    answer = await visit.gateway.get("/exports/members.csv", params)
    if answer.status_code != 200:
        return render(visit, "error.html", answer.status_code, message=answer.text)
    # The API's export streams; in process it arrives whole, then goes to the browser.
    return Response(
        answer.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )


@signed_in
async def member_data(visit: Visit) -> Response:
    """Everything held about the member (ADMIN), as the JSON file the API answers."""
    member_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleMemberData", {"id": member_id})
    if answer.errors:
        return render(
            visit, "error.html", 403 if answer.code == "FORBIDDEN" else 404, message=answer.message
        )
    return Response(
        orjson.dumps(answer.data["memberData"], option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="member-{member_id}.json"',
            "Cache-Control": "no-store",
        },
    )


async def _member_page(
    visit: Visit, member_id: str, status: int = 200, forms: dict[str, Form] | None = None
) -> Response:
    answer = await visit.run("ConsoleMember", {"id": member_id})
    if answer.errors:
        return render(visit, "error.html", 404, message=answer.message)
    return render(
        visit,
        "member.html",
        status,
        member=answer.data["member"],
        forms=forms or {},
        key=secrets.token_hex(8),
    )


@signed_in
async def member_page(visit: Visit) -> Response:
    return await _member_page(visit, visit.request.path_params["id"])


@signed_in
async def member_action(visit: Visit) -> Response:
    member_id = visit.request.path_params["id"]
    action = visit.request.path_params["action"]
    form = Form(await visit.request.form())
    _ = visit.texts
    if action == "adjust":
        delta = form.integer("delta", _("A whole number of points, such as 50 or -20."))
        if not form.errors:
            variables = {
                "memberId": member_id,
                "delta": delta if delta is not None else 0,
                "reason": form.text("reason"),
                # One key per form shown: sending the form twice adjusts once.
                "idempotencyKey": form.text("idempotencyKey") or secrets.token_hex(8),
            }
            answer = await visit.run("ConsoleAdjustPoints", {"input": variables})
            form.take(answer.payload("adjustPoints")["errors"], ("delta", "reason"))
    elif action == "block":
        answer = await visit.run(
            "ConsoleBlockMember", {"input": {"memberId": member_id, "reason": form.text("reason")}}
        )
        form.take(answer.payload("blockMember")["errors"], ("reason",))
    elif action == "unblock":
        answer = await visit.run("ConsoleUnblockMember", {"input": {"memberId": member_id}})
        form.take(answer.payload("unblockMember")["errors"], ())
    elif action == "erase":
        if form.text("confirm") != form.text("expected") or not form.text("expected"):
            form.errors["confirm"] = _("Type the member's email exactly to confirm.")
        else:
            answer = await visit.run("ConsoleEraseMember", {"input": {"memberId": member_id}})
            form.take(answer.payload("anonymiseMember")["errors"], ())
    else:
        return render(visit, "error.html", 404, message=_("No such action."))
    if form.errors:
        return await _member_page(visit, member_id, 400, {action: form})
    return RedirectResponse(f"{PATH}/members/{member_id}?done={action}", status_code=303)
