"""Dataloaders, created per request: one class per relation, results in key order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from strawberry.dataloader import DataLoader

from badges.awarding import awards_of_members
from badges.models import Badge, BadgeAward
from core.errors import NotFound
from gamification.accounts.members import members_by_id
from gamification.accounts.models import Member, MemberSegment, StaffUser
from gamification.games import contests, instant_win
from gamification.games.models import ContestPrize, ContestWinner, GamePrize, InstantWinGame
from gamification.points.models import Tier
from gamification.programs.models import Program
from gamification.programs.programs import program_by_slug
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


async def _load_member_badges(ids: Sequence[int]) -> list[list[tuple[BadgeAward, Badge]]]:
    by_member = await awards_of_members(ids)
    return [by_member[i] for i in ids]


async def _load_game_prizes(ids: Sequence[int]) -> list[list[GamePrize]]:
    by_game = await instant_win.prizes_of_games(ids)
    return [by_game[i] for i in ids]


async def _load_contest_prizes(ids: Sequence[int]) -> list[list[ContestPrize]]:
    by_contest = await contests.prizes_of_contests(ids)
    return [by_contest[i] for i in ids]


async def _load_contest_winners(ids: Sequence[int]) -> list[list[tuple[ContestWinner, str]]]:
    by_contest = await contests.published_winners_of(ids)
    return [by_contest[i] for i in ids]


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
    def member_badges(self) -> DataLoader[int, list[tuple[BadgeAward, Badge]]]:
        """A member's badge levels, newest first, with their badges."""
        return DataLoader(load_fn=_load_member_badges)

    @cached_property
    def game_prizes(self) -> DataLoader[int, list[GamePrize]]:
        return DataLoader(load_fn=_load_game_prizes)

    @cached_property
    def contest_prizes(self) -> DataLoader[int, list[ContestPrize]]:
        return DataLoader(load_fn=_load_contest_prizes)

    @cached_property
    def contest_winners(self) -> DataLoader[int, list[tuple[ContestWinner, str]]]:
        return DataLoader(load_fn=_load_contest_winners)

    def plays_left(self, member_id: int) -> DataLoader[InstantWinGame, int | None]:
        """Plays the member has left today in each game (keyed by the game row)."""
        loader = self._plays_left.get(member_id)
        if loader is None:

            async def load(games: Sequence[InstantWinGame]) -> list[int | None]:
                left = await instant_win.plays_left_of(games, member_id)
                return [left[g.id] for g in games]

            loader = self._plays_left[member_id] = DataLoader(
                load_fn=load, cache_key_fn=lambda game: game.id
            )
        return loader

    def contest_entries(self, member_id: int) -> DataLoader[int, int]:
        """The entries the member holds in each contest (keyed by contest id)."""
        loader = self._contest_entries.get(member_id)
        if loader is None:

            async def load(ids: Sequence[int]) -> list[int]:
                held = await contests.entries_of_member(ids, member_id)
                return [held[i] for i in ids]

            loader = self._contest_entries[member_id] = DataLoader(load_fn=load)
        return loader

    @cached_property
    def _plays_left(self) -> dict[int, DataLoader[InstantWinGame, int | None]]:
        return {}

    @cached_property
    def _contest_entries(self) -> dict[int, DataLoader[int, int]]:
        return {}

    @cached_property
    def active_staff(self) -> DataLoader[int, StaffUser | None]:
        """Staff users not archived (None for an archived one): their role is read from here."""
        return DataLoader(load_fn=_load_active_staff)

    @cached_property
    def program_by_slug(self) -> DataLoader[str, Program]:
        """The program a slug names (PROGRAM_NOT_FOUND raised for an unknown one), looked up once
        per request: the sign-up and log-in rate limits and their mutations share it."""
        return DataLoader(load_fn=_load_programs_by_slug)
