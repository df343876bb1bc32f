"""GraphQL subscriptions: live updates over graphql-transport-ws (transport.py), fed by the live
channels through the process's hub (hub.py).

Event streams (myActivity, programActivity) send every event they take, each with its event id,
and end with an error (SLOW_CONSUMER, LIVE_GAP) when events may have been missed; the client
then reads what it missed and subscribes again (`myActivity(after:)` replays it). Value streams
(myBalance, leaderboardChanged, challengeProgress) send the value when subscribing and again
when it changes, read afresh at most once per `live_coalesce_seconds`: they never miss a final
value, whatever the client's speed or an outage of Redis. contestDrawn sends once and ends.

Tenancy: a subscription follows its caller's program only (the hub routes by the channel, one
per program), and member streams keep the caller's own events.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError

from api.activity.types import ActivityItem
from api.context import Info
from api.games.types import Contest
from api.ids import parse_id
from api.leaderboards.types import LeaderboardPeriod, LeaderboardRank, entries_of
from api.permissions import member_only, staff_only
from api.subscriptions.feeds import ChangeFeed, EventFeed, Feed, LiveInterrupted
from api.subscriptions.hub import HubUnavailable
from api.subscriptions.types import (
    BalanceChange,
    ChallengeProgressChange,
    ContestDrawn,
    LeaderboardChange,
    ProgramActivityItem,
)
from challenges import community
from challenges.definitions import challenge_in_program, from_units
from challenges.models import ChallengeKind
from core.errors import DomainError, ErrorCode, ValidationFailed
from core.outages import REDIS_UNAVAILABLE
from gamification import leaderboards
from gamification.accounts.members import members_by_id
from gamification.accounts.models import StaffRole
from gamification.events import EventType, live
from gamification.events.live import LiveEvent
from gamification.events.models import Event
from gamification.games import contests
from gamification.reporting import activity

V = TypeVar("V")

_POINTS_TYPES = frozenset(
    {
        EventType.POINTS_EARNED.value,
        EventType.POINTS_SPENT.value,
        EventType.POINTS_EXPIRED.value,
        EventType.POINTS_REVERSED.value,
        EventType.POINTS_ADJUSTED.value,
    }
)

_BOARD_MOVES = {
    "action": frozenset({EventType.ACTION_RECORDED.value, EventType.MEMBER_ANONYMISED.value}),
    "points": frozenset(
        {
            EventType.POINTS_EARNED.value,
            EventType.POINTS_SPENT.value,
            EventType.POINTS_REVERSED.value,
            EventType.POINTS_ADJUSTED.value,
            EventType.MEMBER_ANONYMISED.value,
        }
    ),
    "referrals": frozenset(
        {
            EventType.REFERRAL_QUALIFIED.value,
            EventType.REFERRAL_REVERSED.value,
            EventType.MEMBER_ANONYMISED.value,
        }
    ),
}

# The console's feed: what every staff role sees, and what only managers and admins see (the
# handling of members' accounts).
_PROGRAM_FEED = frozenset(
    {
        EventType.MEMBER_SIGNED_UP.value,
        EventType.PURCHASE_RECORDED.value,
        EventType.PURCHASE_REFUNDED.value,
        EventType.REWARD_REDEEMED.value,
        EventType.REDEMPTION_USED.value,
        EventType.TIER_CHANGED.value,
        EventType.BADGE_AWARDED.value,
        EventType.CHALLENGE_COMPLETED.value,
        EventType.REFERRAL_QUALIFIED.value,
        EventType.GAME_PLAYED.value,
        EventType.PRIZE_WON.value,
        EventType.CONTEST_ENTERED.value,
    }
)
_MANAGERS_FEED = _PROGRAM_FEED | {
    EventType.POINTS_ADJUSTED.value,
    EventType.MEMBER_BLOCKED.value,
    EventType.MEMBER_UNBLOCKED.value,
    EventType.MEMBER_ANONYMISED.value,
    EventType.REDEMPTION_CANCELLED.value,
}


def _refusal(error: DomainError) -> GraphQLError:
    extensions: dict[str, Any] = {"code": str(error.code.value)}
    if error.field:
        extensions["field"] = error.field
    return GraphQLError(error.message, extensions=extensions)


def _interruption(error: LiveInterrupted) -> GraphQLError:
    return GraphQLError(str(error), extensions={"code": error.code})


async def _follow(info: Info, feed: Feed, member_id: int | None = None) -> None:
    try:
        await info.context.services.hub.follow(info.context.program_id, feed, member_id)
    except HubUnavailable as error:
        raise GraphQLError(
            str(error), extensions={"code": REDIS_UNAVAILABLE, "retryable": True}
        ) from None


async def _values(
    info: Info,
    feed: ChangeFeed,
    key: Hashable,
    read: Callable[[], Awaitable[V]],
    same: Callable[[V, V], bool],
    member_id: int | None = None,
) -> AsyncGenerator[V]:
    """The value when subscribing, then again each time it changes, read at most once per
    `live_coalesce_seconds` (changes in between make one reading), each reading shared by the
    process's subscriptions of the same `key`. Each message names the last event it follows."""
    hub = info.context.services.hub
    interval = info.context.services.settings.live_coalesce_seconds
    await _follow(info, feed, member_id)
    try:
        try:
            value = await read()
        except DomainError as error:
            raise _refusal(error) from None
        yield value
        # From the last reading, not the last message: a board that moves without moving this
        # member's window is read once per interval, not once per purchase.
        read_at = time.monotonic()
        while True:
            await feed.wait()
            pause = read_at + interval - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            event_id, sequence = feed.take()
            read_at = time.monotonic()
            fresh = await hub.reading(key, sequence, read)
            if not same(fresh, value):
                value = fresh
                yield dataclasses.replace(fresh, event_id=_event_id(event_id))  # type: ignore[type-var]  # a strawberry type: a dataclass with event_id
    finally:
        hub.unfollow(info.context.program_id, feed, member_id)


async def _events(info: Info, feed: EventFeed) -> AsyncGenerator[LiveEvent]:
    await _follow(info, feed)
    try:
        while True:
            try:
                yield await feed.get()
            except LiveInterrupted as error:
                raise _interruption(error) from None
    finally:
        info.context.services.hub.unfollow(info.context.program_id, feed)


def _row(program_id: int, event: LiveEvent) -> Event:
    """The event as a row (not saved): what the activity list's sentences are made from."""
    return Event(
        id=event.id,
        program_id=program_id,
        member_id=event.member_id,
        type=event.type,
        data=event.data,
        occurred_at=datetime.fromisoformat(event.occurred_at),
    )


def _event_id(event_id: int | None) -> strawberry.ID | None:
    return None if event_id is None else strawberry.ID(str(event_id))


@strawberry.type
class Subscriptions:
    @strawberry.subscription(
        extensions=member_only(),
        description="The member's activity items as they are committed (the items of "
        "`me { activity }`: points earned, spent and expired, tier changes, badges, challenges, "
        "prizes won, referrals...), each with its event id. With `after` (the last event id the "
        "app has shown), the items committed since then come first. Best effort: it ends with "
        "SLOW_CONSUMER or LIVE_GAP when items may have been missed; subscribe again with "
        "`after` (docs/live.md).",
    )
    async def my_activity(
        self,
        info: Info,
        after: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="An event id (0: from the first): the member's items after it are "
                "sent first (at most `live_queue_size` of them; more is LIVE_GAP: page "
                "`activity` instead)."
            ),
        ] = None,
    ) -> AsyncGenerator[ActivityItem]:
        caller = info.context.caller
        member_id, program_id = caller.member_id, info.context.program_id
        capacity = info.context.services.settings.live_queue_size
        feed = EventFeed(
            lambda e: e.member_id == member_id and e.type not in activity.HIDDEN_TYPES,
            capacity,
        )
        last = 0
        if after is not None:
            # 0: from the first item (an app that has shown none yet).
            try:
                last = 0 if after == "0" else parse_id(after, "after")
            except DomainError as error:
                raise _refusal(error) from None
        # Following before reading the missed ones: nothing falls between the two.
        await _follow(info, feed, member_id)
        try:
            if after is not None:
                missed = (
                    await activity.feed_of(member_id)
                    .filter(id__gt=last)
                    .order_by("id")
                    .limit(capacity + 1)
                )
                if len(missed) > capacity:
                    raise GraphQLError(
                        f"More than {capacity} items since `after`: page `me {{ activity }}`.",
                        extensions={"code": "LIVE_GAP"},
                    )
                for row in missed:
                    last = row.id
                    yield ActivityItem.from_model(row)
            while True:
                try:
                    event = await feed.get()
                except LiveInterrupted as error:
                    raise _interruption(error) from None
                if event.id > last:
                    yield ActivityItem.from_model(_row(program_id, event))
        finally:
            info.context.services.hub.unfollow(program_id, feed, member_id)

    @strawberry.subscription(
        extensions=member_only(),
        description="The member's points balance: when subscribing, then after each change "
        "(at most about once a second).",
    )
    async def my_balance(self, info: Info) -> AsyncGenerator[BalanceChange]:
        member_id = info.context.caller.member_id

        async def read() -> BalanceChange:
            member = (await members_by_id([member_id])).get(member_id)
            return BalanceChange(
                points_balance=member.points_balance if member else 0, event_id=None
            )

        feed = ChangeFeed(lambda e: e.member_id == member_id and e.type in _POINTS_TYPES)
        async for change in _values(
            info,
            feed,
            ("balance", member_id),
            read,
            lambda a, b: a.points_balance == b.points_balance,
            member_id,
        ):
            yield change

    @strawberry.subscription(
        extensions=member_only(),
        description="The member's rank on a board and the members around them: when "
        "subscribing, then when it changes (at most about once a second, however often the "
        "board moves). UNKNOWN_LEADERBOARD or INVALID_INPUT as an error.",
    )
    async def leaderboard_changed(
        self,
        info: Info,
        board: Annotated[
            str,
            strawberry.argument(
                description="`points`, `referrals`, `challenge:<id>` or `action:<code>`, as for "
                "`leaderboard`."
            ),
        ],
        period: Annotated[  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
            LeaderboardPeriod, strawberry.argument(description="The window (default ALL_TIME).")
        ] = leaderboards.Period.ALL_TIME,
        around: Annotated[
            int,
            strawberry.argument(
                description=f"Members above and below the member: 0 to {leaderboards.MAX_AROUND} "
                "(default 2)."
            ),
        ] = 2,
    ) -> AsyncGenerator[LeaderboardChange]:
        member_id, program_id = info.context.caller.member_id, info.context.program_id
        redis = info.context.services.redis

        async def read_many(members: frozenset[int]) -> dict[int, leaderboards.BoardView]:
            return await leaderboards.read_standings(
                redis, program_id, board, leaderboards.Period(period), members, around=around
            )

        async def read() -> LeaderboardChange:
            # The followers of this board in this process read together: one round trip.
            view = await info.context.services.hub.gathered(
                ("board", program_id, board, str(period), around), member_id, read_many
            )
            return LeaderboardChange(
                board=board,
                period=period,
                me=LeaderboardRank(rank=view.me.rank, score=view.me.score) if view.me else None,
                around=await entries_of(view.around),
                event_id=None,
            )

        def same(a: LeaderboardChange, b: LeaderboardChange) -> bool:
            return (a.me, [(e.rank, e.score, e.member.member_id) for e in a.around]) == (
                b.me,
                [(e.rank, e.score, e.member.member_id) for e in b.around],
            )

        # The events that move the board's family (as its feeds take them:
        # gamification.leaderboards); a challenge's board moves with whatever its metric counts.
        moving = _BOARD_MOVES.get(board.split(":", 1)[0])
        feed = ChangeFeed(
            lambda e: e.member_id is not None and (moving is None or e.type in moving)
        )
        key = ("board", member_id, board, str(period), around)
        async for change in _values(info, feed, key, read, same):
            yield change

    @strawberry.subscription(
        extensions=member_only(),
        description="A COLLECTIVE challenge's community total: when subscribing, then when it "
        "changes (at most about once a second). NOT_FOUND for a challenge of another program, "
        "INVALID_INPUT for an INDIVIDUAL one.",
    )
    async def challenge_progress(
        self,
        info: Info,
        challenge_id: Annotated[strawberry.ID, strawberry.argument(description="The challenge.")],
    ) -> AsyncGenerator[ChallengeProgressChange]:
        program_id = info.context.program_id
        try:
            challenge = await challenge_in_program(
                program_id, parse_id(challenge_id, "challengeId")
            )
            if challenge.kind != ChallengeKind.COLLECTIVE:
                raise ValidationFailed(
                    ErrorCode.INVALID_INPUT,
                    "Only a COLLECTIVE challenge has a community total.",
                    "challengeId",
                )
        except DomainError as error:
            raise _refusal(error) from None

        async def read() -> ChallengeProgressChange:
            tally = (await community.tallies([challenge.id]))[challenge.id]
            await challenge.refresh_from_db(fields=["reached_at"])
            return ChallengeProgressChange(
                challenge_id=strawberry.ID(str(challenge.id)),
                community_progress=from_units(challenge.metric, tally.total),
                target=from_units(challenge.metric, challenge.target),
                participants=tally.participants,
                reached_at=challenge.reached_at,
                event_id=None,
            )

        feed = ChangeFeed(lambda e: e.member_id is not None)
        async for change in _values(
            info,
            feed,
            ("challenge", challenge.id),
            read,
            lambda a, b: (
                (a.community_progress, a.participants, a.reached_at)
                == (b.community_progress, b.participants, b.reached_at)
            ),
        ):
            yield change

    @strawberry.subscription(
        extensions=member_only(),
        description="One message when the contest is drawn (at once if it is already), with "
        "its winners and seed; then the subscription ends. NOT_FOUND for another program's.",
    )
    async def contest_drawn(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The contest's id.")],
    ) -> AsyncGenerator[ContestDrawn]:
        program_id = info.context.program_id
        try:
            contest_id = (await contests.contest_in_program(program_id, parse_id(id, "id"))).id
        except DomainError as error:
            raise _refusal(error) from None
        feed = ChangeFeed(
            lambda e: False,
            lambda notice: (
                notice.get("kind") == live.CONTEST_DRAWN and notice.get("contestId") == contest_id
            ),
        )
        await _follow(info, feed)
        try:
            while not await contests.is_drawn(contest_id):
                await feed.wait()
                feed.take()
            yield ContestDrawn(
                contest=Contest.from_model(
                    await contests.contest_in_program(program_id, contest_id)
                )
            )
        finally:
            info.context.services.hub.unfollow(program_id, feed)

    @strawberry.subscription(
        extensions=staff_only(),
        description="The program's events as they are committed, for the console: purchases, "
        "refunds, redemptions, wins, sign-ups, badges, challenges, referrals; managers and "
        "admins also see the handling of accounts (points adjusted, members blocked, unblocked "
        "or erased, redemptions cancelled). The role is read again every few seconds. Ends "
        "with SLOW_CONSUMER or LIVE_GAP when events may have been missed.",
    )
    async def program_activity(self, info: Info) -> AsyncGenerator[ProgramActivityItem]:
        context = info.context
        fallback = context.caller.role

        def role() -> str | None:
            connection = context.connection
            return connection.role if connection is not None and connection.role else fallback

        def accepts(event: LiveEvent) -> bool:
            if role() in (StaffRole.ADMIN.value, StaffRole.MANAGER.value):
                return event.type in _MANAGERS_FEED
            return event.type in _PROGRAM_FEED

        feed = EventFeed(accepts, context.services.settings.live_queue_size)
        async for event in _events(info, feed):
            # Read again as it is sent: a role lowered since the event was queued.
            if accepts(event):
                yield ProgramActivityItem(
                    id=strawberry.ID(str(event.id)),
                    type=event.type,
                    occurred_at=datetime.fromisoformat(event.occurred_at),
                    member_id=_event_id(event.member_id),
                    data=event.data,
                )
