"""Staff write the catalog in the members' languages in the console (docs/languages.md): each
kind's form takes the name, and the description (a tier's perks) where the kind has one, in
French, Dutch and English; saved, members read them in their language; the edit form shows them
again; a translation the API refuses has its error next to its input. The reward form's test is
in tests/test_console.py."""

from __future__ import annotations

import re

import httpx

from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient
from tests.test_console import ORIGIN, signed_in


def marked(page: str, name: str) -> bool:
    """The input is marked invalid and its error stands next to it."""
    return bool(re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', page)) and (
        f'id="e-{name}"' in page
    )


async def test_a_manager_writes_a_badge_in_french_and_dutch(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    badge = {
        "name": "Regular",
        "description": "Five visits.",
        "criteria": "EVENT_COUNT",
        "eventType": "PURCHASE_RECORDED",
        "thresholds.0": "5",
        "points": "0",
    }
    refused = await manager.post(
        "/console/badges/new",
        data={**badge, "name_fr": "Habitué", "description_nl": "Vijf bezoeken."},
        headers=ORIGIN,
    )
    assert refused.status_code == 400 and marked(refused.text, "name_nl")
    assert 'value="Habitué"' in refused.text  # what was typed stays
    made = await manager.post(
        "/console/badges/new",
        data={
            **badge,
            "name_fr": "Habitué",
            "description_fr": "Cinq visites.",
            "name_nl": "Vaste klant",
        },
        headers=ORIGIN,
    )
    assert made.status_code == 303, made.text
    member = await sign_up(gql, program)
    query = "query { badges { name description } }"
    french = await member.client.speaking("fr").query(query)
    assert french["badges"] == [{"name": "Habitué", "description": "Cinq visites."}]
    dutch = await member.client.speaking("nl").query(query)
    assert dutch["badges"] == [{"name": "Vaste klant", "description": "Five visits."}]
    listed = await manager.get("/console/badges")
    badge_id = re.findall(r'href="/console/badges/(\d+)"', listed.text)[0]
    edit = await manager.get(f"/console/badges/{badge_id}")
    assert 'value="Habitué"' in edit.text and 'value="Vaste klant"' in edit.text
    assert ">Cinq visites.</textarea>" in edit.text


async def test_a_manager_writes_a_challenge_in_french_and_dutch(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    challenge = {
        "name": "Ten coffees",
        "description": "Buy ten coffees.",
        "kind": "INDIVIDUAL",
        "metric": "PURCHASES",
        "enrolment": "AUTOMATIC",
        "target": "10",
        "startsAt": "2020-01-01T00:00",
        "endsAt": "2099-01-01T00:00",
        "rewardPoints": "20",
    }
    refused = await manager.post(
        "/console/challenges/new",
        data={**challenge, "name_fr": " ", "description_fr": "Achetez dix cafés."},
        headers=ORIGIN,
    )
    assert refused.status_code == 400 and marked(refused.text, "name_fr")
    made = await manager.post(
        "/console/challenges/new",
        data={
            **challenge,
            "name_fr": "Dix cafés",
            "description_fr": "Achetez dix cafés.",
            "name_nl": "Tien koffies",
            "description_nl": "Koop tien koffies.",
        },
        headers=ORIGIN,
    )
    assert made.status_code == 303, made.text
    member = await sign_up(gql, program)
    query = "query { challenges { name description } }"
    french = await member.client.speaking("fr").query(query)
    assert french["challenges"] == [{"name": "Dix cafés", "description": "Achetez dix cafés."}]
    dutch = await member.client.speaking("nl").query(query)
    assert dutch["challenges"] == [{"name": "Tien koffies", "description": "Koop tien koffies."}]
    listed = await manager.get("/console/challenges")
    challenge_id = re.findall(r'href="/console/challenges/(\d+)"', listed.text)[0]
    edit = await manager.get(f"/console/challenges/{challenge_id}")
    assert 'value="Dix cafés"' in edit.text and 'value="Tien koffies"' in edit.text
    # The edit form's list replaces them all: the Dutch left blank is removed.
    changed = await manager.post(
        f"/console/challenges/{challenge_id}",
        data={
            "name": "Ten coffees",
            "description": "Buy ten coffees.",
            "target": "10",
            "rewardPoints": "20",
            "name_fr": "10 cafés",
        },
        headers=ORIGIN,
    )
    assert changed.status_code == 303, changed.text
    dutch = await member.client.speaking("nl").query(query)
    assert dutch["challenges"] == [{"name": "Ten coffees", "description": "Buy ten coffees."}]
    french = await member.client.speaking("fr").query(query)
    assert french["challenges"][0]["name"] == "10 cafés"


async def test_a_manager_writes_a_tier_and_its_perks_in_french_and_dutch(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    tier = {
        "name": "Gold",
        "rank": "1",
        "qualifyingThreshold": "0",
        "earningMultiplier": "1",
        "perks": "Free delivery.",
    }
    page = await manager.get("/console/tiers/new")
    assert 'for="f-description_fr">Perks in French<' in page.text
    refused = await manager.post(
        "/console/tiers/new",
        data={**tier, "name_nl": "G" * 121},
        headers=ORIGIN,
    )
    assert refused.status_code == 400 and marked(refused.text, "name_nl")
    made = await manager.post(
        "/console/tiers/new",
        data={
            **tier,
            "name_fr": "Or",
            "description_fr": "Livraison offerte.",
            "name_nl": "Goud",
            "description_nl": "Gratis levering.",
        },
        headers=ORIGIN,
    )
    assert made.status_code == 303, made.text
    member = await sign_up(gql, program)
    query = "query { tiers { name perks } }"
    french = await member.client.speaking("fr").query(query)
    assert french["tiers"] == [{"name": "Or", "perks": "Livraison offerte."}]
    dutch = await member.client.speaking("nl").query(query)
    assert dutch["tiers"] == [{"name": "Goud", "perks": "Gratis levering."}]
    listed = await manager.get("/console/tiers")
    tier_id = re.findall(r'href="/console/tiers/(\d+)"', listed.text)[0]
    edit = await manager.get(f"/console/tiers/{tier_id}")
    assert 'value="Or"' in edit.text and ">Gratis levering.</textarea>" in edit.text


async def test_a_manager_names_an_action_in_french_and_dutch(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    page = await manager.get("/console/actions/new")
    assert 'id="f-name_fr"' in page.text and 'id="f-description_fr"' not in page.text
    action = {"code": "review", "name": "Review", "points": "5", "selfService": "on"}
    refused = await manager.post(
        "/console/actions/new",
        data={**action, "name_fr": "Avis", "name_nl": "R" * 121},
        headers=ORIGIN,
    )
    assert refused.status_code == 400 and marked(refused.text, "name_nl")
    assert not marked(refused.text, "name_fr")
    made = await manager.post(
        "/console/actions/new",
        data={**action, "name_fr": "Avis", "name_nl": "Recensie"},
        headers=ORIGIN,
    )
    assert made.status_code == 303, made.text
    member = await sign_up(gql, program)
    query = "query { actionTypes { name } }"
    french = await member.client.speaking("fr").query(query)
    assert french["actionTypes"] == [{"name": "Avis"}]
    dutch = await member.client.speaking("nl").query(query)
    assert dutch["actionTypes"] == [{"name": "Recensie"}]
    listed = (await manager.get("/console/actions")).text
    action_id = re.findall(r'/console/actions/(\d+)"', listed)[0]
    edit = await manager.get(f"/console/actions/{action_id}")
    assert 'value="Avis"' in edit.text and 'value="Recensie"' in edit.text
