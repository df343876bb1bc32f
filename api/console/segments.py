"""Segments: members per RFM segment and ABC class as charts, and a recompute (a worker's job)
whose progress the page follows until the new counts arrive."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import RedirectResponse, Response

from api.console import charts
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in


@signed_in
async def segment_page(visit: Visit) -> Response:
    answer = await visit.run("ConsoleSegments")
    if answer.errors:
        return render(visit, "error.html", 400, message=answer.message)
    found = answer.data["segments"]
    f, _ = visit.formats, visit.texts
    rfm = charts.bars(
        [(_(row["segment"]), row["members"], f.number(row["members"])) for row in found["segments"]]
    )
    abc = charts.bars(
        [(row["abcClass"], row["members"], f.number(row["members"])) for row in found["abcClasses"]]
    )
    since = visit.request.query_params.get("since")
    computing = since is not None and (found["computedAt"] or "") <= since
    return render(
        visit,
        "segments.html",
        computed_at=found["computedAt"],
        charts=[(_("Members per RFM segment"), rfm), (_("Members per ABC class"), abc)],
        width=charts.WIDTH,
        height=charts.HEIGHT,
        computing=computing,
        since=since or "",
    )


@signed_in
async def segment_status(visit: Visit) -> Response:
    """Polled while the worker computes: once the counts are newer than the request, the page
    reloads itself (htmx's HX-Refresh) without the progress."""
    answer = await visit.run("ConsoleSegments")
    computed = (answer.data.get("segments") or {}).get("computedAt") or ""
    if computed > visit.request.query_params.get("since", ""):
        return Response(
            visit.texts("Computed."),
            headers={"HX-Redirect": f"{PATH}/segments"},
            media_type="text/plain",
        )
    return Response(visit.texts("Computing the segments…"), media_type="text/plain")


@signed_in
async def compute(visit: Visit) -> Response:
    before = await visit.run("ConsoleSegments")
    since = (before.data.get("segments") or {}).get("computedAt") or ""
    answer = await visit.run("ConsoleComputeSegments")
    errors = answer.payload("computeSegments")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/segments?since={quote(since)}", status_code=303)
