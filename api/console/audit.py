"""The audit trail (ADMIN): what staff, the system and members erasing themselves did, newest
first, each change with its values before and after; filtered by what was changed."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from api.console.rendering import render
from api.console.session import Visit, signed_in

PAGE_SIZE = 50
# What the filter offers: the kinds of things the trail records changes of.
TARGETS = (
    "program",
    "staff",
    "api_key",
    "member",
    "tier",
    "membership_plan",
    "earning_rule",
    "action_type",
    "reward",
    "redemption",
    "instant_win_game",
    "contest",
    "auction",
    "segments",
    "badge",
    "challenge",
    "webhook",
)


def _changes(entry: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, before, after) of an entry, values as compact JSON."""
    before, after = entry.get("before") or {}, entry.get("after") or {}
    keys = list(dict.fromkeys([*before, *after]))
    shown = []
    for key in keys:
        old = json.dumps(before[key], ensure_ascii=False) if key in before else ""
        new = json.dumps(after[key], ensure_ascii=False) if key in after else ""
        shown.append((key, old, new))
    return shown


@signed_in
async def trail(visit: Visit) -> Response:
    target = visit.request.query_params.get("target", "")
    after = visit.request.query_params.get("after") or None
    filter_ = {"targetType": target} if target in TARGETS else None
    answer = await visit.run(
        "ConsoleAuditTrail", {"filter": filter_, "first": PAGE_SIZE, "after": after}
    )
    if answer.errors:
        return render(visit, "error.html", 403, message=answer.message)
    page = answer.data["auditTrail"]
    entries = [{**edge["node"], "changes": _changes(edge["node"])} for edge in page["edges"]]
    return render(
        visit,
        "audit.html",
        entries=entries,
        page_info=page["pageInfo"],
        targets=TARGETS,
        target=target if target in TARGETS else "",
        paged=after is not None,
    )
