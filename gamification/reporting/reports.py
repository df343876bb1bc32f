"""Program reports: the KPIs of a period, each computed by aggregate SQL (nothing is loaded row by
row into Python), the same on SQLite and PostgreSQL.

Definitions (a period is [start, end), times in UTC):
- members_total: members created before `end`; members_new: created in the period;
  members_active: distinct members with at least one purchase or game play in the period.
- purchases, revenue: purchases recorded in the period (by their own time) and the sum of their
  totals, less what was refunded of them; average_basket = revenue / purchases;
  repeat_purchase_rate = members with 2+ purchases / members with 1+ purchase.
- points_issued: points earned (EARN, BONUS, PRIZE: ledger.EARNED_KINDS); points_redeemed:
  spent on rewards (REDEEM) less what cancelled redemptions gave back; points_spent_on_games:
  GAME_PLAY + CONTEST_ENTRY; points_expired; points_adjusted: the signed sum of staff
  adjustments; points_reversed: taken back by purchase refunds.
- points_outstanding: the sum of every ledger entry before `end` (the balances at `end`);
  liability = points_outstanding x the program's `point_value` setting (money, default 0).
- redemption_rate = points_redeemed / points_issued.
- tier_distribution: members per tier now (tiers are a current state, not a history), erased
  members included: like members_total, it counts accounts, and erasure moves no total.
- badges_awarded, challenges_completed, game_plays, prizes_won, contest_entries,
  referrals_qualified: domain events of those types in the period.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise import connections
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from core.clock import in_utc
from core.errors import ErrorCode, ValidationFailed
from gamification.accounts.models import Member
from gamification.events import EventType
from gamification.events.models import Event
from gamification.points import ledger
from gamification.points.models import LedgerKind, Tier
from gamification.programs.models import Program

MAX_SERIES_BUCKETS = 400

GAME_KINDS = (LedgerKind.GAME_PLAY, LedgerKind.CONTEST_ENTRY)
COUNTED_EVENTS = {
    "badges_awarded": EventType.BADGE_AWARDED,
    "challenges_completed": EventType.CHALLENGE_COMPLETED,
    "game_plays": EventType.GAME_PLAYED,
    "prizes_won": EventType.PRIZE_WON,
    "contest_entries": EventType.CONTEST_ENTERED,
    "referrals_qualified": EventType.REFERRAL_QUALIFIED,
}


@dataclass(frozen=True)
class TierCount:
    tier_id: int | None
    tier_name: str | None
    members: int


@dataclass
class ProgramReport:
    start: datetime
    end: datetime
    currency: str
    members_total: int = 0
    members_new: int = 0
    members_active: int = 0
    purchases: int = 0
    revenue: Decimal = Decimal("0.00")
    average_basket: Decimal | None = None
    repeat_purchase_rate: Decimal | None = None
    points_issued: int = 0
    points_redeemed: int = 0
    points_spent_on_games: int = 0
    points_expired: int = 0
    points_adjusted: int = 0
    points_reversed: int = 0
    points_outstanding: int = 0
    liability: Decimal = Decimal("0.00")
    redemption_rate: Decimal | None = None
    tier_distribution: list[TierCount] = field(default_factory=list)
    badges_awarded: int = 0
    challenges_completed: int = 0
    game_plays: int = 0
    prizes_won: int = 0
    contest_entries: int = 0
    referrals_qualified: int = 0


def check_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A report's period, zoned and in order; returned in UTC."""
    start, end = in_utc(start, "from"), in_utc(end, "to")
    if not start < end:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "`from` comes before `to`.", "to")
    return start, end


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


async def raw_rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Raw SQL written with `?` placeholders (PostgreSQL gets $1, $2...): the report's scans are
    shaped by hand so each table is read once."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        parts = sql.split("?")
        sql = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
    else:
        # As Tortoise stores them on SQLite, so text comparison orders them.
        params = [p.isoformat(" ") if isinstance(p, datetime) else p for p in params]
    _, rows = await connection.execute_query(sql, params)
    return [dict(row) for row in rows]


async def _ledger_sums(
    program_id: int, start: datetime, end: datetime, outstanding_before: int | None
) -> tuple[dict[str, int], int]:
    """Per kind, what moved in the period, and the outstanding points at `end`. Without
    `outstanding_before` (the outstanding points at `start`), one scan of everything before `end`
    gives both; with it, only the period is read."""
    if outstanding_before is None:
        rows = await raw_rows(
            "SELECT kind, SUM(CASE WHEN created_at >= ? THEN delta ELSE 0 END) AS period,"
            " SUM(delta) AS upto FROM ledger_entry WHERE program_id = ? AND created_at < ?"
            " GROUP BY kind",
            [start, program_id, end],
        )
        outstanding = sum(int(row["upto"] or 0) for row in rows)
    else:
        rows = await raw_rows(
            "SELECT kind, SUM(delta) AS period FROM ledger_entry"
            " WHERE program_id = ? AND created_at >= ? AND created_at < ? GROUP BY kind",
            [program_id, start, end],
        )
        outstanding = outstanding_before + sum(int(row["period"] or 0) for row in rows)
    by_kind = {str(row["kind"]): int(row["period"] or 0) for row in rows}
    return by_kind, outstanding


async def _event_counts(program_id: int, start: datetime, end: datetime) -> dict[str, int]:
    rows = (
        await Event.filter(
            program_id=program_id,
            type__in=[t.value for t in COUNTED_EVENTS.values()],
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .annotate(n=Count("id"))
        .group_by("type")
        .values("type", "n")
    )
    return {row["type"]: int(row["n"]) for row in rows}


async def _member_counts(
    members: QuerySet[Member], start: datetime, end: datetime
) -> tuple[int, int]:
    """Members at the end of the period, and those who joined in it."""
    total = await members.filter(created_at__lt=end).count()
    new = await members.filter(created_at__gte=start, created_at__lt=end).count()
    return total, new


async def _active_members(program_id: int, start: datetime, end: datetime) -> int:
    rows = await raw_rows(
        "SELECT COUNT(*) AS n FROM (SELECT member_id FROM purchase"
        " WHERE program_id = ? AND occurred_at >= ? AND occurred_at < ?"
        " UNION SELECT member_id FROM event"
        " WHERE program_id = ? AND type = ? AND occurred_at >= ? AND occurred_at < ?) AS active",
        [program_id, start, end, program_id, EventType.GAME_PLAYED.value, start, end],
    )
    return int(rows[0]["n"] or 0)


@dataclass(frozen=True)
class _Sales:
    purchases: int
    gross: Decimal
    refunded: Decimal
    buyers: int
    repeaters: int


async def _sales(program_id: int, start: datetime, end: datetime) -> _Sales:
    """Purchases, money and repeat buyers in one scan of the period's purchases."""
    rows = await raw_rows(
        "SELECT COUNT(*) AS buyers, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeaters,"
        " SUM(n) AS purchases, SUM(gross) AS gross, SUM(refunded) AS refunded FROM"
        " (SELECT member_id, COUNT(*) AS n, SUM(total) AS gross, SUM(refunded_amount) AS refunded"
        " FROM purchase WHERE program_id = ? AND occurred_at >= ? AND occurred_at < ?"
        " GROUP BY member_id) AS buyers",
        [program_id, start, end],
    )
    row = rows[0]
    return _Sales(
        purchases=int(row["purchases"] or 0),
        gross=Decimal(str(row["gross"] or 0)),
        refunded=Decimal(str(row["refunded"] or 0)),
        buyers=int(row["buyers"] or 0),
        repeaters=int(row["repeaters"] or 0),
    )


async def _tier_distribution(program_id: int) -> list[TierCount]:
    rows = (
        await Member.filter(program_id=program_id)
        .annotate(n=Count("id"))
        .group_by("tier_id")
        .values("tier_id", "n")
    )
    names = dict(await Tier.filter(program_id=program_id).values_list("id", "name"))
    counts = [
        TierCount(tier_id=row["tier_id"], tier_name=names.get(row["tier_id"]), members=row["n"])
        for row in rows
    ]
    return sorted(counts, key=lambda c: (c.tier_id is not None, c.tier_id or 0))


def _fill(
    report: ProgramReport,
    point_value: Decimal,
    sales: _Sales,
    by_kind: dict[str, int],
    counts: dict[str, int],
) -> None:
    """The report's figures from its period's scans (the same for one report or a series)."""
    report.purchases = sales.purchases
    report.revenue = (sales.gross - sales.refunded).quantize(Decimal("0.01"))
    if report.purchases:
        report.average_basket = (report.revenue / report.purchases).quantize(Decimal("0.01"))
    report.repeat_purchase_rate = ratio(sales.repeaters, sales.buyers)

    report.points_issued = sum(by_kind.get(k.value, 0) for k in ledger.EARNED_KINDS)
    report.points_redeemed = -by_kind.get(LedgerKind.REDEEM.value, 0) - by_kind.get(
        LedgerKind.REDEMPTION_REFUND.value, 0
    )
    report.points_spent_on_games = -sum(by_kind.get(k.value, 0) for k in GAME_KINDS)
    report.points_expired = -by_kind.get(LedgerKind.EXPIRE.value, 0)
    report.points_adjusted = by_kind.get(LedgerKind.ADJUST.value, 0)
    report.points_reversed = -by_kind.get(LedgerKind.REFUND.value, 0)
    report.liability = (report.points_outstanding * point_value).quantize(Decimal("0.01"))
    report.redemption_rate = ratio(report.points_redeemed, report.points_issued)
    for name, event_type in COUNTED_EVENTS.items():
        setattr(report, name, counts.get(event_type.value, 0))


def _point_value(program: Program) -> Decimal:
    return Decimal(str(program.settings.get("point_value", "0")))


async def program_report(
    program: Program, start: datetime, end: datetime, outstanding_before: int | None = None
) -> ProgramReport:
    start, end = check_period(start, end)
    report = ProgramReport(start=start, end=end, currency=program.currency)
    members = Member.filter(program_id=program.id)
    # Independent scans, run side by side on PostgreSQL's pool (one after the other on SQLite).
    (
        (report.members_total, report.members_new),
        report.members_active,
        sales,
        (by_kind, report.points_outstanding),
        counts,
        report.tier_distribution,
    ) = await asyncio.gather(
        _member_counts(members, start, end),
        _active_members(program.id, start, end),
        _sales(program.id, start, end),
        _ledger_sums(program.id, start, end, outstanding_before),
        _event_counts(program.id, start, end),
        _tier_distribution(program.id),
    )
    _fill(report, _point_value(program), sales, by_kind, counts)
    return report


INTERVALS = ("DAY", "WEEK", "MONTH")


def series_buckets(
    start: datetime, end: datetime, interval: str
) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at calendar boundaries (UTC days, ISO weeks from Monday, months)."""
    start, end = check_period(start, end)
    if interval not in INTERVALS:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "DAY, WEEK or MONTH.", "interval")
    buckets: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        day = cursor.replace(hour=0, minute=0, second=0, microsecond=0)
        if interval == "DAY":
            boundary = day + timedelta(days=1)
        elif interval == "WEEK":
            boundary = day + timedelta(days=7 - day.weekday())
        else:
            boundary = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        bucket_end = min(boundary, end)
        buckets.append((cursor, bucket_end))
        cursor = bucket_end
        if len(buckets) > MAX_SERIES_BUCKETS:
            raise ValidationFailed(
                ErrorCode.INVALID_INPUT,
                f"At most {MAX_SERIES_BUCKETS} intervals: widen the interval.",
                "interval",
            )
    return buckets


async def program_report_series(
    program: Program, start: datetime, end: datetime, interval: str
) -> list[ProgramReport]:
    """One report per interval (the same definitions, bucket by bucket)."""
    return await reports_of(program, series_buckets(start, end, interval))


async def iter_reports(
    program: Program, buckets: list[tuple[datetime, datetime]]
) -> AsyncIterator[ProgramReport]:
    """The reports of consecutive buckets, in order (a CSV streams them)."""
    for report in await reports_of(program, buckets):
        yield report


def _bucketed(sql: str, buckets: list[tuple[datetime, datetime]]) -> tuple[str, list[Any]]:
    """`sql` preceded by the table `bucket(i, a, b)` of the buckets, for a join on
    `a <= time < b`: each scan of a series then runs once, grouped by bucket, instead of once
    per bucket (with an index on the time, each bucket is still a range of it)."""
    postgres = connections.get("default").capabilities.dialect == "postgres"
    cast = "CAST(? AS TIMESTAMPTZ)" if postgres else "?"
    values = ", ".join(f"({i}, {cast}, {cast})" for i in range(len(buckets)))
    params: list[Any] = [bound for bucket in buckets for bound in bucket]
    return f"WITH bucket(i, a, b) AS (VALUES {values}) {sql}", params


async def _series_rows(
    sql: str, buckets: list[tuple[datetime, datetime]], params: list[Any]
) -> list[dict[str, Any]]:
    text, bucket_params = _bucketed(sql, buckets)
    return await raw_rows(text, bucket_params + params)


async def _series_members(
    program_id: int, buckets: list[tuple[datetime, datetime]]
) -> tuple[int, dict[int, int]]:
    """Members created before the first bucket, and those created in each bucket."""
    before = await Member.filter(program_id=program_id, created_at__lt=buckets[0][0]).count()
    rows = await _series_rows(
        "SELECT i, COUNT(*) AS n FROM member JOIN bucket"
        " ON member.created_at >= bucket.a AND member.created_at < bucket.b"
        " WHERE member.program_id = ? GROUP BY i",
        buckets,
        [program_id],
    )
    return before, {int(row["i"]): int(row["n"]) for row in rows}


async def _series_active(
    program_id: int, buckets: list[tuple[datetime, datetime]]
) -> dict[int, int]:
    rows = await _series_rows(
        "SELECT i, COUNT(*) AS n FROM (SELECT i, member_id FROM purchase JOIN bucket"
        " ON purchase.occurred_at >= bucket.a AND purchase.occurred_at < bucket.b"
        " WHERE purchase.program_id = ?"
        " UNION SELECT i, member_id FROM event JOIN bucket"
        " ON event.occurred_at >= bucket.a AND event.occurred_at < bucket.b"
        " WHERE event.program_id = ? AND event.type = ?) AS active GROUP BY i",
        buckets,
        [program_id, program_id, EventType.GAME_PLAYED.value],
    )
    return {int(row["i"]): int(row["n"]) for row in rows}


async def _series_sales(
    program_id: int, buckets: list[tuple[datetime, datetime]]
) -> dict[int, _Sales]:
    rows = await _series_rows(
        "SELECT i, COUNT(*) AS buyers, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeaters,"
        " SUM(n) AS purchases, SUM(gross) AS gross, SUM(refunded) AS refunded FROM"
        " (SELECT i, member_id, COUNT(*) AS n, SUM(total) AS gross,"
        " SUM(refunded_amount) AS refunded FROM purchase JOIN bucket"
        " ON purchase.occurred_at >= bucket.a AND purchase.occurred_at < bucket.b"
        " WHERE purchase.program_id = ? GROUP BY i, member_id) AS buyers GROUP BY i",
        buckets,
        [program_id],
    )
    return {
        int(row["i"]): _Sales(
            purchases=int(row["purchases"] or 0),
            gross=Decimal(str(row["gross"] or 0)),
            refunded=Decimal(str(row["refunded"] or 0)),
            buyers=int(row["buyers"] or 0),
            repeaters=int(row["repeaters"] or 0),
        )
        for row in rows
    }


async def _series_ledger(
    program_id: int, buckets: list[tuple[datetime, datetime]]
) -> tuple[int, dict[int, dict[str, int]]]:
    """The outstanding points at the first bucket's start, and per bucket what moved, by kind."""
    before = await raw_rows(
        "SELECT SUM(delta) AS n FROM ledger_entry WHERE program_id = ? AND created_at < ?",
        [program_id, buckets[0][0]],
    )
    rows = await _series_rows(
        "SELECT i, kind, SUM(delta) AS n FROM ledger_entry JOIN bucket"
        " ON ledger_entry.created_at >= bucket.a AND ledger_entry.created_at < bucket.b"
        " WHERE ledger_entry.program_id = ? GROUP BY i, kind",
        buckets,
        [program_id],
    )
    moved: dict[int, dict[str, int]] = {}
    for row in rows:
        moved.setdefault(int(row["i"]), {})[str(row["kind"])] = int(row["n"] or 0)
    return int(before[0]["n"] or 0), moved


async def _series_events(
    program_id: int, buckets: list[tuple[datetime, datetime]]
) -> dict[int, dict[str, int]]:
    types = [t.value for t in COUNTED_EVENTS.values()]
    rows = await _series_rows(
        "SELECT i, type, COUNT(*) AS n FROM event JOIN bucket"
        " ON event.occurred_at >= bucket.a AND event.occurred_at < bucket.b"
        f" WHERE event.program_id = ? AND event.type IN ({', '.join('?' for _ in types)})"
        " GROUP BY i, type",
        buckets,
        [program_id, *types],
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(int(row["i"]), {})[str(row["type"])] = int(row["n"])
    return counts


NO_SALES = _Sales(purchases=0, gross=Decimal(0), refunded=Decimal(0), buyers=0, repeaters=0)


async def reports_of(
    program: Program, buckets: list[tuple[datetime, datetime]]
) -> list[ProgramReport]:
    """The reports of consecutive buckets, equal to `program_report` of each, from one grouped
    scan per table for the whole series."""
    if not buckets:
        return []
    buckets = [check_period(a, b) for a, b in buckets]
    (
        (members_before, joined),
        active,
        sales,
        (outstanding, moved),
        counts,
        tiers,
    ) = await asyncio.gather(
        _series_members(program.id, buckets),
        _series_active(program.id, buckets),
        _series_sales(program.id, buckets),
        _series_ledger(program.id, buckets),
        _series_events(program.id, buckets),
        _tier_distribution(program.id),
    )
    point_value = _point_value(program)
    series: list[ProgramReport] = []
    members_total = members_before
    for i, (start, end) in enumerate(buckets):
        report = ProgramReport(start=start, end=end, currency=program.currency)
        report.members_new = joined.get(i, 0)
        members_total += report.members_new
        report.members_total = members_total
        report.members_active = active.get(i, 0)
        by_kind = moved.get(i, {})
        outstanding += sum(by_kind.values())
        report.points_outstanding = outstanding
        report.tier_distribution = list(tiers)
        _fill(report, point_value, sales.get(i, NO_SALES), by_kind, counts.get(i, {}))
        series.append(report)
    return series
