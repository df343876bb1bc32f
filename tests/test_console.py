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

from api.console import dashboard, translations, webhooks
from api.console.gateway import documents
from api.schema import schema
from core.clock import clock
from gamification.accounts.staff import create_staff
from gamification.audit import SYSTEM
from tests.builders import PASSWORD, new_program, sign_up, unique
from tests.graphql import GraphQLClient
from tests.workers import run_burst_worker

ORIGIN = {"origin": "http://testserver"}
REFRESH = """
mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { errors { code } } }
"""
CONSOLE = Path(__file__).parent.parent / "api" / "console"


async def signed_in(http: httpx.AsyncClient, slug: str, role: str) -> httpx.AsyncClient:
    """A browser of its own (its own cookies) signed in to the console as a new `role`."""
    email = f"{unique(role.lower())}@brand.example"
    await create_staff(SYSTEM, slug, email, PASSWORD, role)
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
    written |= set(translations.ENGLISH)  # the API's names shown as words
    written |= set(
        re.findall(
            r'\("/console/[a-z-]*", "([^"]+)"\)', (CONSOLE / "templates" / "base.html").read_text()
        )
    )
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
    await create_staff(SYSTEM, slug, email, PASSWORD, "ADMIN")
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
    # Plain HTTP in development and test: Secure only in production (test_production_mode.py)
    assert "Secure" not in cookie
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


async def test_a_manager_writes_a_reward_in_french_dutch_and_english(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    browser = await signed_in(http, program.slug, "MANAGER")
    form = {"name": "Mug", "kind": "MERCHANDISE", "pointsCost": "100"}
    refused = await browser.post(
        "/console/rewards/new",
        data={**form, "description_nl": "Een mok zonder naam."},
        headers=ORIGIN,
    )
    assert refused.status_code == 400
    assert re.search(r'id="f-name_nl"[^>]*aria-invalid="true"', refused.text)
    saved = await browser.post(
        "/console/rewards/new",
        data={**form, "name_fr": "Tasse", "description_fr": "En grès.", "name_nl": "Mok"},
        headers=ORIGIN,
    )
    assert saved.status_code == 303
    member = await sign_up(gql, program)
    rewards = "query { rewards { edges { node { id name description } } } }"
    (french,) = (await member.client.speaking("fr").query(rewards))["rewards"]["edges"]
    assert french["node"] | {"id": ""} == {"id": "", "name": "Tasse", "description": "En grès."}
    (dutch,) = (await member.client.speaking("nl").query(rewards))["rewards"]["edges"]
    assert dutch["node"]["name"] == "Mok"
    edit = await browser.get(f"/console/rewards/{french['node']['id']}")
    assert edit.status_code == 200
    assert 'value="Tasse"' in edit.text and 'value="Mok"' in edit.text


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


async def test_an_admin_changes_the_settings_with_errors_next_to_their_fields(
    http: httpx.AsyncClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "ADMIN")
    page = await browser.get("/console/settings")
    assert page.status_code == 200 and 'id="f-pointValue"' in page.text
    bad = await browser.post(
        "/console/settings", data={"pointsValidityDays": "0", "tierBasis": "POINTS"}, headers=ORIGIN
    )
    assert bad.status_code == 400
    assert re.search(r'id="f-pointsValidityDays"[^>]*aria-invalid="true"', bad.text)
    good = await browser.post(
        "/console/settings",
        data={"pointsValidityDays": "400", "pointValue": "0.02", "tierBasis": "SPEND"},
        headers=ORIGIN,
    )
    assert good.status_code == 303
    page = await browser.get("/console/settings")
    assert 'value="400"' in page.text and 'value="0.02"' in page.text
    assert '<option value="SPEND" selected>' in page.text
    # the tier window and review, grace, reminders and referral windows too
    assert (
        'id="f-expiryReminderDays" name="expiryReminderDays" type="text" value="30, 7"' in page.text
    )
    rest = {
        "tierBasis": "SPEND",
        "expiryReminderDays": "14, 3",
        "tierWindowDays": "180",
        "tierReviewDays": "90",
        "tierGrace": "on",
        "referralMinPurchase": "15.00",
        "referralWindowDays": "45",
        "referralApplyDays": "10",
        "referralRefundWindowDays": "20",
    }
    bad = await browser.post(
        "/console/settings", data={**rest, "expiryReminderDays": "14, 900"}, headers=ORIGIN
    )
    assert bad.status_code == 400
    assert re.search(r'id="f-expiryReminderDays"[^>]*aria-invalid="true"', bad.text)
    saved = await browser.post("/console/settings", data=rest, headers=ORIGIN)
    assert saved.status_code == 303
    page = (await browser.get("/console/settings")).text
    for name in ("tierWindowDays", "tierReviewDays", "referralWindowDays", "referralApplyDays"):
        assert f'name="{name}" type="number" value="{rest[name]}"' in page
    assert 'value="14, 3"' in page and 'value="15.00"' in page
    assert re.search(r'id="f-tierGrace"[^>]*checked', page)
    # a dash: no reminders; unticked: no grace
    saved = await browser.post(
        "/console/settings",
        data={**rest, "expiryReminderDays": "-", "tierGrace": ""},
        headers=ORIGIN,
    )
    assert saved.status_code == 303
    page = (await browser.get("/console/settings")).text
    assert 'value="-"' in page and not re.search(r'id="f-tierGrace"[^>]*checked', page)


async def test_an_admin_adds_a_staff_user_changes_their_role_and_archives_them(
    http: httpx.AsyncClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "ADMIN")
    email = f"{unique('new')}@brand.example"
    short = await browser.post(
        "/console/staff/new",
        data={"email": email, "password": "short", "role": "ANALYST"},
        headers=ORIGIN,
    )
    assert short.status_code == 400 and 'id="e-password"' in short.text
    added = await browser.post(
        "/console/staff/new",
        data={"email": email, "password": PASSWORD, "role": "ANALYST"},
        headers=ORIGIN,
    )
    assert added.status_code == 303
    page = await browser.get("/console/staff")
    staff_id = re.findall(rf"{re.escape(email)}.*?/console/staff/(\d+)/role", page.text, re.S)[0]
    role = await browser.post(
        f"/console/staff/{staff_id}/role", data={"role": "MANAGER"}, headers=ORIGIN
    )
    assert role.status_code == 303
    colleague = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    form = {"program": slug, "email": email, "password": PASSWORD}
    assert (await colleague.post("/console/sign-in", data=form, headers=ORIGIN)).status_code == 303
    assert "New reward" in (await colleague.get("/console/rewards")).text  # a MANAGER now
    archived = await browser.post(f"/console/staff/{staff_id}/archive", headers=ORIGIN)
    assert archived.status_code == 303
    # Their session ended with the archive: the console sends them to sign in.
    assert (await colleague.get("/console/rewards")).status_code == 303


async def test_a_new_api_key_is_shown_once_and_a_revoked_one_stops_working(
    http: httpx.AsyncClient, gql: GraphQLClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "ADMIN")
    created = await browser.post("/console/api-keys/new", data={"name": "Till 3"}, headers=ORIGIN)
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = re.findall(r"data-secret>([^<]+)<", created.text)[0]
    listed = await browser.get("/console/api-keys")
    assert "Till 3" in listed.text and secret not in listed.text
    assert (await gql.as_api_key(secret).raw("{ program { slug } }"))["data"]["program"]
    key_id = re.findall(r"/console/api-keys/(\d+)/revoke", listed.text)[0]
    revoked = await browser.post(f"/console/api-keys/{key_id}/revoke", headers=ORIGIN)
    assert revoked.status_code == 303
    assert "Revoked" in (await browser.get("/console/api-keys")).text
    answer = await gql.as_api_key(secret).raw("{ program { slug } }")
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_manager_has_no_admin_pages_and_the_api_refuses_them(
    http: httpx.AsyncClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "MANAGER")
    dashboard_page = await browser.get("/console/")
    assert "/console/settings" not in dashboard_page.text
    for path in ("/console/staff", "/console/api-keys"):
        page = await browser.get(path)
        assert page.status_code == 403 and "ADMIN" in page.text, path
    # Any staff reads the settings; only an admin changes them.
    settings = await browser.get("/console/settings")
    assert settings.status_code == 200 and ">Save<" not in settings.text
    refused = await browser.post("/console/settings", data={"tierBasis": "SPEND"}, headers=ORIGIN)
    assert refused.status_code == 400 and "ADMIN" in refused.text


async def test_segments_recompute_in_the_worker_while_the_page_follows(
    http: httpx.AsyncClient, gql: GraphQLClient, redis_url: str
) -> None:
    program = await new_program()
    await sign_up(gql, program)
    browser = await signed_in(http, program.slug, "MANAGER")
    page = await browser.get("/console/segments")
    assert page.status_code == 200 and "<svg" in page.text
    asked = await browser.post("/console/segments/compute", headers=ORIGIN)
    assert asked.status_code == 303
    following = await browser.get(asked.headers["location"])
    assert 'hx-get="/console/segments/status?since=' in following.text
    status = asked.headers["location"].replace("/console/segments?", "/console/segments/status?")
    assert "HX-Redirect" not in (await browser.get(status)).headers
    worker = await run_burst_worker(redis_url)
    assert worker.jobs_failed == 0
    assert (await browser.get(status)).headers["HX-Redirect"] == "/console/segments"


async def test_leaderboards_and_the_report_csv_answer(http: httpx.AsyncClient, slug: str) -> None:
    browser = await signed_in(http, slug, "ANALYST")
    for board in ("points", "referrals"):
        page = await browser.get("/console/leaderboards", params={"board": board, "period": "WEEK"})
        assert page.status_code == 200
    report = await browser.get("/console/report.csv", params={"from": "2026-01-01"})
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert report.text.splitlines()[0].startswith("start,")


def test_the_console_offers_every_event_type_of_the_schema_for_webhooks() -> None:
    enum = schema._schema.get_type("EventType")
    assert enum is not None
    assert set(webhooks.EVENT_TYPES) == set(enum.values)  # type: ignore[attr-defined]  # an enum


async def test_an_admin_creates_a_webhook_with_its_secret_shown_once_and_archives_it(
    http: httpx.AsyncClient, slug: str
) -> None:
    browser = await signed_in(http, slug, "ADMIN")
    bad = await browser.post(
        "/console/webhooks/new",
        data={"url": "not a url", "eventTypes": "POINTS_EARNED"},
        headers=ORIGIN,
    )
    assert bad.status_code == 400 and 'id="e-url"' in bad.text
    created = await browser.post(
        "/console/webhooks/new",
        data={
            "url": "https://crm.example.com/hook",
            "eventTypes": ["POINTS_EARNED", "TIER_CHANGED"],
        },
        headers=ORIGIN,
    )
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = re.findall(r"data-secret>([^<]+)<", created.text)[0]
    listed = await browser.get("/console/webhooks")
    assert "https://crm.example.com/hook" in listed.text and secret not in listed.text
    assert "POINTS_EARNED, TIER_CHANGED" in listed.text
    hook_id = re.findall(r"/console/webhooks/(\d+)/archive", listed.text)[0]
    assert (
        await browser.post(f"/console/webhooks/{hook_id}/archive", headers=ORIGIN)
    ).status_code == 303
    assert "/archive" not in (await browser.get("/console/webhooks")).text


async def test_a_manager_builds_the_tier_ladder_with_field_errors_then_edits_and_retires(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    browser = await signed_in(http, program.slug, "MANAGER")
    bad = await browser.post(
        "/console/tiers/new",
        data={"name": "Gold", "rank": "1", "earningMultiplier": "-2"},
        headers=ORIGIN,
    )
    assert bad.status_code == 400 and 'id="e-earningMultiplier"' in bad.text
    made = await browser.post(
        "/console/tiers/new",
        data={
            "name": "Gold",
            "rank": "1",
            "qualifyingThreshold": "1000",
            "earningMultiplier": "1.5",
        },
        headers=ORIGIN,
    )
    assert made.status_code == 303
    listed = await browser.get("/console/tiers")
    tier_id = re.findall(r'href="/console/tiers/(\d+)"', listed.text)[0]
    assert "Gold" in listed.text and "1,000" in listed.text
    edit = await browser.get(f"/console/tiers/{tier_id}")
    assert 'value="1.5"' in edit.text
    renamed = await browser.post(
        f"/console/tiers/{tier_id}",
        data={"name": "Or", "rank": "1", "qualifyingThreshold": "1200", "earningMultiplier": "1.5"},
        headers=ORIGIN,
    )
    assert renamed.status_code == 303
    assert "Or" in (await browser.get("/console/tiers")).text
    assert (
        await browser.post(f"/console/tiers/{tier_id}/archive", headers=ORIGIN)
    ).status_code == 303
    assert "No tier yet." in (await browser.get("/console/tiers")).text


async def test_an_admin_downloads_a_member_s_data_and_a_manager_has_no_such_link(
    http: httpx.AsyncClient, gql: GraphQLClient, slug: str
) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Data Subject")
    admin = await signed_in(http, program.slug, "ADMIN")
    page = await admin.get(f"/console/members/{member.id}")
    assert f"/console/members/{member.id}/data.json" in page.text
    data = await admin.get(f"/console/members/{member.id}/data.json")
    assert data.status_code == 200 and data.headers["content-type"] == "application/json"
    assert "Data Subject" in data.text
    manager = await signed_in(http, program.slug, "MANAGER")
    assert "data.json" not in (await manager.get(f"/console/members/{member.id}")).text
    assert (await manager.get(f"/console/members/{member.id}/data.json")).status_code == 403


async def test_an_admin_reads_the_audit_trail_and_a_manager_cannot(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    made = await manager.post(
        "/console/rewards/new",
        data={"name": "Audited mug", "kind": "MERCHANDISE", "pointsCost": "120", "stock": "3"},
        headers=ORIGIN,
    )
    assert made.status_code == 303
    admin = await signed_in(http, program.slug, "ADMIN")
    page = await admin.get("/console/audit", params={"target": "reward"})
    assert page.status_code == 200
    assert "reward.created" in page.text or "REWARD_CREATED" in page.text
    assert "Audited mug" in page.text and "@brand.example" in page.text
    assert (await manager.get("/console/audit")).status_code == 403


async def test_staff_follow_auctions_and_action_types(http: httpx.AsyncClient) -> None:
    from datetime import timedelta

    from core.clock import clock
    from gamification.actions import action_types
    from gamification.games import auctions
    from gamification.games.models import AuctionPrizeKind

    program = await new_program()
    now = clock.now()
    await auctions.create_auction(
        SYSTEM,
        program.id,
        name="Signed apron",
        prize_kind=AuctionPrizeKind.PRIZE,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        starting_bid=50,
        reserve=200,
    )
    await action_types.create_action_type(
        SYSTEM,
        program.id,
        code="check-in",
        name="Shop check-in",
        points=5,
        per_day=1,
        self_service=True,
        check_in_code="SHOP-42",
    )
    analyst = await signed_in(http, program.slug, "ANALYST")
    listed = await analyst.get("/console/auctions")
    assert listed.status_code == 200 and "Signed apron" in listed.text and "not met" in listed.text
    actions = await analyst.get("/console/actions")
    assert "Shop check-in" in actions.text and "SHOP-42" in actions.text
