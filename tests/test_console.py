"""The console at /console, page by page, over HTTP (the browser tests in
tests/test_console_browser.py drive the same pages in Chromium): sign in and out, a session
refreshed behind the user's back, roles, field errors, French formats, and that every figure and
change went through the GraphQL API with the console's registered documents."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from graphql import parse, validate

from api.console import dashboard, translations
from api.console.gateway import documents
from api.demo import seed_demo
from api.demo.accounts import DEMO_SLUG, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from api.schema import schema
from core.clock import clock
from gamification.accounts.staff import create_staff
from tests.builders import PASSWORD, new_program, sign_up, unique
from tests.graphql import GraphQLClient

ORIGIN = {"origin": "http://testserver"}
REFRESH = """
mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { errors { code } } }
"""
CONSOLE = Path(__file__).parent.parent / "api" / "console"


async def signed_in(http: httpx.AsyncClient, slug: str, role: str) -> httpx.AsyncClient:
    """A browser of its own (its own cookies) signed in to the console as a new `role`."""
    email = f"{unique(role.lower())}@brand.example"
    await create_staff(slug, email, PASSWORD, role)
    browser = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    answer = await browser.post(
        "/console/sign-in",
        data={"program": slug, "email": email, "password": PASSWORD},
        headers=ORIGIN,
    )
    assert answer.status_code == 303, answer.text
    return browser


@pytest.fixture(scope="module")
async def slug() -> str:
    return (await new_program()).slug


def test_every_console_document_is_valid_against_the_schema() -> None:
    assert len(documents()) >= 20
    for document in documents().values():
        assert validate(schema._schema, parse(document.text)) == [], document.name


def test_every_text_of_the_console_has_its_french() -> None:
    sources = [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("*.py")]
    written = set()
    for source in sources:
        text = source.read_text()
        written |= set(re.findall(r'_\("([^"]+)"\)', text))
        written |= set(re.findall(r"_\('([^']+)'\)", text))
        written |= set(re.findall(r'texts\("([^"]+)"\)', text))
    written |= {label for _, label in dashboard.CHARTS}
    missing = sorted(text for text in written if text not in translations.FRENCH)
    assert missing == []


async def test_a_page_without_a_session_goes_to_sign_in(http: httpx.AsyncClient) -> None:
    answer = await http.get("/console/members?text=a")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?next=/console/members%3Ftext%3Da"


async def test_a_wrong_password_is_shown_and_a_right_one_opens_the_dashboard(
    http: httpx.AsyncClient, slug: str
) -> None:
    email = f"{unique('admin')}@brand.example"
    await create_staff(slug, email, PASSWORD, "ADMIN")
    form = {"program": slug, "email": email, "password": "not the password"}
    wrong = await http.post("/console/sign-in", data=form, headers=ORIGIN)
    assert wrong.status_code == 400
    assert "Wrong email or password." in wrong.text
    browser = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    answer = await browser.post(
        "/console/sign-in", data={**form, "password": PASSWORD}, headers=ORIGIN
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    dashboard = await browser.get("/console/")
    assert dashboard.status_code == 200
    assert "Key figures" in dashboard.text and email in dashboard.text


async def test_signing_out_ends_the_session_in_the_api(
    http: httpx.AsyncClient, gql: GraphQLClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "ANALYST")
    refresh = browser.cookies["console_refresh"]
    out = await browser.post("/console/sign-out", headers=ORIGIN)
    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in"
    refused = await gql.mutate(REFRESH, {"refreshToken": refresh})
    assert [error["code"] for error in refused["errors"]] == ["INVALID_REFRESH_TOKEN"]
    assert (await browser.get("/console/")).status_code == 303


async def test_an_expired_access_token_is_refreshed_without_the_user_noticing(
    http: httpx.AsyncClient, slug: str
) -> None:
    # In the past: PyJWT refuses a token issued in its future.
    with clock.frozen_at(datetime.now(UTC) - timedelta(hours=2)) as time:
        browser = await signed_in(http, slug, "ANALYST")
        before = browser.cookies["console_access"]
        time.advance(timedelta(hours=1))  # past the access token's 15 minutes
        answer = await browser.get("/console/members")
        assert answer.status_code == 200, answer.headers
        assert "console_access" in answer.headers["set-cookie"]
        assert browser.cookies["console_access"] != before


async def test_a_form_from_another_site_is_refused(http: httpx.AsyncClient, slug: str) -> None:
    browser = await signed_in(http, slug, "MANAGER")
    forged = await browser.post(
        "/console/rewards/new",
        data={"name": "Forged", "kind": "VOUCHER", "pointsCost": "1"},
        headers={"origin": "https://attacker.example"},
    )
    assert forged.status_code == 403
    assert "Forged" not in (await browser.get("/console/rewards")).text


async def test_an_analyst_sees_no_create_button_and_the_api_refuses_them_anyway(
    http: httpx.AsyncClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "ANALYST")
    page = await browser.get("/console/rewards")
    assert page.status_code == 200
    assert "New reward" not in page.text and "/archive" not in page.text
    assert "New contest" not in (await browser.get("/console/contests")).text
    # The form posted by hand: the console asks the API, which refuses the analyst.
    answer = await browser.post(
        "/console/rewards/new",
        data={"name": "Not allowed", "kind": "VOUCHER", "pointsCost": "10"},
        headers=ORIGIN,
    )
    assert answer.status_code == 400
    assert "FORBIDDEN" in answer.text or "role" in answer.text.lower()


async def test_a_manager_sees_the_api_errors_next_to_their_fields_then_saves(
    http: httpx.AsyncClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "MANAGER")
    name = unique("Tote bag")
    bad = await browser.post(
        "/console/rewards/new",
        data={"name": name, "kind": "MERCHANDISE", "pointsCost": "-5", "stock": "3"},
        headers=ORIGIN,
    )
    assert bad.status_code == 400
    assert re.search(r'id="f-pointsCost"[^>]*aria-invalid="true"', bad.text)
    assert 'id="e-pointsCost"' in bad.text
    good = await browser.post(
        "/console/rewards/new",
        data={"name": name, "kind": "MERCHANDISE", "pointsCost": "250", "stock": "3"},
        headers=ORIGIN,
    )
    assert good.status_code == 303
    listed = await browser.get("/console/rewards")
    assert name in listed.text and "250" in listed.text


async def test_a_manager_adjusts_a_member_s_points_once_per_form(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Zoé Client")
    browser = await signed_in(http, program.slug, "MANAGER")
    found = await browser.get("/console/members", params={"text": "Zoé"})
    assert f"/console/members/{member.id}" in found.text
    form = {"delta": "1500", "reason": "Goodwill", "idempotencyKey": "form-1"}
    for _ in range(2):  # a double click sends the form twice
        answer = await browser.post(
            f"/console/members/{member.id}/adjust", data=form, headers=ORIGIN
        )
        assert answer.status_code == 303
    page = await browser.get(f"/console/members/{member.id}")
    assert re.search(r"data-balance>1,500<", page.text)


async def test_french_writes_numbers_money_and_dates_the_french_way(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Élodie")
    browser = await signed_in(http, program.slug, "MANAGER")
    form = {"delta": "12345", "reason": "Bienvenue", "idempotencyKey": "fr-1"}
    await browser.post(f"/console/members/{member.id}/adjust", data=form, headers=ORIGIN)
    switched = await browser.post(
        "/console/language",
        data={"language": "fr", "next": f"/console/members/{member.id}"},
        headers=ORIGIN,
    )
    assert switched.status_code == 303
    page = await browser.get(f"/console/members/{member.id}")
    assert '<html lang="fr">' in page.text
    assert "data-balance>12\u202f345<" in page.text  # a narrow no-break space between thousands
    month = clock.now().month
    assert [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ][month - 1] in page.text
    dashboard = await browser.get("/console/")
    assert "Chiffres clés" in dashboard.text
    assert "\u00a0€" in dashboard.text  # 0,00 € : the amount, a no-break space, the sign


async def test_the_members_export_is_the_api_s_csv(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    await sign_up(gql, program, display_name="Csv Person")
    browser = await signed_in(http, program.slug, "ANALYST")
    answer = await browser.get("/console/members.csv", params={"text": "Csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    lines = answer.text.strip().splitlines()
    assert lines[0].startswith("id,email,display_name") and len(lines) == 2


async def test_the_demo_admin_signs_in_and_every_page_answers_and_the_demo_draw_verifies(
    http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_demo()
    capsys.readouterr()
    browser = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    form = {"program": DEMO_SLUG, "email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD}
    assert (await browser.post("/console/sign-in", data=form, headers=ORIGIN)).status_code == 303
    for path in ("/console/", "/console/members", "/console/rewards", "/console/contests"):
        page = await browser.get(path)
        assert page.status_code == 200, path
    dashboard = await browser.get("/console/", params={"from": "2026-01-01", "to": "2027-01-01"})
    assert dashboard.status_code == 200 and "<svg" in dashboard.text
    members = await browser.get("/console/members")
    member_id = re.findall(r'href="/console/members/(\d+)"', members.text)[0]
    assert (await browser.get(f"/console/members/{member_id}")).status_code == 200
    rewards = await browser.get("/console/rewards")
    reward_id = re.findall(r'href="/console/rewards/(\d+)"', rewards.text)[0]
    assert (await browser.get(f"/console/rewards/{reward_id}")).status_code == 200
    contests = await browser.get("/console/contests")
    drawn = [
        contest_id
        for contest_id in re.findall(r'href="/console/contests/(\d+)"', contests.text)
        if "data-status>Drawn" in (await browser.get(f"/console/contests/{contest_id}")).text
    ]
    assert drawn, "the demo has a drawn contest"
    verified = await browser.post(f"/console/contests/{drawn[0]}/verify", headers=ORIGIN)
    assert 'data-verified="yes"' in verified.text
