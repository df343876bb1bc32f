"""One rule for every time that comes in: it carries a zone and is kept, as the same instant, in
UTC; a date alone, a time without a zone or garbage is refused with INVALID_TIME, naming the
field. Through each entry point: GraphQL variables and literals, the CSV export, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from challenges.models import Challenge
from core.clock import clock
from gamification.points.models import Purchase
from tests.builders import (
    RECORD_PURCHASE,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent

REFUSED = ["2026-01-05", "2026-01-05T10:00:00", "next tuesday"]

CREATE_CHALLENGE = """
mutation($input: CreateChallengeInput!) {
  createChallenge(input: $input) {
    challenge { id startsAt endsAt } errors { code field message }
  }
}
"""
REPORT = """
query($from: DateTime!, $to: DateTime!) { programReport(from: $from, to: $to) { start end } }
"""


def challenge_input(**times: str) -> dict[str, object]:
    return {
        "name": "Two buys",
        "metric": "PURCHASES",
        "kind": "INDIVIDUAL",
        "target": "2",
        "startsAt": "2026-01-05T09:00:00+01:00",
        "endsAt": "2026-02-05T09:00:00+01:00",
        **times,
    }


def refusal(body: dict) -> dict:
    """The one top-level error of a refused request: its code, field and message."""
    assert body["data"] is None, body
    (error,) = body["errors"]
    return {"message": error["message"], **error["extensions"]}


@pytest.mark.parametrize("value", REFUSED)
async def test_a_time_variable_without_a_zone_is_refused_naming_its_field(
    gql: GraphQLClient, value: str
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    # a challenge's start, a purchase's time, a report's bound
    challenge = refusal(
        await manager.raw(CREATE_CHALLENGE, {"input": challenge_input(startsAt=value)})
    )
    purchase = purchase_input(member.id)
    purchase["occurredAt"] = value
    bought = refusal(await till.raw(RECORD_PURCHASE, {"input": purchase}))
    report = refusal(await manager.raw(REPORT, {"from": value, "to": "2026-02-01T00:00:00Z"}))
    for error, field in ((challenge, "startsAt"), (bought, "occurredAt"), (report, "from")):
        assert (error["code"], error["field"]) == ("INVALID_TIME", field)
        assert field in error["message"] and "zone" in error["message"]
    assert not await Challenge.filter(program_id=program.id).exists()
    assert not await Purchase.filter(program_id=program.id).exists()


@pytest.mark.parametrize("value", REFUSED)
async def test_a_time_written_in_the_document_without_a_zone_is_refused_naming_its_field(
    gql: GraphQLClient, value: str
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    inline = (
        'mutation { createChallenge(input: {name: "x", metric: PURCHASES, kind: INDIVIDUAL,'
        f' target: "2", startsAt: "{value}", endsAt: "2026-02-05T09:00:00Z"}})'
        " { challenge { id } } }"
    )
    error = refusal(await manager.raw(inline))
    assert (error["code"], error["field"]) == ("INVALID_TIME", "startsAt")
    report = f'query {{ programReport(from: "{value}", to: "2026-02-01T00:00:00Z") {{ start }} }}'
    error = refusal(await manager.raw(report))
    assert (error["code"], error["field"]) == ("INVALID_TIME", "from")


async def test_a_time_with_an_offset_is_kept_as_the_same_instant_in_utc(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    # a challenge written in UTC+1 and UTC-7
    created = await manager.mutate(
        CREATE_CHALLENGE,
        challenge_input(startsAt="2026-01-05T09:00:00+01:00", endsAt="2026-02-05T02:00:00-07:00"),
    )
    assert created["errors"] == []
    # is answered, and stored, in UTC
    assert created["challenge"]["startsAt"] == "2026-01-05T08:00:00+00:00"
    assert created["challenge"]["endsAt"] == "2026-02-05T09:00:00+00:00"
    stored = await Challenge.get(id=int(created["challenge"]["id"]))
    assert stored.starts_at == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert stored.starts_at.utcoffset() == timedelta(0)
    # and so is a purchase's time and a report's bounds
    local = (clock.now() - timedelta(hours=1)).astimezone().replace(microsecond=0)
    purchase = purchase_input(member.id, "t-1")
    purchase["occurredAt"] = local.astimezone(timezone(timedelta(hours=-7))).isoformat()
    assert (await till.mutate(RECORD_PURCHASE, purchase))["errors"] == []
    kept = await Purchase.get(program_id=program.id, external_id="t-1")
    assert kept.occurred_at == local and kept.occurred_at.utcoffset() == timedelta(0)
    period = {"from": "2026-01-01T00:00:00+01:00", "to": "2026-02-01T00:00:00-07:00"}
    report = (await manager.query(REPORT, period))["programReport"]
    assert report == {"start": "2025-12-31T23:00:00+00:00", "end": "2026-02-01T07:00:00+00:00"}


@pytest.mark.parametrize("value", REFUSED)
async def test_the_csv_export_refuses_a_time_without_a_zone_naming_the_parameter(
    gql: GraphQLClient, http: httpx.AsyncClient, value: str
) -> None:
    program = await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    headers = {"Authorization": f"Bearer {analyst.token}"}
    for name in ("from", "to"):
        params = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", name: value}
        response = await http.get("/exports/report.csv", params=params, headers=headers)
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "INVALID_TIME", "field": name}
        assert name in error["message"]
    # an offset time is the same instant: the interval's row starts at it, in UTC
    params = {"from": "2026-01-01T00:00:00+01:00", "to": "2026-01-02T00:00:00+01:00"}
    response = await http.get("/exports/report.csv", params=params, headers=headers)
    assert response.status_code == 200
    assert response.text.splitlines()[1].startswith("2025-12-31T23:00:00+00:00,")


def rebuild_at(
    at: str, redis_url: str, database_url: str, program: str = "none"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url}
    command = ["rebuild-leaderboards", "--program", program, "--board", "points", "--at", at]
    return subprocess.run(
        [sys.executable, "-m", "api", *command, "--period", "WEEK"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("value", REFUSED)
async def test_the_cli_refuses_a_time_without_a_zone_before_doing_anything(
    value: str, redis_url: str, database_url: str
) -> None:
    result = rebuild_at(value, redis_url, database_url)
    assert result.returncode == 1
    assert result.stderr.startswith("error: INVALID_TIME: --at: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_the_cli_reads_an_offset_time_as_its_instant(
    redis_url: str, database_url: str
) -> None:
    program = await new_program()
    # Monday 01:00 in UTC+2 is Sunday 23:00 in UTC: ISO week 2026-W01, not W02
    result = rebuild_at("2026-01-05T01:00:00+02:00", redis_url, database_url, program.slug)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"lb:{{p{program.id}}}:points:w2026-W01: 0 members"
