"""Feeding the boards from domain events, after their commit (best effort: an update Redis
fails marks the program's boards for repair (leaderboards.repairs), and the nightly rebuild
repairs what a crash between commit and feed misses)."""

from __future__ import annotations

from core.redis import RedisClient
from gamification import events
from gamification.accounts.models import Member
from gamification.actions.models import MemberAction
from gamification.events import EventType
from gamification.events.models import Event
from gamification.events.payloads import (
    ActionRecorded,
    PointsAdjusted,
    PointsEarned,
    PointsMoved,
    ReferralChanged,
)
from gamification.leaderboards.boards import POINTS, REFERRALS, action_board
from gamification.leaderboards.erasure import remove_member
from gamification.leaderboards.rebuilds import POINTS_KINDS, Change, action_change, aware
from gamification.leaderboards.repairs import update_or_mark_stale
from gamification.leaderboards.scores import add_score
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.referrals.models import Referral


class BoardFeeds:
    """The board updates of domain events, written with one Redis client (the composition root
    makes one per process; without a client, boards are left to the next rebuild)."""

    def __init__(self, redis: RedisClient | None) -> None:
        self.redis = redis

    async def on_points_event(self, event: Event) -> None:
        """POINTS_EARNED / SPENT / REVERSED / ADJUSTED: each carries its ledger entry, which
        decides (by kind) whether and how it counts. Keyed by entry, so the EARNED and ADJUSTED
        events of one adjustment count once."""
        if self.redis is None:
            return
        payload = events.payload_of(event)
        if not isinstance(payload, PointsMoved | PointsAdjusted):
            return
        entry_id = payload.entry
        if (
            isinstance(payload, PointsEarned)
            and payload.kind in _EARNED_BY_MEMBER
            and event.member_id is not None
        ):
            # The event says all: the points, the kind and the entry's time (its occurred_at),
            # and the ledger refuses these kinds to an anonymised member. No read on the
            # purchase path.
            at = aware(event.occurred_at)
            await update_or_mark_stale(
                add_score(
                    self.redis,
                    event.program_id,
                    POINTS,
                    event.member_id,
                    payload.points,
                    at,
                    f"e{entry_id}",
                ),
                {event.program_id},
                at,
            )
            return
        # Other kinds (refunds, adjustments) may concern an anonymised member: the entry and the
        # member's erasure come in one query.
        rows = await LedgerEntry.filter(id=entry_id).values_list(
            "program_id", "member_id", "delta", "kind", "created_at", "member__anonymised_at"
        )
        if not rows:
            return
        program_id, member_id, delta, kind, created_at, anonymised_at = rows[0]
        if LedgerKind(kind) not in POINTS_KINDS or anonymised_at is not None:
            return
        at = aware(created_at)
        await update_or_mark_stale(
            add_score(self.redis, program_id, POINTS, member_id, delta, at, f"e{entry_id}"),
            {program_id},
            at,
        )

    async def on_referral_event(self, event: Event) -> None:
        if self.redis is None:
            return
        referral = await Referral.get_or_none(id=ReferralChanged.of(event).referral_id)
        if referral is None or referral.qualified_at is None:
            return
        if await Member.exists(id=referral.referrer_id, anonymised_at__isnull=False):
            return  # an anonymised member stays off the boards
        qualified_at = aware(referral.qualified_at)
        if event.type == EventType.REFERRAL_QUALIFIED:
            change = Change(f"q{referral.id}", referral.referrer_id, 1, qualified_at, qualified_at)
        elif referral.reversed_at is not None:
            reversed_at = aware(referral.reversed_at)
            change = Change(f"r{referral.id}", referral.referrer_id, -1, reversed_at, qualified_at)
        else:
            return
        await update_or_mark_stale(
            add_score(
                self.redis,
                referral.program_id,
                REFERRALS,
                change.member_id,
                change.delta,
                change.at,
                change.id,
                change.period_at,
            ),
            {referral.program_id},
            min(change.at, change.period_at),
        )

    async def on_action_event(self, event: Event) -> None:
        """ACTION_RECORDED: one more on the board of its type. The action's row gives the time
        it was recorded, the one a rebuild reads back (the event carries when it occurred)."""
        if self.redis is None:
            return
        payload = ActionRecorded.of(event)
        rows = await MemberAction.filter(id=payload.action_id).values_list(
            "member_id", "recorded_at", "occurred_at", "member__anonymised_at"
        )
        if not rows or rows[0][3] is not None:
            return  # an anonymised member stays off the boards
        member_id, recorded_at, occurred_at, _ = rows[0]
        change = action_change(payload.action_id, member_id, aware(recorded_at), aware(occurred_at))
        await update_or_mark_stale(
            add_score(
                self.redis,
                event.program_id,
                action_board(payload.code),
                change.member_id,
                change.delta,
                change.at,
                change.id,
                change.period_at,
            ),
            {event.program_id},
            min(change.at, change.period_at),
        )

    async def on_member_anonymised(self, event: Event) -> None:
        if self.redis is None or event.member_id is None:
            return
        # A repair's rebuild keeps anonymised members off every board.
        await update_or_mark_stale(
            remove_member(self.redis, event.program_id, event.member_id),
            {event.program_id},
            aware(event.occurred_at),
        )

    async def wants(
        self, program_id: int, event_type: str, member_id: int | None, payload: events.Payload
    ) -> bool:
        if self.redis is None:
            return False  # without a Redis the handlers do nothing
        # A points event carries its entry's kind: spending (a redemption, a play, an entry)
        # never counts, so those need no handling. An unknown kind is looked at.
        return not isinstance(payload, PointsMoved) or payload.kind not in _NOT_COUNTED

    def install(self) -> None:
        """Subscribe the board updates (bootstrap), replacing any earlier feeds."""
        for event_type in (
            EventType.POINTS_EARNED,
            EventType.POINTS_SPENT,
            EventType.POINTS_REVERSED,
            EventType.POINTS_ADJUSTED,
        ):
            events.subscribe_effect(event_type, self.on_points_event, self.wants)
        events.subscribe_effect(EventType.REFERRAL_QUALIFIED, self.on_referral_event, self.wants)
        events.subscribe_effect(EventType.REFERRAL_REVERSED, self.on_referral_event, self.wants)
        events.subscribe_effect(EventType.ACTION_RECORDED, self.on_action_event, self.wants)
        events.subscribe_effect(EventType.MEMBER_ANONYMISED, self.on_member_anonymised, self.wants)


_NOT_COUNTED = frozenset(k.value for k in LedgerKind if k not in POINTS_KINDS)
# Counted kinds that the ledger refuses to blocked and anonymised members.
_EARNED_BY_MEMBER = frozenset(k.value for k in POINTS_KINDS & ledger.BLOCKED_KINDS)
