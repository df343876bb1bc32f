"""Dataloaders, created per request: one class per relation, results in key order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from strawberry.dataloader import DataLoader

from core.errors import NotFound
from gamification.accounts.members import members_by_id
from gamification.accounts.models import Member, StaffUser
from gamification.points.models import Tier
from gamification.programs.models import Program
from gamification.programs.programs import program_by_slug
from gamification.reporting.models import MemberSegment
from gamification.rewards.models import Reward


async def _load_members(ids: Sequence[int]) -> list[Member | None]:
    by_id = await members_by_id(ids)
    return [by_id.get(i) for i in ids]


async def _load_active_staff(ids: Sequence[int]) -> list[StaffUser | None]:
    by_id = {s.id: s for s in await StaffUser.filter(id__in=list(ids), archived_at__isnull=True)}
    return [by_id.get(i) for i in ids]


async def _load_segments(ids: Sequence[int]) -> list[MemberSegment | None]:
    by_member = {s.member_id: s for s in await MemberSegment.filter(member_id__in=list(ids))}
    return [by_member.get(i) for i in ids]


async def _load_rewards(ids: Sequence[int]) -> list[Reward | None]:
    by_id = {r.id: r for r in await Reward.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


async def _load_tiers(ids: Sequence[int]) -> list[Tier | None]:
    by_id = {t.id: t for t in await Tier.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


async def _load_programs_by_slug(slugs: Sequence[str]) -> list[Program | NotFound]:
    # A request names one program at most (sign-up, log-in): one lookup each, the refusal of an
    # unknown slug kept as the answer, raised again to whoever asks.
    found: list[Program | NotFound] = []
    for slug in slugs:
        try:
            found.append(await program_by_slug(slug))
        except NotFound as error:
            found.append(error)
    return found


class Loaders:
    """A request's loaders, each built the first time a resolver asks for it: most requests use
    one or none."""

    @cached_property
    def member(self) -> DataLoader[int, Member | None]:
        return DataLoader(load_fn=_load_members)

    @cached_property
    def segment(self) -> DataLoader[int, MemberSegment | None]:
        """A member's last computed segment, by member id."""
        return DataLoader(load_fn=_load_segments)

    @cached_property
    def reward(self) -> DataLoader[int, Reward | None]:
        return DataLoader(load_fn=_load_rewards)

    @cached_property
    def tier(self) -> DataLoader[int, Tier | None]:
        return DataLoader(load_fn=_load_tiers)

    @cached_property
    def active_staff(self) -> DataLoader[int, StaffUser | None]:
        """Staff users not archived (None for an archived one): their role is read from here."""
        return DataLoader(load_fn=_load_active_staff)

    @cached_property
    def program_by_slug(self) -> DataLoader[str, Program]:
        """The program a slug names (PROGRAM_NOT_FOUND raised for an unknown one), looked up once
        per request: the sign-up and log-in rate limits and their mutations share it."""
        return DataLoader(load_fn=_load_programs_by_slug)
