"""The console's contests over HTTP: a contest of several prize lines (points, a reward, a
physical prize) with who may enter, the API's errors on the line they name, entries through the
API, the draw in the worker, the public record as a file that `python -m api verify-draw`
accepts, and the verify action."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import UTC, datetime, timedelta

import httpx

from core.clock import clock
from gamification.audit import SYSTEM
from gamification.rewards.catalog import create_reward
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient
from tests.test_console import ORIGIN, signed_in
from tests.workers import run_burst_worker

ENTER = """
mutation($input: EnterContestInput!) { enterContest(input: $input) { errors { code } } }
"""


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


async def test_a_contest_of_several_prizes_is_drawn_and_its_public_record_verifies(
    http: httpx.AsyncClient, gql: GraphQLClient, redis_url: str
) -> None:
    start = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    with clock.frozen_at(start) as time:
        program = await new_program()
        voucher = await create_reward(
            SYSTEM, program.id, name="Coffee voucher", kind="VOUCHER", points_cost=100
        )
        manager = await signed_in(http, program.slug, "MANAGER")
        form = await manager.get("/console/contests/new")
        assert 'name="prizes.4.name"' in form.text and "Coffee voucher" in form.text
        contest = {
            "name": "Spring draw",
            "opensAt": _local(start - timedelta(hours=1)),
            "closesAt": _local(start + timedelta(hours=1)),
            "entryCost": "0",
            "maxEntriesPerMember": "2",
            "allowMultipleWins": "on",
            "prizes.0.name": "Bonus points",
            "prizes.0.kind": "POINTS",
            "prizes.0.quantity": "1",
            "prizes.0.points": "-5",
            "prizes.1.name": "Coffee",
            "prizes.1.kind": "REWARD",
            "prizes.1.quantity": "1",
            "prizes.1.rewardId": str(voucher.id),
            "prizes.1.points": "999",  # not a REWARD line's field: not sent
            "prizes.2.name": "Hamper",
            "prizes.2.kind": "PRIZE",
            "prizes.2.quantity": "1",
        }
        bad = await manager.post("/console/contests/new", data=contest, headers=ORIGIN)
        assert bad.status_code == 400
        assert re.search(r'id="f-prizes.0.points"[^>]*aria-invalid="true"', bad.text), bad.text
        made = await manager.post(
            "/console/contests/new", data={**contest, "prizes.0.points": "50"}, headers=ORIGIN
        )
        assert made.status_code == 303, made.text
        contest_id = made.headers["location"].rsplit("/", 1)[1]
        page = (await manager.get(made.headers["location"])).text
        assert "Bonus points" in page and "Coffee" in page and "Hamper" in page
        assert "Seed commitment" in page and "Draw now" not in page
        for n, name in enumerate(("Ann", "Bob")):
            member = await sign_up(gql, program, display_name=name)
            entered = await member.client.mutate(
                ENTER, {"contestId": contest_id, "entries": 2, "idempotencyKey": f"e{n}"}
            )
            assert entered["errors"] == []
        time.set(start + timedelta(hours=2))
        page = (await manager.get(f"/console/contests/{contest_id}")).text
        assert "Draw now" in page
        drawing = await manager.post(f"/console/contests/{contest_id}/draw", headers=ORIGIN)
        assert drawing.status_code == 303
        worker = await run_burst_worker(redis_url)
        assert worker.jobs_failed == 0
        page = (await manager.get(f"/console/contests/{contest_id}")).text
        assert "data-status>Drawn" in page and "Entry list hash" in page
        assert re.search(r"Entries</dt><dd>2<", page) and re.search(r"\(weight\)</dt><dd>4<", page)
        assert "Download the public record" in page
        record = await manager.get(f"/console/contests/{contest_id}/draw.json")
        assert record.status_code == 200 and "attachment" in record.headers["content-disposition"]
        assert len(record.json()["winners"]) == 3 and len(record.json()["entryList"]) == 2
        # the file is what `python -m api verify-draw` checks
        checker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api",
            "verify-draw",
            "-",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await checker.communicate(record.content)
        assert checker.returncode == 0, err
        assert json.loads(out)["ok"] is True
        verified = await manager.post(f"/console/contests/{contest_id}/verify", headers=ORIGIN)
        assert 'data-verified="yes"' in verified.text


async def test_an_analyst_sees_the_contest_but_neither_draw_nor_create(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    now = clock.now()
    made = await manager.post(
        "/console/contests/new",
        data={
            "name": "Closed draw",
            "opensAt": _local(now - timedelta(days=2)),
            "closesAt": _local(now + timedelta(days=1)),
            "prizes.0.name": "Mug",
            "prizes.0.kind": "PRIZE",
            "prizes.0.quantity": "1",
        },
        headers=ORIGIN,
    )
    assert made.status_code == 303, made.text
    analyst = await signed_in(http, program.slug, "ANALYST")
    page = (await analyst.get(made.headers["location"])).text
    assert "Seed commitment" in page and "Draw now" not in page and "/edit" not in page
    assert "New contest" not in (await analyst.get("/console/contests")).text
