"""GraphiQL works on a machine cut off from everything but itself: the page and every script and
stylesheet it needs come from the app. Debian's Chromium, driven by Playwright, loads /graphql from
the app served on a real socket, types a query in the editor and reads the answer."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect
from starlette.applications import Starlette

from api import graphiql
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient
from tests.serving import served

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = "127.0.0.1"

# Names resolve to nothing but the loopback address, so nothing can leave the machine even by a
# way around the route below (a WebSocket, a prefetch, the browser's own traffic).
CHROMIUM_ARGS = [f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}"]

# Generous for a page served from this machine; a page waiting on the internet never gets there.
TIMEOUT_MS = 15_000

needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"no Chromium at {CHROMIUM} (Debian's package `chromium`: apt-get install chromium)",
)


async def _page(http: httpx.AsyncClient) -> str:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    return response.text


async def test_the_page_loads_only_files_the_app_serves(http: httpx.AsyncClient) -> None:
    page = await _page(http)
    linked = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(linked) >= 4  # React, ReactDOM, GraphiQL and the explorer, scripts and styles
    for link in linked:
        if link.startswith("data:"):
            continue
        url = urljoin("http://testserver/graphql", link)
        assert urlsplit(url).hostname == "testserver", link
        response = await http.get(url)
        assert response.status_code == 200, link
        assert response.headers["content-type"].startswith(("text/javascript", "text/css")), link


async def test_nothing_else_of_the_packages_is_served(http: httpx.AsyncClient) -> None:
    for path in ("graphiql/package.json", "graphiql/graphiql.min.js.map", "..%2Fpage.html"):
        response = await http.get(f"/graphiql/{path}")
        assert response.status_code == 404, path
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_without_its_packages_the_page_says_how_to_install_them(tmp_path: Path) -> None:
    page = graphiql.page(packages=tmp_path)
    assert "GraphiQL is not installed" in page
    assert "npm ci" in page
    assert "graphiql/graphiql.min.js" in page


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # Playwright's own browser builds are a download; the system's Chromium needs none.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def _offline_page(browser: Browser, requested: list[str], errors: list[str]) -> Page:
    """A page that reaches 127.0.0.1 only; `requested` collects every URL it asked for (the
    refused ones too) and `errors` what its scripts threw."""
    context = await browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)

    async def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOOPBACK:
            await route.continue_()
        else:
            await route.abort("internetdisconnected")

    await context.route("**/*", loopback_only)
    context.on("request", lambda request: requested.append(request.url))
    page = await context.new_page()
    page.on("websocket", lambda socket: requested.append(socket.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def _off_machine(urls: list[str]) -> list[str]:
    # data: and blob: URLs are made inside the page; every other URL names a host.
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).hostname != LOOPBACK
    ]


@needs_chromium
async def test_graphiql_runs_a_query_typed_in_its_editor_offline(
    app: Starlette, browser: Browser
) -> None:
    requested: list[str] = []
    errors: list[str] = []
    page = await _offline_page(browser, requested, errors)
    try:
        async with served(app) as base:
            await page.goto(f"{base}/graphql")
            # What a page whose scripts never arrive shows forever.
            await expect(page.locator("#graphiql")).not_to_have_text("Loading...")
            editor = page.locator(".graphiql-query-editor .CodeMirror")
            await editor.click()
            await page.keyboard.press("Control+A")
            await page.keyboard.press("Delete")
            # The editor closes the brace itself and steps over the one typed at the end.
            await page.keyboard.type("{ __typename }")
            await page.locator(".graphiql-execute-button").click()
            await expect(page.locator(".graphiql-response")).to_contain_text(
                '"__typename": "Query"'
            )
    finally:
        await page.context.close()
    assert f"{base}/graphql" in requested
    assert _off_machine(requested) == []
    assert errors == []


@needs_chromium
async def test_graphiql_runs_a_subscription_over_a_websocket_with_the_headers_token(
    app: Starlette, browser: Browser, gql: GraphQLClient
) -> None:
    # given a member's token in the Headers editor and a subscription in the query editor
    member = await sign_up(gql, await new_program())
    requested: list[str] = []
    errors: list[str] = []
    page = await _offline_page(browser, requested, errors)
    parameters = urlencode(
        {
            "q": "subscription { myBalance { pointsBalance } }",
            "headers": json.dumps({"Authorization": f"Bearer {member.access_token}"}),
        }
    )
    try:
        async with served(app) as base:
            await page.goto(f"{base}/graphql?{parameters}")
            await expect(page.locator("#graphiql")).not_to_have_text("Loading...")
            # when it runs
            await page.locator(".graphiql-execute-button").click()
            # then the balance comes over the page's WebSocket
            await expect(page.locator(".graphiql-response")).to_contain_text('"pointsBalance": 0')
    finally:
        await page.context.close()
    assert any(url.startswith("ws://127.0.0.1") for url in requested)
    assert _off_machine(requested) == []
    assert errors == []
