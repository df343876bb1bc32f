"""The dashboard's live feed over HTTP (tests/test_console_browser_live.py watches it in
Chromium): the page carries the subscription document and the script, and /console/live-token
gives the session's access token, never cached, to a signed-in user only."""

from __future__ import annotations

import html

import httpx

from api.console.gateway import documents
from tests.builders import new_program
from tests.test_console import signed_in

STAFF_ME = "query { staffMe { role } }"


async def test_the_dashboard_carries_the_live_feed_and_its_token_is_the_session_s(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    analyst = await signed_in(http, program.slug, "ANALYST")
    page = (await analyst.get("/console/")).text
    assert 'id="live-feed"' in page and "/console/files/live.js" in page
    assert html.escape(documents()["ConsoleLive"].text) in page
    assert (await analyst.get("/console/files/live.js")).status_code == 200
    answer = await analyst.get("/console/live-token")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    token = answer.json()["token"]
    me = await http.post(
        "/graphql", json={"query": STAFF_ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert me.json()["data"]["staffMe"]["role"] == "ANALYST"


async def test_no_live_token_without_a_session(http: httpx.AsyncClient) -> None:
    stranger = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    answer = await stranger.get("/console/live-token")
    assert answer.status_code == 303 and "/console/sign-in" in answer.headers["location"]
