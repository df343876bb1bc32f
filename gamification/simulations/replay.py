"""The replay: every purchase of a window through the live engine and the drafted one.

Each purchase is evaluated by the pure `earning_rules.evaluate`, the function `record_purchase`
calls, with what that call had: the purchase's time, lines and total, whether it was the
member's first purchase (`Purchase.first_purchase`) and the tier whose multiplier it got
(`Purchase.tier_id`), once with the live rules and tiers and once with the draft's. So a replay
of an empty draft gives, purchase by purchase, the points the ledger credited, unless the rules
changed since.

Purchases are read in batches by keyset (`(occurred_at, id) > last`, along the index on the
program and the time, so each batch reads only its own rows), only the columns the engine
needs, lines joined, as plain rows: memory holds one batch and one small total per member,
whatever the window. Nothing is written.

What the report says (docs/simulations.md has the same text):
- points without and with the draft, their difference, in points and in money (the program's
  `point_value`), and the points the purchases actually earned;
- the outstanding points at the window's end (every ledger entry before it) and the same plus
  the difference: the liability with the draft;
- members affected: those whose points differ;
- tiers: each member's tier by qualification at the window's end (points earned by purchases
  net of refunds, or spend, over the tier window, `tier_for`), without and with the draft (its
  thresholds, and its extra points of purchases inside the tier window); members moved up and
  down, per tier. The draft's tier does not feed back into the multipliers of later purchases
  of the window (a first-order estimate), and VIP floors and review dates are left out;
- the top SKUs and categories by extra points: a purchase's difference goes to its lines in
  proportion to each line's own difference (evaluated alone), or to its amount when they show
  none;
- the split by RFM segment (the last segmentation run; members without one are UNSCORED).
"""

from __future__ import annotations

import asyncio
import contextlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.statements import Statement
from gamification.accounts.models import Member, MemberSegment
from gamification.points.earning_rules import BasketLine, evaluate, needs_segment
from gamification.points.models import LedgerEntry, Purchase, Tier
from gamification.points.tiers import TierRules, tier_for
from gamification.programs.models import Program
from gamification.simulations.drafts import Engine

BATCH_SIZE = 5_000
MEMO_SIZE = 100_000
TOP = 10
UNSCORED = "UNSCORED"

_BATCH = Statement(
    Purchase,
    'SELECT p."id", p."member_id", p."occurred_at", p."total", p."first_purchase", p."tier_id",'
    ' p."points_earned", l."sku", l."category", l."quantity", l."unit_price" FROM'
    ' (SELECT "id", "member_id", "occurred_at", "total", "first_purchase", "tier_id",'
    ' "points_earned" FROM "purchase" WHERE "program_id" = $1 AND "occurred_at" < $2'
    ' AND "occurred_at" >= $3 AND ("occurred_at", "id") > ($3, $4)'
    ' ORDER BY "occurred_at", "id" LIMIT $5) AS p'
    ' LEFT JOIN "purchase_line" AS l ON l."purchase_id" = p."id"'
    ' ORDER BY p."occurred_at", p."id", l."position"',
)
_COUNT = Statement(
    Purchase,
    'SELECT COUNT(*) AS "n" FROM "purchase" WHERE "program_id" = $1 AND "occurred_at" >= $2'
    ' AND "occurred_at" < $3',
)
_OUTSTANDING = Statement(
    LedgerEntry,
    'SELECT SUM("delta") AS "p" FROM "ledger_entry" WHERE "program_id" = $1 AND "created_at" < $2',
)
_QUALIFYING_POINTS = Statement(
    Purchase,
    'SELECT "member_id", SUM("points_earned") - SUM("points_reversed") AS "v" FROM "purchase"'
    ' WHERE "program_id" = $1 AND "occurred_at" > $2 AND "occurred_at" < $3 GROUP BY "member_id"',
)
_QUALIFYING_SPEND = Statement(
    Purchase,
    'SELECT "member_id", SUM("total") - SUM("refunded_amount") AS "v" FROM "purchase"'
    ' WHERE "program_id" = $1 AND "occurred_at" > $2 AND "occurred_at" < $3 GROUP BY "member_id"',
)


async def count_purchases(program_id: int, start: datetime, end: datetime) -> int:
    return int(await _COUNT.value(program_id, start, end) or 0)


@dataclass(slots=True)
class _Purchase:
    id: int
    member_id: int
    at: datetime
    total: Decimal
    first: bool
    tier_id: int | None
    points_earned: int
    lines: tuple[BasketLine, ...]


def _time(value: Any) -> datetime:
    # PostgreSQL gives datetimes; SQLite the text Tortoise stored.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _decimal(value: Any) -> Decimal:
    # PostgreSQL gives decimals; SQLite text or numbers.
    return value if isinstance(value, Decimal) else Decimal(str(value))


async def purchases(
    program_id: int, start: datetime, end: datetime, batch_size: int = BATCH_SIZE
) -> AsyncGenerator[list[_Purchase], None]:
    """The window's purchases with their lines, batch by batch (lists of `_Purchase`), in
    order of time. The next batch is asked for before this one is handed over, so the database
    reads it while the caller evaluates this one. Close it (`aclosing`) when stopping early."""
    # The last time as the database gave it: text on SQLite compares as it is stored.
    pending = asyncio.ensure_future(_BATCH.rows(program_id, end, start, 0, batch_size))
    try:
        while True:
            rows = await pending
            if not rows:
                return
            last = rows[-1]
            pending = asyncio.ensure_future(
                _BATCH.rows(program_id, end, last["occurred_at"], last["id"], batch_size)
            )
            yield _batch(rows)
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending


def _batch(rows: list[dict[str, Any]]) -> list[_Purchase]:
    """Rows of the batch statement (a purchase per line, lines in order) as purchases."""
    batch: list[_Purchase] = []
    current: _Purchase | None = None
    for row in rows:
        if current is None or current.id != row["id"]:
            current = _Purchase(
                id=row["id"],
                member_id=row["member_id"],
                at=_time(row["occurred_at"]),
                total=_decimal(row["total"]),
                first=bool(row["first_purchase"]),
                tier_id=row["tier_id"],
                points_earned=int(row["points_earned"]),
                lines=(),
            )
            batch.append(current)
        if row["sku"] is not None:
            # Tuples: a basket is a key of the evaluation memo.
            current.lines += (
                BasketLine(
                    sku=row["sku"],
                    category=row["category"],
                    quantity=int(row["quantity"]),
                    unit_price=_decimal(row["unit_price"]),
                ),
            )
    return batch


def _share(difference: int, weights: Sequence[Decimal]) -> list[int]:
    """`difference` split in proportion to `weights` (equal shares when they sum to 0), in
    whole points that add up to it exactly; the remainder goes to the heaviest weight."""
    total = sum(weights, Decimal(0))
    if total == 0:
        weights = [Decimal(1)] * len(weights)
        total = Decimal(len(weights))
    shares = [int(difference * w / total) for w in weights]
    heaviest = max(range(len(weights)), key=lambda i: abs(weights[i]))
    shares[heaviest] += difference - sum(shares)
    return shares


def _active_in(rules: Sequence[Any], start: datetime, end: datetime) -> list[Any]:
    """The rules that can be active somewhere in [start, end): the same evaluation, fewer rules
    for `evaluate` to sort on every purchase."""
    return [
        r
        for r in rules
        if not r.archived
        and (r.starts_at is None or r.starts_at < end)
        and (r.ends_at is None or r.ends_at > start)
    ]


class _Points:
    """`evaluate(...).points` for one engine, remembered. `evaluate` is pure, and between two
    consecutive rule boundaries (a start or an end of any rule) the same rules are active, so
    the same basket, tier and first-purchase flag in the same stretch earn the same points:
    baskets repeat (a SKU has its price), and every line evaluated alone for the attribution
    repeats far more. At most `MEMO_SIZE` results are kept."""

    __slots__ = ("boundaries", "memo", "rules", "tiers")

    def __init__(self, rules: list[Any], engine: Engine, boundaries: list[datetime]) -> None:
        self.rules = rules
        self.tiers = engine.tiers_by_id
        self.boundaries = boundaries
        self.memo: dict[tuple[Any, ...], int] = {}

    def __call__(
        self,
        lines: tuple[BasketLine, ...],
        total: Decimal,
        at: datetime,
        tier_id: int | None,
        first: bool,
        standing: tuple[str | None, str | None] = (None, None),
    ) -> int:
        key = (lines, total, bisect_right(self.boundaries, at), tier_id, first, standing)
        points = self.memo.get(key)
        if points is None:
            points = evaluate(
                self.rules,
                lines,
                total,
                at=at,
                tier=self.tiers.get(tier_id) if tier_id else None,
                first_purchase=first,
                segment=standing[0],
                abc_class=standing[1],
            ).points
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = points
        return points


NO_STANDING: tuple[str | None, str | None] = (None, None)


async def _standings(program_id: int) -> dict[int, tuple[str | None, str | None]]:
    """Each member's last computed segment and ABC class."""
    rows = await MemberSegment.filter(program_id=program_id).values_list(
        "member_id", "segment", "abc_class"
    )
    return {member_id: (segment, abc_class) for member_id, segment, abc_class in rows}


def _boundaries(*rule_lists: list[Any]) -> list[datetime]:
    return sorted({t for rules in rule_lists for r in rules for t in (r.starts_at, r.ends_at) if t})


Progress = Callable[[int], Awaitable[bool]]


async def replay(
    program: Program,
    start: datetime,
    end: datetime,
    live: Engine,
    drafted: Engine,
    progress: Progress,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any] | None:
    """The report of the module docstring, as JSON; None when `progress` (called after each
    batch with the purchases done so far) answers False: the simulation was cancelled."""
    live_rules = _active_in(live.rules, start, end)
    drafted_rules = _active_in(drafted.rules, start, end)
    boundaries = _boundaries(live_rules, drafted_rules)
    points_without = _Points(live_rules, live, boundaries)
    points_with = _Points(drafted_rules, drafted, boundaries)
    tier_rules = TierRules.of(program)
    qualifying_from = end - tier_rules.window
    # Segments have no history: a purchase counts under its member's last computed segment.
    standings = await _standings(program.id) if needs_segment([*live_rules, *drafted_rules]) else {}

    done = 0
    actual = without = with_draft = 0
    # Per member: points without, with, and the difference inside the tier window.
    members: dict[int, list[int]] = {}
    by_sku: dict[str, int] = defaultdict(int)
    by_category: dict[str | None, int] = defaultdict(int)

    async with contextlib.aclosing(purchases(program.id, start, end, batch_size)) as batches:
        async for batch in batches:
            for p in batch:
                standing = standings.get(p.member_id, NO_STANDING)
                a = points_without(p.lines, p.total, p.at, p.tier_id, p.first, standing)
                b = points_with(p.lines, p.total, p.at, p.tier_id, p.first, standing)
                actual += p.points_earned
                without += a
                with_draft += b
                totals = members.get(p.member_id)
                if totals is None:
                    totals = members[p.member_id] = [0, 0, 0]
                totals[0] += a
                totals[1] += b
                if a != b:
                    if p.at > qualifying_from:
                        totals[2] += b - a
                    _attribute(p, b - a, standing, points_without, points_with, by_sku, by_category)
            done += len(batch)
            if not await progress(done):
                return None

    point_value = Decimal(str((program.settings or {}).get("point_value", "0")))
    difference = with_draft - without
    outstanding = int(await _OUTSTANDING.value(program.id, end) or 0)
    segments = await _segments(program.id, members)
    return {
        "purchases": done,
        "buyers": len(members),
        "currency": program.currency,
        "point_value": str(point_value),
        "points_actual": actual,
        "points_without": without,
        "points_with": with_draft,
        "points_difference": difference,
        "money_difference": _money(difference * point_value),
        "outstanding_points_at_end": outstanding,
        "outstanding_points_with": outstanding + difference,
        "liability_at_end": _money(outstanding * point_value),
        "liability_with": _money((outstanding + difference) * point_value),
        "members_affected": sum(1 for t in members.values() if t[0] != t[1]),
        "tiers": await _tier_moves(program, end, tier_rules, live, drafted, members),
        "top_skus": _top(by_sku, "sku"),
        "top_categories": _top(by_category, "category"),
        "segments": segments,
    }


def _attribute(
    p: _Purchase,
    difference: int,
    standing: tuple[str | None, str | None],
    points_without: _Points,
    points_with: _Points,
    by_sku: dict[str, int],
    by_category: dict[str | None, int],
) -> None:
    if not p.lines:
        return
    if len(p.lines) == 1:
        shares = [difference]
    else:
        weights = []
        for line in p.lines:
            alone = (line,)
            a = points_without(alone, line.amount, p.at, p.tier_id, False, standing)
            b = points_with(alone, line.amount, p.at, p.tier_id, False, standing)
            weights.append(Decimal(b - a))
        if not any(weights):
            weights = [line.amount for line in p.lines]
        shares = _share(difference, weights)
    for line, share in zip(p.lines, shares, strict=True):
        by_sku[line.sku] += share
        by_category[line.category] += share


def _money(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(Decimal("0.01")))


def _top(extra: dict[Any, int], key: str) -> list[dict[str, Any]]:
    ranked = sorted(
        ((name, points) for name, points in extra.items() if points),
        key=lambda item: (-abs(item[1]), str(item[0])),
    )
    return [{key: name, "extra_points": points} for name, points in ranked[:TOP]]


async def _segments(program_id: int, members: dict[int, list[int]]) -> list[dict[str, Any]]:
    of_member = dict(
        await MemberSegment.filter(program_id=program_id).values_list("member_id", "segment")
    )
    split: dict[str, list[int]] = {}
    for member_id, (a, b, _) in members.items():
        row = split.setdefault(of_member.get(member_id, UNSCORED), [0, 0, 0, 0])
        row[0] += 1
        row[1] += a
        row[2] += b
        row[3] += a != b
    return [
        {
            "segment": name,
            "buyers": row[0],
            "points_without": row[1],
            "points_with": row[2],
            "points_difference": row[2] - row[1],
            "members_affected": row[3],
        }
        for name, row in sorted(split.items())
    ]


async def _tier_moves(
    program: Program,
    end: datetime,
    rules: TierRules,
    live: Engine,
    drafted: Engine,
    members: dict[int, list[int]],
) -> dict[str, Any]:
    """Members per tier by qualification at `end`, without and with the draft."""
    live_tiers, drafted_tiers = list(live.tiers), list(drafted.tiers)
    statement = _QUALIFYING_SPEND if rules.basis == "spend" else _QUALIFYING_POINTS
    values = {
        row["member_id"]: int(Decimal(str(row["v"] or 0)))
        for row in await statement.rows(program.id, end - rules.window, end)
    }
    everyone = await Member.filter(program_id=program.id, created_at__lt=end).count()
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    up = down = 0

    def move(before: Tier | None, after: Tier | None, n: int) -> None:
        nonlocal up, down
        counts[before.id if before else None][0] += n
        counts[after.id if after else None][1] += n
        rank_before = before.rank if before else -1
        rank_after = after.rank if after else -1
        if rank_after > rank_before:
            up += n
            counts[after.id if after else None][2] += n
        elif rank_after < rank_before:
            down += n
            counts[after.id if after else None][3] += n

    seen = set(values) | {m for m, t in members.items() if t[2]}
    for member_id in seen:
        value = values.get(member_id, 0)
        extra = members[member_id][2] if member_id in members and rules.basis != "spend" else 0
        move(tier_for(live_tiers, value), tier_for(drafted_tiers, value + extra), 1)
    rest = max(0, everyone - len(seen))
    if rest:
        move(tier_for(live_tiers, 0), tier_for(drafted_tiers, 0), rest)
    names = {t.id: t for t in live_tiers}
    drafted_by_id = {t.id: t for t in drafted_tiers}
    return {
        "basis": rules.basis,
        "moved_up": up,
        "moved_down": down,
        "per_tier": [
            {
                "tier_id": tier_id,
                "name": names[tier_id].name if tier_id is not None else None,
                "threshold_without": names[tier_id].qualifying_threshold if tier_id else None,
                "threshold_with": drafted_by_id[tier_id].qualifying_threshold if tier_id else None,
                "members_without": row[0],
                "members_with": row[1],
                "moved_up_into": row[2],
                "moved_down_into": row[3],
            }
            for tier_id, row in sorted(
                ((i, counts[i]) for i in [None, *names]),
                key=lambda item: -1 if item[0] is None else names[item[0]].rank,
            )
        ],
    }
