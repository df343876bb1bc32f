"""The catalog in the member's language (issue #24): staff write translations, members read them
in the language they ask for (a `locale` argument, else Accept-Language by q-value), falling back
to the program's default language, then to the stored name; refusals a member meets come in
French or English with the same code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api import error_messages
from api.demo import seed_demo
from api.demo.accounts import DEMO_MEMBER_EMAIL, DEMO_MEMBER_PASSWORD, DEMO_SLUG
from api.errors import ErrorCode
from gamification.audit.models import AuditEntry
from tests.builders import new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes

CREATE_REWARD = """
mutation($input: CreateRewardInput!) {
  createReward(input: $input) {
    reward { id name description translations { locale name description } }
    errors { code field message }
  }
}
"""
UPDATE_REWARD = """
mutation($input: UpdateRewardInput!) {
  updateReward(input: $input) { reward { id name translations { locale name } } errors { code } }
}
"""
REWARDS = """
query($locale: String) { rewards(locale: $locale) { edges { node { name description } } } }
"""
CATALOG = """
query($locale: String) { catalogRewards(locale: $locale) { edges { node { name } } } }
"""
REDEEM = """
mutation($input: RedeemRewardInput!) { redeemReward(input: $input) { errors { code message } } }
"""

MUG: list[dict[str, Any]] = [
    {"locale": "fr", "name": "Tasse", "description": "Une tasse en grès."},
    {"locale": "nl", "name": "Mok", "description": "Een mok van steengoed."},
]


async def catalog_of_one(gql: GraphQLClient, default: str = "en", **reward: Any) -> Any:
    """A program with one reward (Mug, translated into French and Dutch unless told), its
    staff and a member."""
    program = await new_program(default_language=default)
    staff = await staff_client(gql, program, "MANAGER")
    payload = await staff.mutate(
        CREATE_REWARD,
        {
            "name": "Mug",
            "description": "A stoneware mug.",
            "kind": "MERCHANDISE",
            "pointsCost": 100,
            "translations": MUG,
            **reward,
        },
    )
    assert payload["errors"] == [], payload["errors"]
    member = await sign_up(gql, program)
    return program, staff, member, payload["reward"]


async def names(client: GraphQLClient, locale: str | None = None) -> list[str]:
    data = await client.query(REWARDS, {"locale": locale})
    return [edge["node"]["name"] for edge in data["rewards"]["edges"]]


async def test_staff_write_translations_and_read_them_back(gql: GraphQLClient) -> None:
    _, _, _, reward = await catalog_of_one(gql)
    assert reward["name"] == "Mug"  # staff without Accept-Language read the default language
    assert reward["translations"] == [
        {"locale": "fr", "name": "Tasse", "description": "Une tasse en grès."},
        {"locale": "nl", "name": "Mok", "description": "Een mok van steengoed."},
    ]


async def test_a_member_reads_the_catalog_in_the_locale_asked(gql: GraphQLClient) -> None:
    _, _, member, _ = await catalog_of_one(gql)
    data = await member.client.query(REWARDS, {"locale": "fr"})
    assert data["rewards"]["edges"][0]["node"] == {
        "name": "Tasse",
        "description": "Une tasse en grès.",
    }
    assert await names(member.client, "nl-BE") == ["Mok"]
    assert await names(member.client, "EN") == ["Mug"]


async def test_accept_language_is_read_by_q_value(gql: GraphQLClient) -> None:
    _, _, member, _ = await catalog_of_one(gql)
    assert await names(member.client.speaking("en;q=0.5, nl;q=0.9, fr;q=0.7")) == ["Mok"]
    assert await names(member.client.speaking("de, fr-BE;q=0.8, *;q=0.1")) == ["Tasse"]
    assert await names(member.client.speaking("nl;q=0, fr;q=0.2")) == ["Tasse"]


async def test_an_explicit_locale_beats_the_header(gql: GraphQLClient) -> None:
    _, _, member, _ = await catalog_of_one(gql)
    assert await names(member.client.speaking("nl"), "fr") == ["Tasse"]


async def test_two_fields_of_one_request_may_ask_two_languages(gql: GraphQLClient) -> None:
    _, _, member, _ = await catalog_of_one(gql)
    data = await member.client.query(
        """query { fr: rewards(locale: "fr") { edges { node { name } } }
                   nl: rewards(locale: "nl") { edges { node { name } } } }"""
    )
    assert data["fr"]["edges"][0]["node"]["name"] == "Tasse"
    assert data["nl"]["edges"][0]["node"]["name"] == "Mok"


async def test_a_missing_language_falls_back_to_the_default_then_the_stored_name(
    gql: GraphQLClient,
) -> None:
    # Default French: Dutch is missing, so French answers.
    _, _, member, _ = await catalog_of_one(gql, default="fr", translations=MUG[:1])
    assert await names(member.client.speaking("nl")) == ["Tasse"]
    # Default Dutch with no Dutch translation: the stored name answers.
    _, _, member, _ = await catalog_of_one(gql, default="nl", translations=MUG[:1])
    assert await names(member.client.speaking("de")) == ["Mug"]
    assert await names(member.client.speaking("fr")) == ["Tasse"]


async def test_bad_locale_codes_are_refused_with_a_code(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    payload = await staff.mutate(
        CREATE_REWARD,
        {
            "name": "Mug",
            "kind": "MERCHANDISE",
            "pointsCost": 1,
            "translations": [
                {"locale": "klingon", "name": "Mug"},
                {"locale": "fr", "name": "  "},
                {"locale": "nl", "name": "Mok", "description": "x" * 4001},
            ],
        },
    )
    assert codes(payload) == ["INVALID_LOCALE", "INVALID_TRANSLATION", "INVALID_TRANSLATION"]
    assert [e["field"] for e in payload["errors"]] == [
        "translations.0.locale",
        "translations.1.name",
        "translations.2.description",
    ]
    twice = await staff.mutate(
        CREATE_REWARD,
        {
            "name": "Mug",
            "kind": "MERCHANDISE",
            "pointsCost": 1,
            "translations": [MUG[0], MUG[0]],
        },
    )
    assert codes(twice) == ["INVALID_LOCALE"]
    member = await sign_up(gql, program)
    assert await member.client.error_code(REWARDS, {"locale": "xx"}) == "INVALID_LOCALE"


async def test_translations_are_changed_and_audited_with_the_reward(gql: GraphQLClient) -> None:
    program, staff, _, reward = await catalog_of_one(gql)
    payload = await staff.mutate(
        UPDATE_REWARD, {"rewardId": reward["id"], "translations": [{"locale": "fr", "name": "Bol"}]}
    )
    assert payload["errors"] == []
    assert payload["reward"]["translations"] == [{"locale": "fr", "name": "Bol"}]
    entry = await AuditEntry.filter(program_id=program.id, action="reward.updated").first()
    assert entry is not None
    assert entry.before is not None and entry.after is not None
    assert entry.after["translations"] == {"fr": {"name": "Bol", "description": ""}}
    assert entry.before["translations"]["nl"]["name"] == "Mok"
    created = await AuditEntry.filter(program_id=program.id, action="reward.created").first()
    assert created is not None and created.after is not None
    assert created.after["translations"]["fr"]["name"] == "Tasse"


async def test_no_program_sees_another_programs_translations(gql: GraphQLClient) -> None:
    await catalog_of_one(gql)
    other = await new_program(default_language="fr")
    member = await sign_up(gql, other)
    staff = await staff_client(gql, other)
    assert await names(member.client, "fr") == []
    assert (await staff.query(CATALOG, {"locale": "nl"}))["catalogRewards"]["edges"] == []


async def test_a_member_refused_for_points_reads_why_in_french(gql: GraphQLClient) -> None:
    _, _, member, reward = await catalog_of_one(gql)
    redeem = {"rewardId": reward["id"], "idempotencyKey": "k1"}
    english = await member.client.mutate(REDEEM, redeem)
    french = await member.client.speaking("fr-FR,fr;q=0.9,en;q=0.5").mutate(REDEEM, redeem)
    assert codes(english) == codes(french) == ["INSUFFICIENT_POINTS"]
    assert english["errors"][0]["message"] == "Not enough points."
    assert french["errors"][0]["message"] == "Vous n'avez pas assez de points."


async def test_a_french_program_refuses_in_french_when_nothing_is_asked(
    gql: GraphQLClient,
) -> None:
    _, _, member, reward = await catalog_of_one(gql, default="fr")
    payload = await member.client.mutate(REDEEM, {"rewardId": reward["id"], "idempotencyKey": "k2"})
    assert payload["errors"][0]["message"] == "Vous n'avez pas assez de points."
    english = await member.client.speaking("en").mutate(
        REDEEM, {"rewardId": reward["id"], "idempotencyKey": "k2"}
    )
    assert english["errors"][0]["message"] == "Not enough points."


def fr(name: str, description: str = "") -> list[dict[str, str]]:
    return [{"locale": "fr", "name": name, "description": description}]


async def test_every_kind_of_the_catalog_answers_in_french(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "ADMIN")
    now = datetime.now(UTC)
    window = {"startsAt": (now - timedelta(hours=1)).isoformat()}
    window["endsAt"] = (now + timedelta(days=3)).isoformat()
    prize = [{"name": "Mug", "kind": "PRIZE", "quantity": 1}]
    made = {
        "createTier": ("TierPayload", {"name": "Gold", "rank": 0}, "tier", fr("Or", "Café")),
        "createBadge": (
            "CreateBadgePayload",
            {"name": "Regular", "criteria": "MANUAL"},
            "badge",
            fr("Habitué", "Fidèle"),
        ),
        "createChallenge": (
            "CreateChallengePayload",
            {"name": "Buy three", "metric": "PURCHASES", "kind": "INDIVIDUAL", "target": "3"}
            | {"enrolment": "OPT_IN", **window},
            "challenge",
            fr("Trois achats"),
        ),
        "createActionType": (
            "ActionTypePayload",
            {"code": "review", "name": "Review", "points": 5, "selfService": True},
            "actionType",
            fr("Avis"),
        ),
        "createInstantWinGame": (
            "InstantWinGamePayload",
            {"name": "Scratch", "prizes": prize, **window},
            "game",
            fr("Grattage"),
        ),
        "createContest": (
            "ContestPayload",
            {"name": "Draw", "prizes": prize, "opensAt": window["startsAt"]}
            | {"closesAt": window["endsAt"]},
            "contest",
            fr("Tirage"),
        ),
        "createAuction": (
            "AuctionPayload",
            {"name": "Bike", "prizeKind": "PRIZE", "startingBid": 10, **window},
            "auction",
            fr("Vélo", "Un vélo"),
        ),
    }
    for mutation, (_, values, field, translations) in made.items():
        input_type = mutation[0].upper() + mutation[1:] + "Input"
        document = (
            f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ "
            f"{field} {{ name translations {{ locale name }} }} errors {{ code field }} }} }}"
        )
        payload = await staff.mutate(document, {**values, "translations": translations})
        assert payload["errors"] == [], (mutation, payload["errors"])
        assert payload[field]["translations"] == [{"locale": "fr", "name": translations[0]["name"]}]

    member = await sign_up(gql, program)
    data = await member.client.speaking("fr").query(
        """query {
          tiers { name perks } badges { name description } challenges { name }
          actionTypes { name } instantWinGames { name } contests { name }
          auctions { name description }
        }"""
    )
    assert data == {
        "tiers": [{"name": "Or", "perks": "Café"}],
        "badges": [{"name": "Habitué", "description": "Fidèle"}],
        "challenges": [{"name": "Trois achats"}],
        "actionTypes": [{"name": "Avis"}],
        "instantWinGames": [{"name": "Grattage"}],
        "contests": [{"name": "Tirage"}],
        "auctions": [{"name": "Vélo", "description": "Un vélo"}],
    }
    english = await member.client.query('query { tiers(locale: "en") { name } }')
    assert english == {"tiers": [{"name": "Gold"}]}
    me = await member.client.query('query { me(locale: "fr") { id } }')
    assert me["me"]["id"]


async def test_the_default_language_is_a_validated_setting(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    document = """mutation($input: UpdateProgramSettingsInput!) {
      updateProgramSettings(input: $input) { settings { defaultLanguage } errors { code field } }
    }"""
    refused = await admin.mutate(document, {"defaultLanguage": "xx"})
    assert refused["errors"] == [{"code": "INVALID_INPUT", "field": "defaultLanguage"}]
    changed = await admin.mutate(document, {"defaultLanguage": "NL"})
    assert changed["settings"] == {"defaultLanguage": "nl"}


async def test_exports_keep_the_programs_language_whatever_is_asked(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    program, _, _, _ = await catalog_of_one(gql)
    analyst = await staff_client(gql, program, "ANALYST")
    answers = []
    for language in ("en", "fr", "nl;q=0.9"):
        response = await http.get(
            "/exports/members.csv",
            headers={"Authorization": f"Bearer {analyst.token}", "Accept-Language": language},
        )
        assert response.status_code == 200
        answers.append(response.text)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0].startswith("id,email,display_name")


async def test_the_demo_catalog_speaks_french_and_dutch(gql: GraphQLClient) -> None:
    await seed_demo()
    login = await gql.mutate(
        "mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }",
        {"program": DEMO_SLUG, "email": DEMO_MEMBER_EMAIL, "password": DEMO_MEMBER_PASSWORD},
    )
    member = gql.as_token(login["accessToken"])
    screens = """query($locale: String) {
      rewards(first: 20, locale: $locale) { edges { node { name } } }
      tiers(locale: $locale) { name }
      badges(locale: $locale) { name }
      instantWinGames(locale: $locale) { name }
    }"""
    french = await member.query(screens, {"locale": "fr"})
    dutch = await member.speaking("nl-BE,nl;q=0.9").query(screens)
    english = await member.query(screens)
    assert "Café offert" in [e["node"]["name"] for e in french["rewards"]["edges"]]
    assert "Gratis koffie" in [e["node"]["name"] for e in dutch["rewards"]["edges"]]
    assert "Free coffee" in [e["node"]["name"] for e in english["rewards"]["edges"]]
    assert [t["name"] for t in french["tiers"]] == ["Bronze", "Argent", "Or"]
    assert [t["name"] for t in dutch["tiers"]] == ["Brons", "Zilver", "Goud"]
    assert "Première gorgée" in [b["name"] for b in french["badges"]]
    assert "Kraskaart" in [g["name"] for g in dutch["instantWinGames"]]


def test_every_french_message_is_for_a_code_clients_know() -> None:
    known = {member.value for member in ErrorCode}
    assert set(error_messages.FRENCH) - known == set()
    assert {"INSUFFICIENT_POINTS", "OUT_OF_STOCK", "GAME_CLOSED"} <= set(error_messages.FRENCH)
