"""How a targeted earning rule (a bonus campaign aimed at segments, classes or tiers) did: its
audience's members against the rest of the program, over the rule's window.

Definitions:
- The window is [starts_at, ends_at) of the rule, a missing start being its creation and a
  missing or future end being now.
- The audience's members are the program's members (erased accounts left out) the rule's
  audience admits now: segments and classes as last computed, tiers as they are (no history of
  either is kept). The rest are the program's other members. A rule without an audience admits
  everyone, and the rest is empty.
- Per group: members; buyers (members with a purchase in the window); purchases in the window,
  by their own time; revenue (their totals less what was refunded of them); points_issued
  (the points those purchases earned, less what refunds took back); repeat_purchase_rate =
  members with 2+ purchases / buyers; purchases_per_member = purchases / members.

One aggregate SQL statement, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.clock import clock
from gamification.points.audiences import Audience
from gamification.points.earning_rules import rule_in_program
from gamification.reporting.reports import ratio, raw_rows


@dataclass(frozen=True)
class GroupFigures:
    members: int = 0
    buyers: int = 0
    purchases: int = 0
    revenue: Decimal = Decimal("0.00")
    points_issued: int = 0
    repeat_purchase_rate: Decimal | None = None
    purchases_per_member: Decimal | None = None


@dataclass(frozen=True)
class CampaignComparison:
    rule_id: int
    rule_name: str
    audience: Audience
    start: datetime
    end: datetime
    targeted: GroupFigures
    rest: GroupFigures


async def campaign_comparison(program_id: int, rule_id: int) -> CampaignComparison:
    """The rule's audience against the rest of the program (NOT_FOUND on `earningRuleId` for a
    rule of another program)."""
    rule = await rule_in_program(program_id, rule_id, field="earningRuleId")
    now = clock.now()
    start = rule.starts_at or rule.created_at
    end = min(rule.ends_at or now, now)
    end = max(start, end)
    audience = Audience.of(rule)
    condition, condition_params = _admitted_sql(audience)
    rows = await raw_rows(
        "SELECT g.targeted AS targeted, COUNT(*) AS members,"
        " SUM(CASE WHEN p.n > 0 THEN 1 ELSE 0 END) AS buyers,"
        " SUM(CASE WHEN p.n >= 2 THEN 1 ELSE 0 END) AS repeaters,"
        " SUM(COALESCE(p.n, 0)) AS purchases, SUM(COALESCE(p.gross, 0)) AS gross,"
        " SUM(COALESCE(p.refunded, 0)) AS refunded, SUM(COALESCE(p.points, 0)) AS points"
        " FROM (SELECT m.id AS id,"
        f" CASE WHEN {condition} THEN 1 ELSE 0 END AS targeted"
        " FROM member m LEFT JOIN member_segment s ON s.member_id = m.id"
        " WHERE m.program_id = ? AND m.anonymised_at IS NULL) AS g"
        " LEFT JOIN (SELECT member_id, COUNT(*) AS n, SUM(total) AS gross,"
        " SUM(refunded_amount) AS refunded, SUM(points_earned - points_reversed) AS points"
        " FROM purchase WHERE program_id = ? AND occurred_at >= ? AND occurred_at < ?"
        " GROUP BY member_id) AS p ON p.member_id = g.id"
        " GROUP BY g.targeted",
        [*condition_params, program_id, program_id, start, end],
    )
    groups = {int(row["targeted"]): _figures(row) for row in rows}
    return CampaignComparison(
        rule_id=rule.id,
        rule_name=rule.name,
        audience=audience,
        start=start,
        end=end,
        targeted=groups.get(1, GroupFigures()),
        rest=groups.get(0, GroupFigures()),
    )


def _admitted_sql(audience: Audience) -> tuple[str, list[Any]]:
    """The audience as a condition on a member row `m` and its segment row `s`."""
    parts: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("s.segment", sorted(audience.segments)),
        ("s.abc_class", sorted(audience.classes)),
        ("m.tier_id", sorted(audience.tier_ids)),
    ):
        if values:
            parts.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    return (" AND ".join(parts) or "1 = 1"), params


def _figures(row: dict[str, Any]) -> GroupFigures:
    members = int(row["members"] or 0)
    buyers = int(row["buyers"] or 0)
    purchases = int(row["purchases"] or 0)
    revenue = Decimal(str(row["gross"] or 0)) - Decimal(str(row["refunded"] or 0))
    return GroupFigures(
        members=members,
        buyers=buyers,
        purchases=purchases,
        revenue=revenue.quantize(Decimal("0.01")),
        points_issued=int(row["points"] or 0),
        repeat_purchase_rate=ratio(int(row["repeaters"] or 0), buyers),
        purchases_per_member=ratio(purchases, members),
    )
