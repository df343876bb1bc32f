"""Streamed CSV exports for staff."""

from __future__ import annotations

import csv
import io

import httpx

from core.clock import clock
from gamification.accounts import passwords
from gamification.accounts.models import Member
from gamification.reporting import member_search
from tests.builders import new_program, sign_up, staff_client
from tests.graphql import GraphQLClient


async def test_the_members_csv_streams_100000_members(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    # given a program with 100,000 members (bulk-created: signing each up would take minutes)
    program = await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    password_hash = await passwords.hash_password("bulk member password")
    now = clock.now()
    await Member.bulk_create(
        [
            Member(
                program_id=program.id,
                email=f"m{i}@bulk.example",
                password_hash=password_hash,
                display_name=f"Member {i}",
                referral_code=f"B{program.id}X{i}",
                created_at=now,
            )
            for i in range(100_000)
        ],
        batch_size=5_000,
    )
    # when an analyst exports them
    response = await http.get(
        "/exports/members.csv", headers={"Authorization": f"Bearer {analyst.token}"}
    )
    # then every member is there once, after a header
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["id", "email", "display_name"]
    assert len(rows) == 100_001
    assert len({row[0] for row in rows[1:]}) == 100_000
    # and the export is produced in batches, never as one whole list
    criteria = member_search.MemberFilter()
    sizes = [len(b) async for b in member_search.iter_members(program.id, criteria)]
    assert len(sizes) == 50 and max(sizes) == 2_000


async def test_the_csv_applies_the_filter_and_stays_in_the_program(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    program, other = await new_program(), await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    await sign_up(gql, program, display_name="Zed One")
    await sign_up(gql, program, display_name="Amy")
    await sign_up(gql, other, display_name="Zed Elsewhere")
    response = await http.get(
        "/exports/members.csv",
        params={"text": "zed"},
        headers={"Authorization": f"Bearer {analyst.token}"},
    )
    names = [row[2] for row in list(csv.reader(io.StringIO(response.text)))[1:]]
    assert names == ["Zed One"]


async def test_the_csv_is_for_staff_only(gql: GraphQLClient, http: httpx.AsyncClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    anonymous = await http.get("/exports/members.csv")
    assert anonymous.status_code == 401
    as_member = await http.get(
        "/exports/members.csv", headers={"Authorization": f"Bearer {member.access_token}"}
    )
    assert as_member.status_code == 403
    assert as_member.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    analyst = await staff_client(gql, program, "ANALYST")
    bad = await http.get(
        "/exports/members.csv",
        params={"tierId": "x"},
        headers={"Authorization": f"Bearer {analyst.token}"},
    )
    assert bad.status_code == 400
