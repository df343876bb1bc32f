"""RFM segments and ABC classes for staff: counts, and a run on demand."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.context import Info
from api.errors import UserError, returns_user_errors
from api.permissions import staff_only
from gamification.accounts.models import StaffRole
from gamification.reporting import segments
from workers.segments import enqueue_segmentation

Segment = strawberry.enum(Enum("Segment", {name: name for name in segments.SEGMENTS}))
AbcClass = strawberry.enum(Enum("AbcClass", {name: name for name in segments.ABC_CLASSES}))


@strawberry.type
class SegmentCount:
    segment: Segment  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    members: int


@strawberry.type
class AbcClassCount:
    abc_class: AbcClass  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    members: int


@strawberry.type
class Segments:
    computed_at: datetime | None = strawberry.field(description="Null until a first run.")
    segments: list[SegmentCount]
    abc_classes: list[AbcClassCount]


@strawberry.type
class ComputeSegmentsPayload:
    enqueued: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SegmentQueries:
    @strawberry.field(extensions=staff_only(), description="Members per RFM segment and ABC class.")
    async def segments(self, info: Info) -> Segments:
        summary = await segments.segment_summary(info.context.program_id)
        return Segments(
            computed_at=summary.computed_at,
            segments=[
                SegmentCount(segment=Segment[name], members=n)
                for name, n in summary.segments.items()
            ],
            abc_classes=[
                AbcClassCount(abc_class=AbcClass[name], members=n)
                for name, n in summary.abc_classes.items()
            ],
        )


@strawberry.type
class SegmentMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Recompute segments now, in a worker (requests within a minute share a run).",
    )
    @returns_user_errors(ComputeSegmentsPayload)
    async def compute_segments(self, info: Info) -> ComputeSegmentsPayload:
        enqueued = await enqueue_segmentation(
            info.context.request.app.state.arq, info.context.program_id
        )
        return ComputeSegmentsPayload(enqueued=enqueued)
