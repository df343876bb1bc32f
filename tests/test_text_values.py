"""A NUL character in any string the API takes is refused with INVALID_INPUT naming the field,
before it reaches the database (PostgreSQL cannot store one), whether sent as a variable or
written in the document; nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gamification.accounts.models import Member
from gamification.webhooks.models import Webhook
from tests.builders import assert_ledger_consistent, give_points, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient

BLOCK = """mutation($input: BlockMemberInput!) {
  blockMember(input: $input) { member { id } errors { code field } } }"""
ADJUST = """mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { pointsBalance errors { code field } } }"""
WEBHOOK = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } errors { code field } } }"""
MEMBERS = """query($text: String) { members(filter: {text: $text}) { edges { node { id } } } }"""


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    return error["extensions"]["code"], error["extensions"]["field"]


@pytest.fixture(scope="module")
async def world(gql: GraphQLClient) -> dict[str, Any]:
    program = await new_program()
    admin = await staff_client(gql, program)
    member = await sign_up(gql, program)
    await give_points(member.id, 100)
    return {"admin": admin, "member": member, "program": program}


@pytest.mark.parametrize(
    ("document", "variables", "field"),
    [
        (BLOCK, {"input": {"memberId": "MEMBER", "reason": "spam\x00"}}, "reason"),
        (
            ADJUST,
            {
                "input": {
                    "memberId": "MEMBER",
                    "delta": 5,
                    "reason": "a\x00b",
                    "idempotencyKey": "k",
                }
            },
            "reason",
        ),
        (
            WEBHOOK,
            {"input": {"url": "https://x.example/\x00", "eventTypes": ["POINTS_EARNED"]}},
            "url",
        ),
        (MEMBERS, {"text": "\x00"}, "text"),
    ],
)
async def test_a_nul_in_a_variable_is_refused_naming_the_field(
    world: dict[str, Any], document: str, variables: dict[str, Any], field: str
) -> None:
    member = world["member"]
    if "input" in variables and variables["input"].get("memberId") == "MEMBER":
        variables["input"]["memberId"] = str(member.id)
    body = await world["admin"].raw(document, variables)
    assert refusal(body) == ("INVALID_INPUT", field)
    # and nothing changed
    row = await Member.get(id=member.id)
    assert row.blocked_at is None
    assert await assert_ledger_consistent(member.id) == row.points_balance == 100
    assert not await Webhook.filter(program_id=world["program"].id).exists()


async def test_a_nul_written_in_the_document_is_refused_naming_the_field(
    world: dict[str, Any],
) -> None:
    member = world["member"]
    document = (
        f'mutation {{ blockMember(input: {{memberId: "{member.id}", reason: "spam\\u0000"}}) '
        "{ member { id } errors { code } } }"
    )
    assert refusal(await world["admin"].raw(document)) == ("INVALID_INPUT", "reason")
    document = '{ members(filter: {text: "a\\u0000"}) { edges { node { id } } } }'
    assert refusal(await world["admin"].raw(document)) == ("INVALID_INPUT", "text")
    document = (
        'query($t: String = "\\u0000") { members(filter: {text: $t}) { edges { node { id } } } }'
    )
    assert refusal(await world["admin"].raw(document)) == ("INVALID_INPUT", "t")
    assert (await Member.get(id=member.id)).blocked_at is None


async def test_a_nul_deep_in_a_list_names_its_place(world: dict[str, Any]) -> None:
    document = """mutation($input: RecordPurchaseInput!) {
      recordPurchase(input: $input) { errors { code } } }"""
    lines = [
        {"sku": "A", "category": "c", "quantity": 1, "unitPrice": "1.00"},
        {"sku": "B\x00", "category": "c", "quantity": 1, "unitPrice": "1.00"},
    ]
    full = {
        "member": {"email": world["member"].email},
        "externalId": "t-1",
        "occurredAt": "2026-01-01T00:00:00Z",
        "currency": "EUR",
        "total": "2.00",
        "lines": lines,
    }
    assert refusal(await world["admin"].raw(document, {"input": full})) == (
        "INVALID_INPUT",
        "lines.1.sku",
    )


async def test_a_valid_text_still_works(world: dict[str, Any]) -> None:
    data = await world["admin"].query(MEMBERS, {"text": "nobody-here"})
    assert data["members"]["edges"] == []


async def test_an_api_key_with_a_nul_is_unauthenticated_not_a_crash(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"X-Api-Key": "lk_de0de0de0d\x00e_secret"},
    )
    assert response.status_code == 200
    data = await GraphQLClient(
        http, api_key="lk_\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00_s"
    ).raw(
        'mutation { recordPurchase(input: {member: {email: "a@b.c"}, externalId: "x", '
        'occurredAt: "2026-01-01T00:00:00Z", currency: "EUR", total: "1", lines: []}) '
        "{ errors { code } } }"
    )
    assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
