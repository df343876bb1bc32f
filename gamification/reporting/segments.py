"""RFM segments and ABC classes of members, computed by a job and stored per member.

Over a lookback window (program setting `rfm_lookback_days`, default 365) ending at the run:
- recency: days since the member's last purchase; frequency: purchases; monetary: revenue (totals
  less refunds). Members without a purchase in the window get no scores (segment INACTIVE, or NEW
  if they joined inside the window's last 30 days).
- Scores 1-5 by quintiles of the percentile rank, ties sharing a score: with b the number of
  members whose value is strictly worse and n the number scored, p = b / (n - 1) and the score is
  1 + min(4, floor(5p)). Equal values always get equal scores; the best value scores 5 and the
  worst 1 (a lone member, or members all equal, score 1). Recency is better when smaller.
- Segments, first match wins (R, F scores):
  | segment | rule |
  | CHAMPIONS | R = 5 and F >= 4 |
  | LOYAL | R >= 3 and F >= 4 |
  | POTENTIAL_LOYALIST | R >= 4 and F in 2..3 |
  | NEW | R = 5 and F = 1 |
  | PROMISING | R = 4 and F = 1 |
  | NEEDS_ATTENTION | R = 3 and F <= 3 |
  | AT_RISK | R <= 2 and F >= 3 |
  | HIBERNATING | R <= 2 and F <= 2 |
- ABC by revenue share: members sorted by revenue (descending, then id); a member is A while
  the revenue of the members before them is under 80% of the total, B under 95%, else C
  (members with no revenue are C).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.functions import Count, Max, Sum
from tortoise.transactions import in_transaction

from core.clock import clock
from gamification.accounts.models import ABC_CLASSES, SEGMENTS, Member, MemberSegment
from gamification.audit import Actor, AuditAction, trail
from gamification.points.models import Purchase
from gamification.programs.models import Program

DEFAULT_LOOKBACK_DAYS = 365
NEW_MEMBER_DAYS = 30
WRITE_BATCH = 2_000


def quintile_scores(values: list[float], higher_is_better: bool = True) -> list[int]:
    """Scores 1-5 by percentile rank: p = worse / (n - 1), where `worse` counts the values
    strictly worse than this one; score = 1 + min(4, floor(5p)). Equal values share a score,
    the best value scores 5, the worst 1 (and so does everyone when all are equal)."""
    n = len(values)
    keys = values if higher_is_better else [-v for v in values]
    ordered = sorted(keys)
    if n < 2:
        return [1] * n
    return [1 + min(4, (5 * bisect_left(ordered, key)) // (n - 1)) for key in keys]


def segment_of(r: int, f: int) -> str:
    """The rule table of the module docstring, first match wins."""
    if r == 5 and f >= 4:
        return "CHAMPIONS"
    if r >= 3 and f >= 4:
        return "LOYAL"
    if r >= 4 and 2 <= f <= 3:
        return "POTENTIAL_LOYALIST"
    if r == 5 and f == 1:
        return "NEW"
    if r == 4 and f == 1:
        return "PROMISING"
    if r == 3:
        return "NEEDS_ATTENTION"
    if f >= 3:
        return "AT_RISK"
    return "HIBERNATING"


def abc_classes(revenues: list[Decimal]) -> list[str]:
    """A while the revenue ranked before a member is under 80% of the total, B under 95%, C
    after, and C for no revenue. Ranked by revenue descending; ties keep the input order."""
    total = sum(revenues, Decimal(0))
    classes = ["C"] * len(revenues)
    if total <= 0:
        return classes
    before = Decimal(0)
    for i in sorted(range(len(revenues)), key=lambda i: -revenues[i]):
        if revenues[i] <= 0:
            break
        share = before / total
        classes[i] = "A" if share < Decimal("0.80") else "B" if share < Decimal("0.95") else "C"
        before += revenues[i]
    return classes


@dataclass(frozen=True)
class SegmentationRun:
    program_id: int
    computed_at: datetime
    scored: int
    unscored: int


async def request_computation(actor: Actor, program_id: int) -> None:
    """Staff ask for a new computation (a job runs it)."""
    await trail.record(
        actor, AuditAction.SEGMENTS_COMPUTE_REQUESTED, program_id=program_id, target_id=None
    )


async def compute_segments(program: Program) -> SegmentationRun:
    """Score every member of the program and store the result, replacing the previous run in
    one transaction (readers see the old run or the new one, never a mix)."""
    now = clock.now()
    lookback = int(program.settings.get("rfm_lookback_days", DEFAULT_LOOKBACK_DAYS))
    since = now - timedelta(days=lookback)
    # One aggregate row per buyer; members and buyers are the job's working set.
    rows = (
        await Purchase.filter(program_id=program.id, occurred_at__gte=since, occurred_at__lte=now)
        .annotate(
            last=Max("occurred_at"), n=Count("id"), gross=Sum("total"), back=Sum("refunded_amount")
        )
        .group_by("member_id")
        .values_list("member_id", "last", "n", "gross", "back")
    )
    rows.sort(key=lambda row: row[0])  # ties in the ABC ranking go by member id
    buyers = [row[0] for row in rows]
    recency = [(now - _aware(row[1])).days for row in rows]
    frequency = [int(row[2]) for row in rows]
    monetary = [Decimal(str(row[3] or 0)) - Decimal(str(row[4] or 0)) for row in rows]
    r_scores = quintile_scores([float(d) for d in recency], higher_is_better=False)
    f_scores = quintile_scores([float(n) for n in frequency])
    m_scores = quintile_scores([float(m) for m in monetary])
    classes = abc_classes(monetary)

    segments = [
        MemberSegment(
            program_id=program.id,
            member_id=member_id,
            computed_at=now,
            recency_days=recency[i],
            frequency=frequency[i],
            monetary=monetary[i].quantize(Decimal("0.01")),
            recency_score=r_scores[i],
            frequency_score=f_scores[i],
            monetary_score=m_scores[i],
            segment=segment_of(r_scores[i], f_scores[i]),
            abc_class=classes[i],
        )
        for i, member_id in enumerate(buyers)
    ]
    scored = set(buyers)
    recent = now - timedelta(days=NEW_MEMBER_DAYS)
    unscored = 0
    for member_id, created_at in await Member.filter(
        program_id=program.id, anonymised_at__isnull=True
    ).values_list("id", "created_at"):
        if member_id in scored:
            continue
        unscored += 1
        segments.append(
            MemberSegment(
                program_id=program.id,
                member_id=member_id,
                computed_at=now,
                segment="NEW" if _aware(created_at) >= recent else "INACTIVE",
                abc_class="C",
            )
        )
    async with in_transaction():
        await MemberSegment.filter(program_id=program.id).delete()
        for start in range(0, len(segments), WRITE_BATCH):
            await MemberSegment.bulk_create(segments[start : start + WRITE_BATCH])
    return SegmentationRun(program.id, now, scored=len(buyers), unscored=unscored)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=clock.now().tzinfo)


@dataclass(frozen=True)
class SegmentSummary:
    computed_at: datetime | None
    segments: dict[str, int]
    abc_classes: dict[str, int]


async def segment_summary(program_id: int) -> SegmentSummary:
    """How many members each segment and class holds, as of the last run."""
    by_segment = (
        await MemberSegment.filter(program_id=program_id)
        .annotate(n=Count("id"))
        .group_by("segment")
        .values_list("segment", "n")
    )
    by_class = (
        await MemberSegment.filter(program_id=program_id)
        .annotate(n=Count("id"))
        .group_by("abc_class")
        .values_list("abc_class", "n")
    )
    last = await MemberSegment.filter(program_id=program_id).order_by("-computed_at").first()
    segments = Counter({name: 0 for name in SEGMENTS}) | Counter(dict(by_segment))
    classes = Counter({name: 0 for name in ABC_CLASSES}) | Counter(dict(by_class))
    return SegmentSummary(
        computed_at=last.computed_at if last else None,
        segments={name: segments[name] for name in SEGMENTS},
        abc_classes={name: classes[name] for name in ABC_CLASSES},
    )
