"""Fields that take one of a fixed set of values are GraphQL enums: a client sees the choices in
GraphiQL and in generated code, a wrong value is refused by GraphQL validation naming the enum,
and a right one works end to end."""

from __future__ import annotations

from gamification.events import EventType
from gamification.points.models import EarningRuleKind
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient

ENUM_VALUES = """
query($name: String!) {
  __type(name: $name) { kind enumValues { name description } }
}
"""
INPUT_FIELD_TYPES = """
query($name: String!) {
  __type(name: $name) {
    inputFields {
      name
      type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
    }
  }
}
"""
CREATE_BADGE = """
mutation($input: CreateBadgeInput!) {
  createBadge(input: $input) { badge { id eventType } errors { code field message } }
}
"""
CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { eventTypes } errors { code field } }
}
"""
MY_ACTIVITY = "query { me { activity(first: 20) { edges { node { type text } } } } }"
MY_BADGES = "query { me { badges { badge { id eventType } level } } }"


def named_type(ref: dict) -> str:
    while ref["name"] is None:
        ref = ref["ofType"]
    return ref["name"]


async def test_introspection_lists_every_event_type_with_what_it_means(gql: GraphQLClient) -> None:
    described = (await gql.query(ENUM_VALUES, {"name": "EventType"}))["__type"]
    assert described["kind"] == "ENUM"
    assert [v["name"] for v in described["enumValues"]] == [t.name for t in EventType]
    assert all(v["description"] for v in described["enumValues"])


async def test_the_fields_that_name_an_event_type_are_typed_by_the_enum(gql: GraphQLClient) -> None:
    for input_type, field in [
        ("CreateBadgeInput", "eventType"),
        ("CreateWebhookInput", "eventTypes"),
    ]:
        fields = (await gql.query(INPUT_FIELD_TYPES, {"name": input_type}))["__type"]["inputFields"]
        (typed,) = [f for f in fields if f["name"] == field]
        assert named_type(typed["type"]) == "EventType", (input_type, field)


async def test_an_unknown_event_type_is_refused_by_graphql_validation_naming_the_enum(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    # As a variable (what clients send) ...
    body = await staff.raw(
        CREATE_BADGE,
        {
            "input": {
                "name": "Regular",
                "criteria": "EVENT_COUNT",
                "thresholds": ["3"],
                "eventType": "purchase",
            }
        },
    )
    (error,) = body["errors"]
    assert "EventType" in error["message"] and "'purchase'" in error["message"], error
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert body.get("data") is None
    # ... and written in the document.
    body = await staff.raw(
        'mutation { createBadge(input: {name: "Regular", criteria: EVENT_COUNT, '
        'thresholds: ["3"], eventType: PURCHASE}) { errors { code } } }'
    )
    (error,) = body["errors"]
    assert "EventType" in error["message"], error
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    admin = await staff_client(gql, program, "ADMIN")
    body = await admin.raw(
        CREATE_WEBHOOK,
        {"input": {"url": "https://example.com/hook", "eventTypes": ["PURCHASE_RECORDED", "nope"]}},
    )
    (error,) = body["errors"]
    assert "EventType" in error["message"] and "'nope'" in error["message"], error


async def test_a_badge_counting_an_event_type_named_by_the_enum_is_awarded(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    created = await staff.mutate(
        CREATE_BADGE,
        {
            "name": "First visit",
            "criteria": "EVENT_COUNT",
            "thresholds": ["1"],
            "eventType": "PURCHASE_RECORDED",
        },
    )
    assert created["errors"] == [] and created["badge"]["eventType"] == "PURCHASE_RECORDED"

    till = await integration_client(gql, program)
    recorded = await till.mutate(RECORD_PURCHASE, purchase_input(member.id))
    assert recorded["errors"] == []

    me = (await member.client.query(MY_BADGES))["me"]
    assert [(b["badge"]["id"], b["badge"]["eventType"], b["level"]) for b in me["badges"]] == [
        (created["badge"]["id"], "PURCHASE_RECORDED", 1)
    ]
    activity = (await member.client.query(MY_ACTIVITY))["me"]["activity"]["edges"]
    assert {"PURCHASE_RECORDED", "BADGE_AWARDED"} <= {e["node"]["type"] for e in activity}


async def test_a_purchase_breakdown_names_the_kind_of_each_line(gql: GraphQLClient) -> None:
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    recorded = await till.mutate(RECORD_PURCHASE, purchase_input(member.id))
    assert [b["kind"] for b in recorded["purchase"]["breakdown"]] == ["BASE_RATE"]
    described = (await gql.query(ENUM_VALUES, {"name": "PointsBreakdownKind"}))["__type"]
    assert {v["name"] for v in described["enumValues"]} == {
        *(k.name for k in EarningRuleKind),
        "TIER",
    }
