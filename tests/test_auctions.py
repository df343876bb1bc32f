"""Auctions in points: a bid holds its points at once, the bid it pushes out gets them back in the
same transaction, a raise holds only the difference, late bids extend the end, and settling
moves each point once however often and however concurrently it runs. After every scenario,
balance + held = ledger for every member involved."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events import EventType
from gamification.events.models import Event
from gamification.games import auctions
from gamification.games.models import Auction, AuctionBid, AuctionPrizeKind, BidStatus, PrizeClaim
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.programs.models import Program
from tests.builders import (
    assert_ledger_consistent,
    give_points,
    new_program,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes
from tests.workers import run_burst_worker
from workers.auctions import scan_auctions

PLACE_BID = """
mutation Bid($input: PlaceBidInput!) {
  placeBid(input: $input) {
    bid { id points status }
    auction { id currentPrice minimumBid bidsCount endsAt myBid myStatus }
    member { pointsBalance pointsHeld }
    errors { code field message }
  }
}
"""
AUCTIONS = """
query { auctions { id name phase currentPrice minimumBid myBid myStatus myClaimCode reserve
  reserveMet bids(first: 5) { bidder points mine } } }
"""
CREATE_AUCTION = """
mutation Create($input: CreateAuctionInput!) {
  createAuction(input: $input) { auction { id name phase reserve } errors { code field } }
}
"""
ME = "query { me { pointsBalance pointsHeld } }"


async def new_auction(program: Program, **values: Any) -> int:
    now = clock.now()
    options: dict[str, Any] = {
        "name": f"Apron {now.timestamp()}",
        "prize_kind": AuctionPrizeKind.PRIZE,
        "prize_name": "Signed apron",
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=1),
        "starting_bid": 50,
        "min_increment": 10,
        **values,
    }
    auction = await auctions.create_auction(SYSTEM, program.id, **options)
    return auction.id


async def bid(member: Any, auction_id: int, points: int, key: str) -> dict[str, Any]:
    payload: dict[str, Any] = await member.client.mutate(
        PLACE_BID, {"auctionId": str(auction_id), "points": points, "idempotencyKey": key}
    )
    return payload


async def test_a_bid_holds_its_points_and_an_outbid_member_gets_them_back_at_once(
    gql: GraphQLClient,
) -> None:
    # given an auction and two members with 200 points each
    program = await new_program()
    auction_id = await new_auction(program)
    ann, bob = await sign_up(gql, program), await sign_up(gql, program)
    for member in (ann, bob):
        await give_points(member.id, 200)
    # when Ann bids 50, her 50 points are held at once
    first = await bid(ann, auction_id, 50, "ann-1")
    assert first["errors"] == []
    assert first["member"] == {"pointsBalance": 150, "pointsHeld": 50}
    assert first["auction"]["myStatus"] == "WINNING"
    assert first["auction"]["minimumBid"] == 60
    # and when Bob bids 60, Ann is outbid and has all her points back in the same step
    second = await bid(bob, auction_id, 60, "bob-1")
    assert second["member"] == {"pointsBalance": 140, "pointsHeld": 60}
    assert (await ann.client.query(ME))["me"] == {"pointsBalance": 200, "pointsHeld": 0}
    seen = (await ann.client.query(AUCTIONS))["auctions"][0]
    assert seen["myStatus"] == "OUTBID" and seen["currentPrice"] == 60
    assert seen["minimumBid"] == 70
    assert [(b["points"], b["mine"]) for b in seen["bids"]] == [(60, False), (50, True)]
    # a member never sees the reserve
    assert seen["reserve"] is None
    for member in (ann, bob):
        await assert_ledger_consistent(member.id)


async def test_raising_your_own_bid_holds_only_the_difference(gql: GraphQLClient) -> None:
    program = await new_program()
    auction_id = await new_auction(program)
    ann = await sign_up(gql, program)
    await give_points(ann.id, 100)
    await bid(ann, auction_id, 50, "a")
    # a raise must add the increment
    assert codes(await bid(ann, auction_id, 55, "b")) == ["BID_TOO_LOW"]
    raised = await bid(ann, auction_id, 90, "c")
    assert raised["member"] == {"pointsBalance": 10, "pointsHeld": 90}
    statuses = (
        await AuctionBid.filter(member_id=ann.id).order_by("id").values_list("status", flat=True)
    )
    assert statuses == [BidStatus.RAISED, BidStatus.WINNING]
    await assert_ledger_consistent(ann.id)


async def test_refused_bids_hold_nothing_and_a_retried_key_answers_the_first_bid(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    auction_id = await new_auction(program)
    later = await new_auction(program, starts_at=clock.now() + timedelta(hours=1))
    ann = await sign_up(gql, program)
    await give_points(ann.id, 70)
    assert codes(await bid(ann, auction_id, 40, "low")) == ["BID_TOO_LOW"]
    assert codes(await bid(ann, auction_id, 80, "broke")) == ["INSUFFICIENT_POINTS"]
    assert codes(await bid(ann, later, 50, "early")) == ["AUCTION_CLOSED"]
    assert codes(await bid(ann, auction_id, 0, "zero")) == ["INVALID_INPUT"]
    assert (await ann.client.query(ME))["me"] == {"pointsBalance": 70, "pointsHeld": 0}
    first = await bid(ann, auction_id, 50, "k1")
    again = await bid(ann, auction_id, 50, "k1")
    assert again["bid"]["id"] == first["bid"]["id"]
    assert again["member"] == {"pointsBalance": 20, "pointsHeld": 50}
    assert codes(await bid(ann, auction_id, 60, "k1")) == ["IDEMPOTENCY_KEY_REUSED"]
    # another program's member does not find the auction
    stranger = await sign_up(gql, await new_program())
    await give_points(stranger.id, 500)
    assert codes(await bid(stranger, auction_id, 100, "x")) == ["NOT_FOUND"]
    await assert_ledger_consistent(ann.id)


async def test_a_bid_in_the_last_minutes_extends_the_end(gql: GraphQLClient) -> None:
    program = await new_program()
    # members signed up now: their tokens are checked against the real time, the auction's
    # window against the frozen clock
    members = [await sign_up(gql, program) for _ in range(4)]
    for member in members:
        await give_points(member.id, 500)
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def at(minutes: int) -> str:
        return (start + timedelta(minutes=minutes)).isoformat()

    with clock.frozen_at(start) as time:
        auction_id = await new_auction(
            program, starts_at=start, ends_at=start + timedelta(hours=1), extension_minutes=5
        )
        # a bid 10 minutes before the end changes nothing
        time.advance(timedelta(minutes=50))
        assert (await bid(members[0], auction_id, 50, "a"))["auction"]["endsAt"] == at(60)
        # one 3 minutes before it pushes the end back 5 minutes
        time.advance(timedelta(minutes=7))
        assert (await bid(members[1], auction_id, 60, "b"))["auction"]["endsAt"] == at(65)
        # and one in the new last minutes again
        time.advance(timedelta(minutes=6))
        assert (await bid(members[2], auction_id, 70, "c"))["auction"]["endsAt"] == at(70)
        # past the end, no bid is taken
        time.advance(timedelta(minutes=8))
        assert codes(await bid(members[3], auction_id, 200, "d")) == ["AUCTION_CLOSED"]


async def test_500_concurrent_bids_leave_one_winner_and_everyone_elses_points_back(
    gql: GraphQLClient,
) -> None:
    # given 100 members with 1,000 points each, and an auction starting at 10 by steps of 1,
    # ending in 4 minutes, which a bid in its last 5 minutes extends by 5
    program = await new_program()
    ends_at = clock.now() + timedelta(minutes=4)
    auction_id = await new_auction(
        program, starting_bid=10, min_increment=1, ends_at=ends_at, extension_minutes=5
    )
    members = [await sign_up(gql, program) for _ in range(100)]
    for member in members:
        await give_points(member.id, 1000)
    # when they send 500 bids at once, each a random-looking amount
    bids = [(members[i % 100], 10 + (i * 37) % 900, f"k{i}") for i in range(500)]
    results = await asyncio.gather(*(bid(m, auction_id, p, k) for m, p, k in bids))
    accepted = [r for r in results if r["errors"] == []]
    assert accepted, "some bids must be taken"
    assert {c for r in results for c in codes(r)} <= {"BID_TOO_LOW"}
    # then exactly one bid is winning, the highest taken, and only its bidder holds points
    winning = await AuctionBid.filter(auction_id=auction_id, status=BidStatus.WINNING)
    assert len(winning) == 1
    top = max(r["bid"]["points"] for r in accepted)
    assert winning[0].points == top
    held = {m.id: m.points_held for m in await Member.filter(id__in=[x.id for x in members])}
    assert {mid: points for mid, points in held.items() if points} == {winning[0].member_id: top}
    for member in members:
        await assert_ledger_consistent(member.id)
    # and the end moved as the accepted bids, in the order they committed, say it should
    window, end = timedelta(minutes=5), ends_at
    for placed in await AuctionBid.filter(auction_id=auction_id).order_by("id"):
        if end - placed.placed_at <= window:
            end += window
    assert (await Auction.get(id=auction_id)).ends_at == end
    assert end > ends_at
    # and every bid pushed out told its bidder, with the points given back
    outbid = await Event.filter(program_id=program.id, type=EventType.OUTBID)
    lost = await AuctionBid.filter(auction_id=auction_id, status=BidStatus.OUTBID)
    assert sorted(e.data["bid_id"] for e in outbid) == sorted(b.id for b in lost)
    assert all(e.data["released"] > 0 for e in outbid)
    # when the auction ends and is settled, four times at once and once more
    with clock.frozen_at(clock.now() + timedelta(days=2)):
        settled = await asyncio.gather(*(auctions.settle(auction_id) for _ in range(4)))
        assert [s is not None for s in settled].count(True) == 1
        assert await auctions.settle(auction_id) is None
    # then the winner paid once, with a claim code, and everyone else has all their points
    spent = await LedgerEntry.filter(kind=LedgerKind.AUCTION, member_id__in=[m.id for m in members])
    assert [(e.member_id, e.delta) for e in spent] == [(winning[0].member_id, -top)]
    assert await PrizeClaim.filter(member_id=winning[0].member_id).count() == 1
    for member in members:
        balance = await assert_ledger_consistent(member.id)
        assert balance == (1000 - top if member.id == winning[0].member_id else 1000)


async def test_a_member_cannot_hold_more_than_their_balance_across_auctions(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    ids = [await new_auction(program, name=f"Lot {i}") for i in range(5)]
    ann = await sign_up(gql, program)
    await give_points(ann.id, 100)
    results = await asyncio.gather(*(bid(ann, aid, 60, f"lot-{aid}") for aid in ids))
    assert sorted(codes(r)[0] if codes(r) else "OK" for r in results) == [
        "INSUFFICIENT_POINTS",
        "INSUFFICIENT_POINTS",
        "INSUFFICIENT_POINTS",
        "INSUFFICIENT_POINTS",
        "OK",
    ]
    assert (await ann.client.query(ME))["me"] == {"pointsBalance": 40, "pointsHeld": 60}
    await assert_ledger_consistent(ann.id)


async def test_the_highest_bids_win_several_units_each_paying_its_own(gql: GraphQLClient) -> None:
    program = await new_program()
    auction_id = await new_auction(program, quantity=3, starting_bid=10, min_increment=5)
    members = [await sign_up(gql, program) for _ in range(5)]
    for member in members:
        await give_points(member.id, 500)
    for member, points in zip(members, (10, 20, 30, 40, 50), strict=True):
        assert (await bid(member, auction_id, points, "b"))["errors"] == []
    # the two lowest were pushed out as higher bids came; the next bid must beat 30 by 5
    seen = (await members[0].client.query(AUCTIONS))["auctions"][0]
    assert seen["myStatus"] == "OUTBID" and seen["minimumBid"] == 35
    with clock.frozen_at(clock.now() + timedelta(days=2)):
        settlement = await auctions.settle(auction_id)
    assert settlement is not None and settlement.winners == 3
    paid = {
        e.member_id: -e.delta
        for e in await LedgerEntry.filter(kind=LedgerKind.AUCTION, program_id=program.id)
    }
    assert paid == {members[2].id: 30, members[3].id: 40, members[4].id: 50}
    for member in members:
        await assert_ledger_consistent(member.id)
    won = (await members[4].client.query(AUCTIONS))["auctions"][0]
    assert won["phase"] == "SETTLED" and won["myStatus"] == "WON" and won["myClaimCode"]


async def test_an_auction_under_its_reserve_releases_everything(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    now = clock.now()
    created = await manager.mutate(
        CREATE_AUCTION,
        {
            "name": "Rare mug",
            "prizeKind": "PRIZE",
            "startsAt": (now - timedelta(minutes=1)).isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
            "startingBid": 10,
            "reserve": 500,
        },
    )
    assert created["errors"] == [] and created["auction"]["reserve"] == 500
    auction_id = int(created["auction"]["id"])
    ann = await sign_up(gql, program)
    await give_points(ann.id, 300)
    await bid(ann, auction_id, 200, "a")
    assert (await ann.client.query(AUCTIONS))["auctions"][0]["reserveMet"] is False
    with clock.frozen_at(now + timedelta(hours=2)):
        settlement = await auctions.settle(auction_id)
    assert settlement is not None and (settlement.winners, settlement.released) == (0, 200)
    assert (await ann.client.query(ME))["me"] == {"pointsBalance": 300, "pointsHeld": 0}
    assert await LedgerEntry.filter(member_id=ann.id, kind=LedgerKind.AUCTION).count() == 0
    await assert_ledger_consistent(ann.id)


async def test_held_points_count_in_the_liability_and_the_members_export(
    gql: GraphQLClient,
) -> None:
    program = await new_program(point_value="0.01")
    admin = await staff_client(gql, program, "ADMIN")
    auction_id = await new_auction(program)
    ann = await sign_up(gql, program)
    await give_points(ann.id, 1000)
    await bid(ann, auction_id, 400, "a")
    report = await admin.query(
        "query($from: DateTime!, $to: DateTime!) { programReport(from: $from, to: $to) "
        "{ pointsOutstanding liability { amount } } }",
        {
            "from": (clock.now() - timedelta(days=1)).isoformat(),
            "to": (clock.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert report["programReport"]["pointsOutstanding"] == 1000
    assert report["programReport"]["liability"]["amount"] == "10.00"
    exported = (await ann.client.query("query { exportMyData }"))["exportMyData"]
    assert exported["profile"]["points_held"] == 400
    assert exported["auctions"]["points_held"] == 400
    assert [b["points"] for b in exported["auctions"]["bids"]] == [400]


async def test_the_cron_scan_enqueues_each_due_auction_once_and_the_worker_settles_it(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    program = await new_program()
    auction_id = await new_auction(program)
    ann = await sign_up(gql, program)
    await give_points(ann.id, 100)
    await bid(ann, auction_id, 50, "a")
    with clock.frozen_at(clock.now() + timedelta(days=2)):
        pool = app.state.arq
        assert auction_id in await auctions.due_auctions()
        # two scans (two cron ticks, or two workers) enqueue its settlement once
        assert await scan_auctions({"redis": pool}) >= 1
        assert await scan_auctions({"redis": pool}) == 0
        worker = await run_burst_worker(redis_url)
        assert worker.jobs_failed == 0
        assert auction_id not in await auctions.due_auctions()
    assert (await ann.client.query(ME))["me"] == {"pointsBalance": 50, "pointsHeld": 0}
    await assert_ledger_consistent(ann.id)


async def test_a_settlement_interrupted_anywhere_leaves_all_or_nothing_and_finishes_once(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    members = [await sign_up(gql, program) for _ in range(6)]
    for member in members:
        await give_points(member.id, 300)
    for delay in (0.0, 0.002, 0.005, 0.01, 0.02):
        auction_id = await new_auction(program, name=f"Lot {delay}", quantity=3, starting_bid=10)
        for i, member in enumerate(members):
            await bid(member, auction_id, 10 + 10 * i, f"lot-{delay}")
        with clock.frozen_at(clock.now() + timedelta(days=2)):
            # a settlement killed after `delay` seconds (its transaction rolls back, as when a
            # worker dies), then the next scan's
            run = asyncio.create_task(auctions.settle(auction_id))
            await asyncio.sleep(delay)
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
            for member in members:
                await assert_ledger_consistent(member.id)
            await auctions.settle(auction_id)
        bids = await AuctionBid.filter(auction_id=auction_id).values_list("id", flat=True)
        paid = await LedgerEntry.filter(
            kind=LedgerKind.AUCTION, reference__in=[f"auction_bid:{b}" for b in bids]
        )
        assert sorted(-e.delta for e in paid) == [40, 50, 60]
    for member in members:
        await assert_ledger_consistent(member.id)


async def test_a_member_blocked_before_the_end_does_not_pay_and_the_prize_is_not_given(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    auction_id = await new_auction(program)
    ann = await sign_up(gql, program)
    await give_points(ann.id, 100)
    await bid(ann, auction_id, 80, "a")
    blocked = await manager.mutate(
        "mutation($input: BlockMemberInput!) { blockMember(input: $input) { errors { code } } }",
        {"memberId": str(ann.id), "reason": "Fraud check"},
    )
    assert blocked["errors"] == []
    with clock.frozen_at(clock.now() + timedelta(days=2)):
        settlement = await auctions.settle(auction_id)
    assert settlement is not None and (settlement.winners, settlement.released) == (0, 80)
    assert await PrizeClaim.filter(member_id=ann.id).count() == 0
    assert await assert_ledger_consistent(ann.id) == 100
