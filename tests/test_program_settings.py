"""updateProgramSettings (ADMIN): points validity, point value, tier basis and referral rules,
validated with field-named codes, and in force from the next request on (the per-process caches
of the program are dropped), as the report's liability and the next earning show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from gamification.points.models import EarningRuleKind
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient

UPDATE = """
mutation($input: UpdateProgramSettingsInput!) {
  updateProgramSettings(input: $input) {
    settings {
      pointsValidityDays pointValue tierBasis tierWindowDays tierGrace
      referralPoints referralMinPurchase referralMonthlyCap
    }
    errors { code field message }
  }
}
"""
SETTINGS = "query { programSettings { pointsValidityDays pointValue tierBasis referralPoints } }"
REPORT = """
query($from: DateTime!, $to: DateTime!) {
  programReport(from: $from, to: $to) { pointsOutstanding liability { amount currency } }
}
"""
LEDGER = "query { me { ledger(first: 10) { edges { node { delta expiresAt } } } } }"


async def test_only_an_admin_changes_the_settings_and_any_staff_reads_them(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    manager = await staff_client(gql, program, "MANAGER")
    analyst = await staff_client(gql, program, "ANALYST")
    # a manager is refused at the door
    assert await manager.error_code(UPDATE, {"input": {"pointValue": "0.01"}}) == "FORBIDDEN"
    # an admin changes what they give, and only that
    payload = await admin.mutate(
        UPDATE,
        {"pointsValidityDays": 365, "pointValue": "0.01", "tierBasis": "SPEND", "tierGrace": True},
    )
    assert payload["errors"] == []
    settings = payload["settings"]
    assert settings["pointsValidityDays"] == 365 and settings["pointValue"] == "0.01"
    assert settings["tierBasis"] == "SPEND" and settings["tierGrace"] is True
    # defaults show for what was never set
    assert settings["tierWindowDays"] == 365 and settings["referralMonthlyCap"] is None
    # an analyst reads them
    assert (await analyst.query(SETTINGS))["programSettings"] == {
        "pointsValidityDays": 365,
        "pointValue": "0.01",
        "tierBasis": "SPEND",
        "referralPoints": 0,
    }
    # a null sets a value back to its default; omitted ones stay
    cleared = await admin.mutate(UPDATE, {"pointsValidityDays": None})
    assert cleared["settings"]["pointsValidityDays"] is None
    assert cleared["settings"]["pointValue"] == "0.01"


async def test_bad_settings_are_refused_together_each_naming_its_field(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    payload = await admin.mutate(
        UPDATE,
        {
            "pointsValidityDays": 0,
            "pointValue": "-0.01",
            "referralMinPurchase": "1.234",
            "referralMonthlyCap": 0,
            "referralPoints": -5,
        },
    )
    assert payload["settings"] is None
    assert sorted((e["code"], e["field"]) for e in payload["errors"]) == [
        ("INVALID_INPUT", "pointValue"),
        ("INVALID_INPUT", "pointsValidityDays"),
        ("INVALID_INPUT", "referralMinPurchase"),
        ("INVALID_INPUT", "referralMonthlyCap"),
        ("INVALID_INPUT", "referralPoints"),
    ]
    # and nothing was written
    assert (await admin.query(SETTINGS))["programSettings"]["pointValue"] == "0"


async def test_the_point_value_sets_the_liability_of_the_report(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    member = await sign_up(gql, program)
    await give_points(member.id, 1234)
    window = {
        "from": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    before = (await admin.query(REPORT, window))["programReport"]
    assert before["pointsOutstanding"] == 1234 and Decimal(before["liability"]["amount"]) == 0
    await admin.mutate(UPDATE, {"pointValue": "0.005"})
    after = (await admin.query(REPORT, window))["programReport"]
    assert after["liability"] == {"amount": "6.17", "currency": "EUR"}


async def test_points_validity_applies_to_the_next_earning_at_once(gql: GraphQLClient) -> None:
    # given a program whose points never expire, and an earning under that rule (the engine
    # now holds the program in its per-process snapshot)
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    admin = await staff_client(gql, program, "ADMIN")
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    first = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, lines=[("A", None, 1, "10")])
    )
    assert first["errors"] == []
    # when the admin gives points 30 days of validity, and a purchase follows at once
    await admin.mutate(UPDATE, {"pointsValidityDays": 30})
    second = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, lines=[("A", None, 1, "20")])
    )
    assert second["errors"] == []
    # then the new points expire in 30 days and the earlier ones keep never expiring
    edges = (await member.client.query(LEDGER))["me"]["ledger"]["edges"]
    expiry = {edge["node"]["delta"]: edge["node"]["expiresAt"] for edge in edges}
    assert expiry[10] is None
    lapse = datetime.fromisoformat(expiry[20]) - datetime.now(UTC)
    assert timedelta(days=29) < lapse <= timedelta(days=30)
