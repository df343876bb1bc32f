"""The dashboard: programReport's KPIs over a chosen period, beside the period just before it,
charts of the period interval by interval, and a live feed of the program's events (the
programActivity subscription, opened by static/live.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response

from api.console import charts
from api.console.formats import Formats, amount
from api.console.gateway import documents
from api.console.rendering import render
from api.console.session import Visit, signed_in
from core.clock import clock

DEFAULT_DAYS = 30
LIVE_QUERY = documents()["ConsoleLive"].text


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    previous: str
    change: str | None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _period(visit: Visit) -> tuple[date, date, str]:
    """[start, end) in days (UTC), and the chart's interval: DAY up to 62 days, then WEEK, then
    MONTH past a year (the API answers at most 400 intervals)."""
    params = visit.request.query_params
    today = clock.now().date()
    end = _day(params.get("to")) or today + timedelta(days=1)
    start = _day(params.get("from")) or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        start = end - timedelta(days=1)
    days = (end - start).days
    interval = "DAY" if days <= 62 else "WEEK" if days <= 366 else "MONTH"
    return start, end, interval


def _iso(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def _kpis(report: dict[str, Any], previous: dict[str, Any], f: Formats, _: Any) -> list[Kpi]:
    def count(key: str, label: str) -> Kpi:
        return Kpi(
            _(label),
            f.number(report[key]),
            f.number(previous[key]),
            f.change(report[key], previous[key]),
        )

    def money(key: str, label: str) -> Kpi:
        now = float(amount((report[key] or {}).get("amount")))
        before = float(amount((previous[key] or {}).get("amount")))
        return Kpi(_(label), f.money(report[key]), f.money(previous[key]), f.change(now, before))

    def rate(key: str, label: str) -> Kpi:
        now, before = float(amount(report[key])), float(amount(previous[key]))
        return Kpi(_(label), f.ratio(report[key]), f.ratio(previous[key]), f.change(now, before))

    return [
        count("membersTotal", "Members"),
        count("membersNew", "New members"),
        count("membersActive", "Active members"),
        count("purchases", "Purchases"),
        money("revenue", "Revenue"),
        money("averageBasket", "Average basket"),
        rate("repeatPurchaseRate", "Repeat purchase rate"),
        count("pointsIssued", "Points issued"),
        count("pointsRedeemed", "Points redeemed"),
        count("pointsExpired", "Points expired"),
        count("pointsOutstanding", "Points outstanding"),
        money("liability", "Liability"),
        rate("redemptionRate", "Redemption rate"),
        count("gamePlays", "Game plays"),
        count("contestEntries", "Contest entries"),
        count("prizesWon", "Prizes won"),
    ]


CHARTS = (
    ("membersActive", "Active members"),
    ("membersNew", "New members"),
    ("pointsIssued", "Points issued"),
    ("pointsRedeemed", "Points redeemed"),
    ("pointsExpired", "Points expired"),
    ("revenue", "Revenue"),
    ("gamePlays", "Game plays"),
)


@signed_in
async def dashboard(visit: Visit) -> Response:
    start, end, interval = _period(visit)
    previous_start = start - (end - start)
    answer = await visit.run(
        "ConsoleReport",
        {
            "from": _iso(start),
            "to": _iso(end),
            "previousFrom": _iso(previous_start),
            "interval": interval,
        },
    )
    f, _ = visit.formats, visit.texts
    if answer.errors:
        return render(
            visit,
            "dashboard.html",
            400,
            error=answer.message,
            start=start,
            end=end,
            kpis=[],
            charts=[],
            tiers=[],
            previous_start=previous_start,
            live_query=LIVE_QUERY,
        )
    report, previous = answer.data["programReport"], answer.data["previous"]
    drawn = []
    for key, label in CHARTS:
        points = []
        for step in report["series"]:
            raw = step[key]
            value = float(amount(raw["amount"])) if isinstance(raw, dict) else float(raw)
            text = f.money(raw) if isinstance(raw, dict) else f.number(raw)
            points.append((f.date(step["start"]), value, text))
        drawn.append((_(label), charts.bars(points)))
    total = sum(tier["members"] for tier in report["tierDistribution"]) or 1
    tiers = [
        (tier["tierName"] or _("No tier"), f.number(tier["members"]), tier["members"] / total)
        for tier in report["tierDistribution"]
    ]
    return render(
        visit,
        "dashboard.html",
        error=None,
        start=start,
        end=end,
        previous_start=previous_start,
        kpis=_kpis(report, previous, f, _),
        charts=drawn,
        tiers=tiers,
        width=charts.WIDTH,
        height=charts.HEIGHT,
        live_query=LIVE_QUERY,
    )


@signed_in
async def live_token(visit: Visit) -> Response:
    """The session's access token for the live feed's socket (connection_init): the one thing
    a page script reads of the session, fresh (ConsoleMe has just renewed it if it had to) and
    short-lived; the refresh token stays in its HttpOnly cookie."""
    return JSONResponse(
        {"token": visit.gateway.tokens.access}, headers={"Cache-Control": "no-store"}
    )


@signed_in
async def report_csv(visit: Visit) -> Response:
    """The period's report as CSV, interval by interval: the API's /exports/report.csv."""
    start, end, interval = _period(visit)
    answer = await visit.gateway.get(
        "/exports/report.csv", {"from": _iso(start), "to": _iso(end), "interval": interval}
    )
    if answer.status_code != 200:
        return render(visit, "error.html", answer.status_code, message=answer.text)
    return Response(
        answer.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
    )
