"""Dataloaders, created per request: one class per relation, results in key order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from gamification import members
from gamification.models import Member, Reward, Tier


async def _load_members(ids: Sequence[int]) -> list[Member | None]:
    by_id = {m.id: m for m in await Member.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


async def _load_rewards(ids: Sequence[int]) -> list[Reward | None]:
    by_id = {r.id: r for r in await Reward.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


async def _load_display_names(ids: Sequence[int]) -> list[str | None]:
    names = await members.display_names(ids)
    return [names.get(i) for i in ids]


async def _load_tiers(ids: Sequence[int]) -> list[Tier | None]:
    by_id = {t.id: t for t in await Tier.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


@dataclass
class Loaders:
    member: DataLoader[int, Member | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load_members)
    )
    reward: DataLoader[int, Reward | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load_rewards)
    )
    display_name: DataLoader[int, str | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load_display_names)
    )
    tier: DataLoader[int, Tier | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load_tiers)
    )
