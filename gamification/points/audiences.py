"""The audience of an offer: the RFM segments, ABC classes and tiers an earning rule (a bonus
campaign among them), a reward, an instant-win game, a contest or an auction is limited to.

- Each kind of limit left empty admits everyone on that count; every kind that is set must hold
  (a reward for class A members of Gold is for members who are both).
- A member's segment and class are those of the last computation (`MemberSegment`, written by
  gamification/reporting/segments.py). A member no computation has seen is in no segment and no
  class, so an offer limited by segment or class does not admit them. A recompute that moves a
  member changes what they are offered at once: nothing is copied onto the offers.
- The audience is stored on each offer as three comma-framed text columns (",AT_RISK,LOYAL,",
  ",A,", ",3,7,"; empty for no limit), so a catalog page filters on it in SQL with a LIKE that
  both databases read alike (`admitted` for querysets, `like_patterns` for fixed statements).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.bulk import column
from core.errors import ErrorCode, NotFound, ValidationFailed
from gamification.accounts.models import ABC_CLASSES, SEGMENTS, Member, MemberSegment
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import Tier

MAX_TIERS = 20
COLUMNS = ("target_segments", "target_classes", "target_tier_ids")

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a member stands for targeting: their tier now, their segment and class as last
    computed (None before any computation)."""

    tier_id: int | None
    segment: str | None = None
    abc_class: str | None = None


@dataclass(frozen=True, slots=True)
class Audience:
    segments: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    tier_ids: frozenset[int] = frozenset()

    @property
    def is_everyone(self) -> bool:
        return not (self.segments or self.classes or self.tier_ids)

    @property
    def needs_segment(self) -> bool:
        """Whether admitting a member needs their computed segment or class (a query)."""
        return bool(self.segments or self.classes)

    def admits(self, standing: Standing) -> bool:
        return (
            (not self.segments or standing.segment in self.segments)
            and (not self.classes or standing.abc_class in self.classes)
            and (not self.tier_ids or standing.tier_id in self.tier_ids)
        )

    def columns(self) -> dict[str, str]:
        """The offer's column values."""
        return {
            "target_segments": _framed(sorted(self.segments)),
            "target_classes": _framed(sorted(self.classes)),
            "target_tier_ids": _framed(str(i) for i in sorted(self.tier_ids)),
        }

    def as_json(self) -> dict[str, list[Any]]:
        """For audit snapshots and reports."""
        return {
            "segments": sorted(self.segments),
            "classes": sorted(self.classes),
            "tierIds": sorted(self.tier_ids),
        }

    @classmethod
    def of(cls, offer: Any) -> Audience:
        """The audience stored on an offer's row."""
        return cls(
            segments=frozenset(_unframed(offer.target_segments)),
            classes=frozenset(_unframed(offer.target_classes)),
            tier_ids=frozenset(int(i) for i in _unframed(offer.target_tier_ids)),
        )


EVERYONE = Audience()


def _framed(values: Iterable[str]) -> str:
    items = list(values)
    return f",{','.join(items)}," if items else ""


def _unframed(text: str) -> list[str]:
    return [part for part in (text or "").split(",") if part]


# --- a member's standing ---


async def segment_of(member_id: int) -> tuple[str | None, str | None]:
    """The member's segment and ABC class as last computed (None, None before any)."""
    rows = await MemberSegment.filter(member_id=member_id).values_list("segment", "abc_class")
    return (rows[0][0], rows[0][1]) if rows else (None, None)


async def standing_of(member: Member, *, with_segment: bool = True) -> Standing:
    """The member's standing; without `with_segment` (no offer in question needs it) the
    segment is not read."""
    if not with_segment:
        return Standing(member.tier_id)
    segment, abc_class = await segment_of(member.id)
    return Standing(member.tier_id, segment, abc_class)


async def standing_for(member: Member, offers: Iterable[Any]) -> Standing:
    """The member's standing, reading the segment only when one of these offers needs it."""
    needs = any(Audience.of(offer).needs_segment for offer in offers)
    return await standing_of(member, with_segment=needs)


# --- filtering in SQL ---


def admitted(rows: QuerySet[M], standing: Standing) -> QuerySet[M]:
    """Only the offers whose audience admits the member (the offer's model has the columns)."""
    segments, classes, tiers = like_values(standing)
    return rows.filter(
        Q(target_segments="") | Q(target_segments__contains=segments),
        Q(target_classes="") | Q(target_classes__contains=classes),
        Q(target_tier_ids="") | Q(target_tier_ids__contains=tiers),
    )


def like_values(standing: Standing) -> tuple[str, str, str]:
    """What each column contains when it admits the member; for an unknown segment, class or
    tier, a value no column holds (a comma alone is never stored)."""
    return (
        f",{standing.segment}," if standing.segment else ",,",
        f",{standing.abc_class}," if standing.abc_class else ",,",
        f",{standing.tier_id}," if standing.tier_id is not None else ",,",
    )


def like_patterns(standing: Standing) -> tuple[str, str, str]:
    """The LIKE patterns of a fixed statement that stands for `admitted` (names and ids hold no
    % and the underscore of a name matches itself)."""
    segments, classes, tiers = like_values(standing)
    return f"%{segments}%", f"%{classes}%", f"%{tiers}%"


SQL_ADMITTED = (
    '("target_segments" = \'\' OR "target_segments" LIKE {0})'
    ' AND ("target_classes" = \'\' OR "target_classes" LIKE {1})'
    ' AND ("target_tier_ids" = \'\' OR "target_tier_ids" LIKE {2})'
)


# --- staff input ---


async def audience_input(
    program_id: int,
    segments: Iterable[str] | None,
    classes: Iterable[str] | None,
    tier_ids: Iterable[int] | None,
) -> Audience:
    """An audience as staff gave it: known segment names and classes (INVALID_INPUT on
    `targetSegments` / `targetClasses`), live or archived tiers of this program (TIER_NOT_FOUND
    on `targetTierIds`)."""
    seg = frozenset(s.strip().upper() for s in segments or ())
    unknown = sorted(seg - set(SEGMENTS))
    if unknown:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"Unknown segment: {unknown[0]}.", "targetSegments"
        )
    cls = frozenset(c.strip().upper() for c in classes or ())
    if cls - set(ABC_CLASSES):
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "An ABC class is A, B or C.", "targetClasses"
        )
    tiers = frozenset(tier_ids or ())
    if len(tiers) > MAX_TIERS:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"At most {MAX_TIERS} tiers.", "targetTierIds"
        )
    if tiers:
        found = set(await column(Tier.filter(program_id=program_id, id__in=tiers), "id"))
        if found != tiers:
            raise NotFound(
                PointsErrorCode.TIER_NOT_FOUND, "No such tier in this program.", "targetTierIds"
            )
    return Audience(seg, cls, tiers)


INPUTS = ("target_segments", "target_classes", "target_tier_ids")


async def apply_input(offer: Any, program_id: int, values: dict[str, Any]) -> None:
    """Take the audience fields staff gave out of `values` (lists of names, classes and tier
    ids; a field left out keeps the offer's, an empty list lifts that limit), check them with
    `audience_input` and set the offer's columns."""
    given = {name: values.pop(name) for name in INPUTS if name in values}
    if not given:
        return
    current = Audience.of(offer)
    audience = await audience_input(
        program_id,
        given.get("target_segments", current.segments),
        given.get("target_classes", current.classes),
        given.get("target_tier_ids", current.tier_ids),
    )
    for name, value in audience.columns().items():
        setattr(offer, name, value)


async def input_columns(
    program_id: int,
    segments: Iterable[str] | None,
    classes: Iterable[str] | None,
    tier_ids: Iterable[int] | None,
) -> dict[str, Any]:
    """The columns of a new offer's audience, checked as `audience_input` does (typed for
    `Model.create`'s keyword arguments)."""
    return (await audience_input(program_id, segments, classes, tier_ids)).columns()


def given(
    segments: list[str] | None, classes: list[str] | None, tier_ids: list[int] | None
) -> dict[str, Any]:
    """The audience fields an update gives (None: left as it is), for `apply_input`."""
    return {
        name: value
        for name, value in zip(INPUTS, (segments, classes, tier_ids), strict=True)
        if value is not None
    }
