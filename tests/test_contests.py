"""Contests: entry caps under concurrency, the verifiable draw, and resolution that pays once."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from api.__main__ import main as cli
from core.clock import clock
from gamification.audit import SYSTEM
from gamification.events.models import Event
from gamification.games import contests, draws
from gamification.games.models import ContestWinner, PrizeClaim
from gamification.points.models import LedgerEntry, LedgerKind
from tests.builders import (
    SignedUpMember,
    assert_ledger_consistent,
    give_points,
    new_program,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes
from tests.serving import served
from tests.workers import run_burst_worker
from workers.contests import scan_contests

SETTINGS_OVERRIDES = {"access_token_ttl_seconds": 30 * 86400}

CREATE_CONTEST = """
mutation($input: CreateContestInput!) {
  createContest(input: $input) {
    contest { id name status seedCommitment seed entryCost maxEntriesPerMember }
    errors { code field }
  }
}
"""

ENTER = """
mutation($input: EnterContestInput!) {
  enterContest(input: $input) {
    entry { id entries } member { pointsBalance } errors { code field }
  }
}
"""

DRAW = """
mutation($input: ContestIdInput!) {
  drawContest(input: $input) { contest { id status } enqueued errors { code } }
}
"""

CONTESTS = """
query {
  contests {
    id name status opensAt closesAt entryCost maxEntriesPerMember myEntries
    seedCommitment seed winners { displayName }
  }
}
"""

PUBLIC_RECORD = """
query($id: ID!) {
  contest(id: $id) {
    status seed seedCommitment entryListHash allowMultipleWins
    prizes { id quantity }
    entryList { id memberId entries }
    winners { slot entryId memberId displayName prize { id name } }
  }
}
"""

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)
DAY = timedelta(days=1)


def contest_input(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Spring draw",
        "opensAt": T0.isoformat(),
        "closesAt": (T0 + DAY).isoformat(),
        "prizes": [
            {"name": "Trip", "kind": "PRIZE", "quantity": 1},
            {"name": "500 points", "kind": "POINTS", "points": 500, "quantity": 3},
        ],
        **overrides,
    }


async def create_contest(staff: GraphQLClient, **overrides: Any) -> dict[str, Any]:
    payload = await staff.mutate(CREATE_CONTEST, contest_input(**overrides))
    assert payload["errors"] == [], payload["errors"]
    return payload["contest"]


async def enter(member: SignedUpMember, contest_id: str, key: str, entries: int = 1) -> dict:
    return await member.client.mutate(
        ENTER, {"contestId": contest_id, "entries": entries, "idempotencyKey": key}
    )


async def contest_with_entries(
    gql: GraphQLClient, members: int = 12, **overrides: Any
) -> tuple[Any, GraphQLClient, dict[str, Any], list[SignedUpMember]]:
    program = await new_program()
    staff = await staff_client(gql, program)
    contest = await create_contest(staff, maxEntriesPerMember=5, **overrides)
    people = [await sign_up(gql, program, display_name=f"Member {i}") for i in range(members)]
    for i, person in enumerate(people):
        assert (await enter(person, contest["id"], "e", entries=1 + i % 5))["errors"] == []
    return program, staff, contest, people


async def test_the_entry_cap_holds_under_concurrency_and_the_cost_is_exact(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(hours=1)):
        staff = await staff_client(gql, program)
        contest = await create_contest(staff, entryCost=10, maxEntriesPerMember=5)
        member = await sign_up(gql, program)
        await give_points(member.id, 1000)
        results = await asyncio.gather(*(enter(member, contest["id"], f"k{i}") for i in range(25)))
        assert sum(1 for r in results if not r["errors"]) == 5
        assert all(codes(r) == ["ENTRY_LIMIT_REACHED"] for r in results if r["errors"])
        # a multi-entry call that would pass the cap is refused whole
        assert codes(await enter(member, contest["id"], "big", entries=2)) == [
            "ENTRY_LIMIT_REACHED"
        ]
        assert await assert_ledger_consistent(member.id) == 950
        listed = (await member.client.query(CONTESTS))["contests"][0]
        assert listed["myEntries"] == 5 and listed["status"] == "OPEN"


async def test_entries_cost_entries_times_cost_and_replay_by_key(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(hours=1)):
        staff = await staff_client(gql, program)
        contest = await create_contest(staff, entryCost=15, maxEntriesPerMember=10)
        member = await sign_up(gql, program)
        await give_points(member.id, 100)
        results = await asyncio.gather(
            *(enter(member, contest["id"], "same", entries=3) for _ in range(10))
        )
        assert len({r["entry"]["id"] for r in results}) == 1
        assert await assert_ledger_consistent(member.id) == 55
        assert codes(await enter(member, contest["id"], "same", entries=2)) == [
            "IDEMPOTENCY_KEY_REUSED"
        ]
        assert codes(await enter(member, contest["id"], "poor", entries=4)) == [
            "INSUFFICIENT_POINTS"
        ]
        assert codes(await enter(member, contest["id"], "zero", entries=0)) == ["INVALID_INPUT"]
        assert await assert_ledger_consistent(member.id) == 55


async def test_entries_outside_the_window_are_refused(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 - timedelta(seconds=1)) as time:
        staff = await staff_client(gql, program)
        contest = await create_contest(staff)
        member = await sign_up(gql, program)
        assert (await member.client.query(CONTESTS))["contests"][0]["status"] == "SCHEDULED"
        assert codes(await enter(member, contest["id"], "early")) == ["CONTEST_CLOSED"]
        time.set(T0 + DAY)
        assert codes(await enter(member, contest["id"], "late")) == ["CONTEST_CLOSED"]
        assert (await member.client.query(CONTESTS))["contests"][0]["status"] == "CLOSED"
        assert codes(await staff.mutate(DRAW, {"contestId": contest["id"]})) == []
        time.set(T0 + timedelta(hours=2))
        assert codes(await staff.mutate(DRAW, {"contestId": contest["id"]})) == [
            "CONTEST_NOT_CLOSED"
        ]


async def test_the_worker_draws_once_reveals_the_seed_and_the_public_record_verifies(
    gql: GraphQLClient, app: Starlette, redis_url: str, tmp_path: Path
) -> None:
    with clock.frozen_at(T0 + timedelta(hours=1)) as time:
        _, staff, contest, people = await contest_with_entries(gql)
        member = people[0]
        before = (await member.client.query(PUBLIC_RECORD, {"id": contest["id"]}))["contest"]
        assert before["seed"] is None and before["entryList"] is None
        assert before["winners"] is None
        # when the contest closes and staff ask for the draw twice
        time.set(T0 + DAY)
        first = await staff.mutate(DRAW, {"contestId": contest["id"]})
        again = await staff.mutate(DRAW, {"contestId": contest["id"]})
        assert first["enqueued"] is True and again["enqueued"] is False
        worker = await run_burst_worker(redis_url)
        assert worker.jobs_failed == 0
        # then the record is public and the seed matches the commitment
        record = (await member.client.query(PUBLIC_RECORD, {"id": contest["id"]}))["contest"]
        assert record["status"] == "DRAWN"
        assert (
            hashlib.sha256(bytes.fromhex(record["seed"])).hexdigest() == (contest["seedCommitment"])
        )
        assert len(record["winners"]) == 4
        assert len({w["memberId"] for w in record["winners"]}) == 4
        # and verify-draw, given only what the API published, agrees
        path = tmp_path / "record.json"
        path.write_text(json.dumps(record))
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli(["verify-draw", str(path)]) == 0
        result = json.loads(out.getvalue())
        assert result["checks"] == {
            "commitmentMatches": True,
            "entryListHashMatches": True,
            "winnersMatch": True,
        }
        # a tampered record fails
        record["entryList"][0]["entries"] += 1
        path.write_text(json.dumps(record))
        with redirect_stdout(io.StringIO()):
            assert cli(["verify-draw", str(path)]) == 1
        # winners got their prizes and a PRIZE_WON each
        won = await Event.filter(type="PRIZE_WON", member_id__in=[p.id for p in people])
        assert sorted(e.member_id for e in won) == sorted(
            int(w["memberId"]) for w in record["winners"]
        )
        for person in people:
            await assert_ledger_consistent(person.id)


ENTRY_PAGE = """
query($id: ID!, $after: ID, $first: Int) {
  contest(id: $id) { entryList(after: $after, first: $first) { id memberId entries } }
}
"""


async def test_the_entry_list_is_read_in_pages_that_make_the_record_verify_draw_checks(
    gql: GraphQLClient, redis_url: str
) -> None:
    with clock.frozen_at(T0 + timedelta(hours=1)) as time:
        _, staff, contest, people = await contest_with_entries(gql, members=7)
        time.set(T0 + DAY)
        await staff.mutate(DRAW, {"contestId": contest["id"]})
        assert (await run_burst_worker(redis_url)).jobs_failed == 0
        reader = people[0].client
        record = (await reader.query(PUBLIC_RECORD, {"id": contest["id"]}))["contest"]
        # pages of three, each after the last id of the one before, until a short page
        pages: list[list[dict[str, Any]]] = []
        after = None
        while not pages or len(pages[-1]) == 3:
            variables = {"id": contest["id"], "after": after, "first": 3}
            pages.append((await reader.query(ENTRY_PAGE, variables))["contest"]["entryList"])
            after = pages[-1][-1]["id"] if pages[-1] else after
        assert [len(page) for page in pages] == [3, 3, 1]
        joined = [entry for page in pages for entry in page]
        assert joined == record["entryList"] and len(joined) == 7
        assert draws.verify({**record, "entryList": joined})["ok"] is True
        # a page size out of bounds, or an `after` that is no id, gets a code
        for variables, code in (
            ({"first": 0}, "INVALID_INPUT"),
            ({"first": 10_001}, "INVALID_INPUT"),
            ({"after": "not-an-id"}, "NOT_FOUND"),
        ):
            query_variables = {"id": contest["id"], **variables}
            assert await reader.error_code(ENTRY_PAGE, query_variables) == code


async def test_a_member_fetches_the_record_page_by_page_and_verify_draw_agrees(
    gql: GraphQLClient, app: Starlette, redis_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "record.json"
    with clock.frozen_at(T0 + timedelta(hours=1)) as time:
        _, staff, contest, people = await contest_with_entries(gql, members=7)
        async with served(app) as base:
            fetch = [
                "fetch-draw-record",
                *("--url", f"{base}/graphql", "--contest", contest["id"]),
                *("--token", people[0].access_token, "--out", str(path), "--page-size", "3"),
            ]
            # not drawn yet: nothing to fetch
            with redirect_stderr(io.StringIO()) as err:
                assert await asyncio.to_thread(cli, fetch) == 1
            assert "not drawn yet" in err.getvalue()
            time.set(T0 + DAY)
            await staff.mutate(DRAW, {"contestId": contest["id"]})
            assert (await run_burst_worker(redis_url)).jobs_failed == 0
            with redirect_stderr(io.StringIO()):
                assert await asyncio.to_thread(cli, fetch) == 0
    record = json.loads(path.read_text())
    assert len(record["entryList"]) == 7  # three pages of three, three and one
    with redirect_stdout(io.StringIO()) as out:
        assert cli(["verify-draw", str(path)]) == 0
    assert json.loads(out.getvalue())["checks"] == {
        "commitmentMatches": True,
        "entryListHashMatches": True,
        "winnersMatch": True,
    }


async def test_the_cron_scan_enqueues_each_due_contest_once(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    with clock.frozen_at(T0 + timedelta(hours=1)) as time:
        _, _, contest, _ = await contest_with_entries(gql, members=4)
        time.set(T0 + DAY + timedelta(minutes=1))
        pool = app.state.arq
        # two scans (two cron ticks, or two workers) enqueue each due contest's draw once
        assert int(contest["id"]) in await contests.due_contests()
        assert await scan_contests({"redis": pool}) >= 1
        assert await scan_contests({"redis": pool}) == 0
        await pool.enqueue_job("scan_contests")
        worker = await run_burst_worker(redis_url)
        assert worker.jobs_failed == 0
        assert await ContestWinner.filter(contest_id=int(contest["id"])).count() == 4
        # a second scan finds nothing due
        assert await contests.due_contests() == []


async def test_double_concurrent_and_interrupted_draws_pay_every_slot_once(
    gql: GraphQLClient,
) -> None:
    with clock.frozen_at(T0 + timedelta(hours=1)) as time:
        _, _, contest, people = await contest_with_entries(gql)
        contest_id = int(contest["id"])
        time.set(T0 + DAY)
        # a first run is killed after paying two slots
        model = await contests.contest_in_program((await _program_of(contest_id)), contest_id)
        entries = await contests.freeze(model)
        winners = await contests.compute_winners(model, entries)
        for winner in winners[:2]:
            assert await contests.award(model, winner)
        # then four workers resume it at once, and once more after
        outcomes = await asyncio.gather(*(contests.draw(SYSTEM, contest_id) for _ in range(4)))
        again = await contests.draw(SYSTEM, contest_id)
        assert all(o is not None and o.winners == winners for o in [*outcomes, again])
        assert sum(o.awarded_now for o in outcomes if o) == len(winners) - 2
        assert again is not None and again.awarded_now == 0
        rows = await ContestWinner.filter(contest_id=contest_id).order_by("slot")
        assert [(r.slot, r.entry_id) for r in rows] == [(w.slot, w.entry_id) for w in winners]
        prize_points = await LedgerEntry.filter(
            member_id__in=[p.id for p in people], kind=LedgerKind.PRIZE
        )
        assert sorted(e.delta for e in prize_points) == [500, 500, 500]
        assert await PrizeClaim.filter(source__startswith=f"contest:{contest_id}:").count() == 1
        won = await Event.filter(type="PRIZE_WON", member_id__in=[p.id for p in people])
        assert len(won) == 4


async def _program_of(contest_id: int) -> int:
    from gamification.games.models import Contest

    return (await Contest.get(id=contest_id)).program_id


def _entry_list(rows: list[tuple[int, int, int]]) -> draws.EntryList:
    entries = draws.EntryList()
    entries.add(rows)
    return entries


def test_the_draw_is_a_pure_function_of_seed_and_entries() -> None:
    rows = [(i, 1000 + i % 37, 1 + i % 4) for i in range(1, 500)]
    seed = bytes(range(32))
    prizes = [(1, 3), (2, 5)]
    first = draws.draw_winners(seed, _entry_list(rows), prizes)
    assert first == draws.draw_winners(seed, _entry_list(rows), prizes)
    assert [w.slot for w in first] == list(range(8))
    assert len({w.member_id for w in first}) == 8
    other = draws.draw_winners(bytes(32), _entry_list(rows), prizes)
    assert other != first
    # fewer members than slots: each wins once, the rest stay empty
    assert len(draws.draw_winners(seed, _entry_list([(1, 7, 5), (2, 8, 1)]), prizes)) == 2
    # unless multiple wins are allowed
    assert len(draws.draw_winners(seed, _entry_list([(1, 7, 5)]), prizes, True)) == 8


def test_weights_are_respected() -> None:
    # one slot, member A with 1 entry, B with 3, C with 6: over 3,000 fixed seeds each wins in
    # proportion to its entries (tolerance: about 4 standard deviations)
    entries = _entry_list([(1, 1, 1), (2, 2, 3), (3, 3, 6)])
    wins = {1: 0, 2: 0, 3: 0}
    runs = 3000
    for i in range(runs):
        seed = hashlib.sha256(f"seed-{i}".encode()).digest()
        (winner,) = draws.draw_winners(seed, entries, [(1, 1)])
        wins[winner.member_id] += 1
    for member, share in ((1, 0.1), (2, 0.3), (3, 0.6)):
        sigma = (share * (1 - share) / runs) ** 0.5
        assert abs(wins[member] / runs - share) < 4 * sigma, wins


def test_the_uniform_draw_has_no_modulo_bias() -> None:
    stream = draws.Stream(bytes(32))
    n = 3
    counts = [0] * n
    for _ in range(30_000):
        counts[stream.below(n)] += 1
    assert all(abs(c - 10_000) < 400 for c in counts), counts


async def test_a_contest_of_one_program_is_invisible_to_another(gql: GraphQLClient) -> None:
    a, b = await new_program(), await new_program()
    with clock.frozen_at(T0 + timedelta(hours=1)) as time:
        staff_a, staff_b = await staff_client(gql, a), await staff_client(gql, b)
        contest = await create_contest(staff_a)
        member_b = await sign_up(gql, b)
        assert (await member_b.client.query(CONTESTS))["contests"] == []
        assert codes(await enter(member_b, contest["id"], "x")) == ["NOT_FOUND"]
        assert await member_b.client.error_code(PUBLIC_RECORD, {"id": contest["id"]}) == "NOT_FOUND"
        time.set(T0 + DAY)
        assert codes(await staff_b.mutate(DRAW, {"contestId": contest["id"]})) == ["NOT_FOUND"]


async def test_bad_contests_get_codes(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program)
    for overrides, field in [
        ({"closesAt": T0.isoformat()}, "closesAt"),
        ({"entryCost": -5}, "entryCost"),
        ({"maxEntriesPerMember": 0}, "maxEntriesPerMember"),
        ({"prizes": []}, "prizes"),
        ({"name": "  "}, "name"),
    ]:
        payload = await staff.mutate(CREATE_CONTEST, contest_input(**overrides))
        assert payload["contest"] is None and payload["errors"][0]["field"] == field, overrides
    member = await sign_up(gql, program)
    assert await member.client.error_code(DRAW, {"input": {"contestId": "1"}}) == "FORBIDDEN"


async def test_a_frozen_contest_takes_no_more_entries(gql: GraphQLClient) -> None:
    # given an open contest whose entry list a draw has frozen (a draw that raced the closing)
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(hours=1)):
        staff = await staff_client(gql, program)
        contest = await create_contest(staff, entryCost=1)
        member = await sign_up(gql, program)
        await give_points(member.id, 10)
        assert (await enter(member, contest["id"], "before"))["errors"] == []
        model = await contests.contest_in_program(program.id, int(contest["id"]))
        frozen = await contests.freeze(model)
        # when the member enters again, then it is refused and nothing is spent
        assert codes(await enter(member, contest["id"], "after")) == ["CONTEST_CLOSED"]
        assert await assert_ledger_consistent(member.id) == 9
        assert len(frozen) == 1 and (await contests.load_entry_list(model.id)).hash == frozen.hash


async def test_entries_racing_the_freeze_are_either_in_the_frozen_list_or_refused(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(hours=1)):
        staff = await staff_client(gql, program)
        contest = await create_contest(staff, maxEntriesPerMember=10)
        people = [await sign_up(gql, program) for _ in range(20)]
        model = await contests.contest_in_program(program.id, int(contest["id"]))

        some_in = asyncio.Event()
        done = 0

        async def counted_entry(person: SignedUpMember, key: str) -> dict:
            nonlocal done
            result = await enter(person, contest["id"], key)
            done += 1
            if done == 5:
                some_in.set()
            return result

        async def freeze_midway() -> draws.EntryList:
            # once some entries are in, while most are still in flight
            await some_in.wait()
            return await contests.freeze(model)

        results = await asyncio.gather(
            *(counted_entry(p, f"r{i}") for p in people for i in range(10)),
            freeze_midway(),
        )
        frozen = results[-1]
        accepted = [r for r in results[:-1] if not r["errors"]]
        assert all(codes(r) == ["CONTEST_CLOSED"] for r in results[:-1] if r["errors"])
        # then the frozen list is exactly the entries that were accepted
        assert len(frozen) == len(accepted)
        # (PostgreSQL interleaves them; SQLite queues the freeze behind every entry in flight)
        assert len(accepted) >= 5
        assert (await contests.load_entry_list(model.id)).hash == frozen.hash
