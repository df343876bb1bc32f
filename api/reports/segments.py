"""RFM segments and ABC classes for staff: counts, and a run on demand."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.context import Info
from api.enums import graphql_enum
from api.errors import UserError, returns_user_errors
from api.permissions import staff_only
from gamification.accounts.models import StaffRole
from gamification.reporting import segments
from workers.segments import enqueue_segmentation

Segment = graphql_enum(
    Enum("Segment", {name: name for name in segments.SEGMENTS}),
    "Segment",
    "A member's RFM segment: recency (R) and frequency (F) scored 1-5 over the lookback window "
    "(default 365 days); the first rule that matches names it.",
    {
        "CHAMPIONS": "R 5 and F 4-5: bought very recently and often.",
        "LOYAL": "R 3-5 and F 4-5: buy often.",
        "POTENTIAL_LOYALIST": "R 4-5 and F 2-3: recent, buying again.",
        "NEW": "R 5 and F 1, or no purchase yet but joined in the last 30 days.",
        "PROMISING": "R 4 and F 1: a recent first purchase.",
        "NEEDS_ATTENTION": "R 3 and F 1-3: slipping.",
        "AT_RISK": "R 1-2 and F 3-5: used to buy often, not lately.",
        "HIBERNATING": "R 1-2 and F 1-2: few purchases, long ago.",
        "INACTIVE": "No purchase in the window and joined more than 30 days ago.",
    },
)
AbcClass = graphql_enum(
    Enum("AbcClass", {name: name for name in segments.ABC_CLASSES}),
    "AbcClass",
    "A member's ABC class by share of revenue (totals less refunds), members ranked by revenue.",
    {
        "A": "The members making the first 80% of revenue.",
        "B": "The next 15% (up to 95%).",
        "C": "The rest, and members without revenue.",
    },
)


@strawberry.type(description="How many members a segment holds.")
class SegmentCount:
    segment: Segment = strawberry.field(description="The segment.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    members: int = strawberry.field(description="Members in it.")


@strawberry.type(description="How many members an ABC class holds.")
class AbcClassCount:
    abc_class: AbcClass = strawberry.field(description="The class.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    members: int = strawberry.field(description="Members in it.")


@strawberry.type(description="The last segment run's counts.")
class Segments:
    computed_at: datetime | None = strawberry.field(description="Null until a first run.")
    segments: list[SegmentCount] = strawberry.field(
        description="Members per RFM segment, every segment listed.",
    )
    abc_classes: list[AbcClassCount] = strawberry.field(
        description="Members per ABC class, every class listed.",
    )


@strawberry.type(description="Whether a segment run was asked for.")
class ComputeSegmentsPayload:
    enqueued: bool = strawberry.field(
        default=False,
        description="false when a run was already asked for within the last minute (it serves "
        "this request too).",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.type
class SegmentQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="Members per RFM segment and ABC class. Staff, any role.",
    )
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
        description="Recompute segments now, in a worker (requests within a minute share a run). "
        "Staff, MANAGER role or higher.",
    )
    @returns_user_errors(ComputeSegmentsPayload)
    async def compute_segments(self, info: Info) -> ComputeSegmentsPayload:
        await segments.request_computation(info.context.actor, info.context.program_id)
        enqueued = await enqueue_segmentation(
            info.context.request.app.state.arq, info.context.program_id
        )
        return ComputeSegmentsPayload(enqueued=enqueued)
