"""The audience of an offer in GraphQL (gamification/points/audiences.py): the type every offer
shows, and the input fields staff give on the create and update mutations of earning rules,
rewards, instant-win games, contests and auctions."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

import strawberry

from api.context import Info
from api.ids import parse_id
from api.reports.segments import AbcClass, Segment
from gamification.points import audiences
from gamification.rewards import eligibility

Offer = TypeVar("Offer")

SEGMENTS_INPUT = (
    "Limit it to members in these RFM segments, as last computed (computeSegments); empty or "
    "null: any segment. Unknown names are INVALID_INPUT."
)
CLASSES_INPUT = (
    "Limit it to members in these ABC classes, as last computed; empty or null: any class."
)
TIERS_INPUT = (
    "Limit it to members in these tiers (ids of this program's tiers, at most 20; "
    "TIER_NOT_FOUND otherwise); empty or null: any tier."
)
CHANGE = " Left out: unchanged; an empty list lifts the limit."


@strawberry.type(
    description="Who an offer is for. Each list left empty sets no limit; every list that is "
    "set must hold (segments and classes as last computed: a member not yet computed is in none)."
)
class Audience:
    segments: list[Segment] = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="The RFM segments it is limited to (empty: any)."
    )
    abc_classes: list[AbcClass] = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="The ABC classes it is limited to (empty: any)."
    )
    tier_ids: list[strawberry.ID] = strawberry.field(
        description="The ids of the tiers it is limited to (empty: any)."
    )

    @classmethod
    def of(cls, offer: Any) -> Audience:
        return cls.from_audience(audiences.Audience.of(offer))

    @classmethod
    def from_audience(cls, audience: audiences.Audience) -> Audience:
        return cls(
            segments=sorted(audience.segments),
            abc_classes=sorted(audience.classes),
            tier_ids=[strawberry.ID(str(i)) for i in sorted(audience.tier_ids)],
        )


def audience_values(input: Any) -> dict[str, Any]:
    """The audience fields the caller gave (UNSET left out, null as an empty list), named as
    the services take them, tier ids parsed."""
    values: dict[str, Any] = {}
    for name in audiences.INPUTS:
        value = getattr(input, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        items = list(value or ())
        if name == "target_tier_ids":
            values[name] = [parse_id(raw, "targetTierIds") for raw in items]
        else:
            values[name] = [item.value if isinstance(item, Enum) else str(item) for item in items]
    return values


@strawberry.input(description="The audience of a new offer (mixed into its create input).")
class AudienceInput:
    target_segments: list[Segment] | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None, description=SEGMENTS_INPUT
    )
    target_classes: list[AbcClass] | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None, description=CLASSES_INPUT
    )
    target_tier_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=TIERS_INPUT
    )


@strawberry.input(description="A change of an offer's audience (mixed into its update input).")
class AudienceChanges:
    target_segments: list[Segment] | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=strawberry.UNSET, description=SEGMENTS_INPUT + CHANGE
    )
    target_classes: list[AbcClass] | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=strawberry.UNSET, description=CLASSES_INPUT + CHANGE
    )
    target_tier_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description=TIERS_INPUT + CHANGE
    )


async def offered(info: Info, offers: list[Offer]) -> list[Offer]:
    """The offers of a list the caller sees: a member only those aimed at them, anyone else all."""
    if info.context.caller.kind != "member":
        return offers
    member = await info.context.loaders.member.load(info.context.caller.member_id)
    if member is None:
        return []
    return await eligibility.offered_to(member, offers)
