"""The console in a real browser: Debian's Chromium, driven by Playwright, against the app served
on a real socket and cut off from everything but this machine. A manager signs in, creates a
reward and a contest; a member enters through the API; the manager draws it and verifies the
draw; an analyst sees the dashboard but no create button, and a request forged from their session
is refused by the API; French writes dates and amounts the French way. Every page visited is
checked by axe-core (no serious or critical violation) and photographed under
tmp/artefacts/console/ (not committed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright, expect
from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.staff import create_staff
from gamification.audit import SYSTEM
from tests.builders import PASSWORD, new_program, sign_up, unique
from tests.graphql import GraphQLClient
from tests.serving import served
from tests.test_graphiql import CHROMIUM, CHROMIUM_ARGS, LOOPBACK, TIMEOUT_MS, needs_chromium
from tests.workers import run_burst_worker

ROOT = Path(__file__).parent.parent
AXE = ROOT / "tests" / "clients" / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = ROOT / "tmp" / "artefacts" / "console"
ENTER = """
mutation($input: EnterContestInput!) { enterContest(input: $input) { errors { code } } }
"""
CREATE_REWARD = """
mutation($input: CreateRewardInput!) { createReward(input: $input) { errors { code } } }
"""

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(
        not AXE.is_file(), reason="axe-core is not installed: make test installs it"
    ),
]


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class Checked:
    """Pages checked by axe-core and photographed as they are visited."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.errors: list[str] = []
        ARTEFACTS.mkdir(parents=True, exist_ok=True)

    async def context(self, browser: Browser) -> tuple[BrowserContext, Page]:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)

        async def loopback_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname == LOOPBACK:
                await route.continue_()
            else:
                await route.abort("internetdisconnected")

        await context.route("**/*", loopback_only)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return context, page

    async def look(self, page: Page, name: str) -> None:
        await page.add_script_tag(path=str(AXE))
        found: list[str] = await page.evaluate(
            """async () => {
              const result = await axe.run(document);
              return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }"""
        )
        self.violations.extend(f"{name}: {violation}" for violation in found)
        await page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


async def _sign_in(page: Page, base: str, slug: str, email: str) -> None:
    await page.goto(f"{base}/console/")
    await expect(page).to_have_url(f"{base}/console/sign-in?next=/console/")
    await page.get_by_label("Program").fill(slug)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


async def test_a_manager_runs_a_contest_end_to_end_and_an_analyst_only_reads(
    app: Starlette, browser: Browser, gql: GraphQLClient, http: httpx.AsyncClient, redis_url: str
) -> None:
    checked = Checked()
    # In the past, so the tokens issued as time moves on are never in PyJWT's future.
    start = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    with clock.frozen_at(start) as time:
        program = await new_program()
        roles = ("admin", "manager", "analyst")
        admin, manager, analyst = (f"{unique(role)}@brand.example" for role in roles)
        for email, role in zip((admin, manager, analyst), roles, strict=True):
            await create_staff(SYSTEM, program.slug, email, PASSWORD, role.upper())
        member = await sign_up(gql, program, display_name="Dana Entrant")
        async with served(app) as base:
            context, page = await checked.context(browser)
            await page.goto(f"{base}/console/sign-in")
            await checked.look(page, "sign-in")
            await _sign_in(page, base, program.slug, manager)
            await checked.look(page, "dashboard")

            # Members: search, then the member's page.
            await page.get_by_role("link", name="Members").click()
            await page.get_by_label("Search (name or email)").fill("Dana")
            await page.get_by_role("button", name="Search").click()
            await checked.look(page, "members")
            await page.get_by_role("link", name="Dana Entrant").click()
            await expect(page.get_by_role("heading", name="Dana Entrant")).to_be_visible()
            await checked.look(page, "member")

            # A reward: the API's error next to its field, then saved.
            await page.get_by_role("link", name="Rewards").click()
            await page.get_by_role("link", name="New reward").click()
            reward = unique("Hamper")
            await page.get_by_label("Name", exact=True).fill(reward)
            await page.get_by_label("Kind").select_option("VOUCHER")
            await page.get_by_label("Cost in points").fill("-1")
            await page.get_by_role("button", name="Save").click()
            await expect(page.locator("#e-pointsCost")).to_be_visible()
            await checked.look(page, "reward-form-error")
            await page.get_by_label("Cost in points").fill("100")
            await page.get_by_role("button", name="Save").click()
            await expect(page.get_by_role("cell", name=reward, exact=True)).to_be_visible()
            await checked.look(page, "rewards")

            # A contest open now, closing in an hour.
            await page.get_by_role("link", name="Contests").click()
            await page.get_by_role("link", name="New contest").click()
            await page.get_by_label("Name", exact=True).fill(unique("Winter draw"))
            await page.get_by_label("Opens (UTC)").fill(_local(start - timedelta(hours=1)))
            await page.get_by_label("Closes (UTC)").fill(_local(start + timedelta(hours=1)))
            first_prize = page.get_by_role("group", name="Prize 1")
            await first_prize.get_by_label("Prize name").fill("A hamper")
            await first_prize.get_by_label("Units").fill("1")
            await checked.look(page, "contest-form")
            await page.get_by_role("button", name="Save").click()
            await expect(page.locator("[data-status]")).to_have_text("Open")
            contest_id = page.url.rsplit("/", 1)[1]

            # The member enters through the API, as the app would.
            entered = await member.client.mutate(
                ENTER, {"contestId": contest_id, "entries": 1, "idempotencyKey": "console-1"}
            )
            assert entered["errors"] == []

            # Two hours on: the contest is closed and the access token long expired (the
            # console refreshes the session by itself). Draw, watch it finish, verify.
            time.set(start + timedelta(hours=2))
            await page.reload()
            await expect(page.locator("[data-status]")).to_have_text("Closed")
            await checked.look(page, "contest-closed")
            await page.get_by_role("button", name="Draw now").click()
            await expect(page.get_by_role("status")).to_contain_text("Drawing the winners")
            worker = await run_burst_worker(redis_url)
            assert worker.jobs_failed == 0
            await expect(page.locator("[data-status]")).to_have_text("Drawn")
            await expect(page.get_by_role("heading", name="Winners")).to_be_visible()
            await expect(page.get_by_text("Dana Entrant · A hamper")).to_be_visible()
            await page.get_by_role("button", name="Verify the draw").click()
            await expect(page.locator("[data-verified]")).to_have_attribute("data-verified", "yes")
            await checked.look(page, "contest-verified")
            await page.get_by_role("button", name="Sign out").click()
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await context.close()

            # The analyst: the dashboard, but nothing to create.
            context, page = await checked.context(browser)
            await _sign_in(page, base, program.slug, analyst)
            await page.get_by_role("link", name="Rewards").click()
            await expect(page.get_by_role("cell", name=reward, exact=True)).to_be_visible()
            await expect(page.get_by_role("link", name="New reward")).to_have_count(0)
            await expect(page.get_by_role("button", name="Archive")).to_have_count(0)
            await page.get_by_role("link", name="Contests").click()
            await expect(page.get_by_role("link", name="New contest")).to_have_count(0)
            await checked.look(page, "contests-analyst")
            # A request forged from the analyst's session: the form posted by hand, and the
            # session's own token sent to the API directly. Both are the API's refusal.
            forged = await context.request.post(
                f"{base}/console/rewards/new",
                form={"name": "Forged", "kind": "VOUCHER", "pointsCost": "1"},
                headers={"origin": base},
            )
            assert forged.status == 400
            assert "FORBIDDEN" in await forged.text() or "role" in (await forged.text()).lower()
            cookies = {c["name"]: c["value"] for c in await context.cookies()}
            direct: dict[str, Any] = (
                await http.post(
                    "/graphql",
                    json={
                        "query": CREATE_REWARD,
                        "variables": {
                            "input": {"name": "Forged", "kind": "VOUCHER", "pointsCost": 1}
                        },
                    },
                    headers={"Authorization": f"Bearer {cookies['console_access']}"},
                )
            ).json()
            assert direct["errors"][0]["extensions"]["code"] == "FORBIDDEN"

            # French: the words, the dates and the amounts.
            await page.get_by_role("button", name="Français").click()
            await expect(page.locator("html")).to_have_attribute("lang", "fr")
            await expect(page.get_by_role("heading", name="Jeux-concours")).to_be_visible()
            months = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                      "sept.", "oct.", "nov.", "déc.")  # fmt: skip
            closes = await page.get_by_role("cell").nth(3).text_content() or ""
            assert months[start.month - 1] in closes, closes
            await page.get_by_role("link", name="Tableau de bord").click()
            liability = page.locator(".kpi", has_text="Passif").locator(".value")
            await expect(liability).to_have_text("0,00\u00a0€")
            await checked.look(page, "dashboard-fr")
            await context.close()

            # An admin's pages, each checked and photographed.
            context, page = await checked.context(browser)
            await _sign_in(page, base, program.slug, admin)
            for link, name in (
                ("Tiers", "tiers"),
                ("Settings", "settings"),
                ("Staff", "staff"),
                ("API keys", "api-keys"),
                ("Segments", "segments"),
                ("Leaderboards", "leaderboards"),
                ("Games", "games"),
                ("Webhooks", "webhooks"),
            ):
                await page.get_by_role("link", name=link, exact=True).click()
                await expect(page.get_by_role("heading", level=1)).to_be_visible()
                await checked.look(page, name)
            await page.get_by_role("link", name="Simulations", exact=True).click()
            await checked.look(page, "simulations")
            await page.get_by_role("link", name="New simulation").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("New simulation")
            await checked.look(page, "simulation-form")
            await context.close()
    assert checked.violations == []
    assert checked.errors == []


async def test_a_manager_prices_a_sample_basket_with_a_new_earning_rule_then_saves_it(
    app: Starlette, browser: Browser
) -> None:
    checked = Checked()
    program = await new_program()
    manager = f"{unique('manager')}@brand.example"
    await create_staff(SYSTEM, program.slug, manager, PASSWORD, "MANAGER")
    async with served(app) as base:
        context, page = await checked.context(browser)
        await _sign_in(page, base, program.slug, manager)
        await page.get_by_role("link", name="Earning rules").click()
        # The program's base rate first: 10 points per euro.
        await page.get_by_role("link", name="New earning rule").click()
        await expect(page.get_by_role("heading", name="New earning rule")).to_be_visible()
        await page.get_by_label("Name", exact=True).fill("Base")
        await page.get_by_label("Points per unit of currency").fill("10")
        await expect(page.get_by_label("Multiplier")).to_be_hidden()
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("cell", name="Base", exact=True)).to_be_visible()
        await checked.look(page, "earning-rules")

        # A coffee multiplier: only a product's fields show, and the basket is priced first.
        await page.get_by_role("link", name="New earning rule").click()
        await expect(page.get_by_role("heading", name="New earning rule")).to_be_visible()
        await page.get_by_label("Name", exact=True).fill("Coffee x3")
        await page.get_by_label("Kind").select_option("PRODUCT")
        await expect(page.get_by_label("Points per unit of currency")).to_be_hidden()
        await expect(page.get_by_label("Only for the tier")).to_be_hidden()
        await page.get_by_label("Category", exact=True).fill("coffee")
        await page.get_by_label("Multiplier").fill("3")
        await page.get_by_label("SKU (line 1)").fill("LATTE")
        await page.get_by_label("Category (line 1)").fill("coffee")
        await page.get_by_label("Quantity (line 1)").fill("2")
        await page.get_by_label("Unit price (line 1)").fill("4.50")
        await page.get_by_label("SKU (line 2)").fill("MUG")
        await page.get_by_label("Quantity (line 2)").fill("1")
        await page.get_by_label("Unit price (line 2)").fill("12")
        await page.get_by_role("button", name="Preview").click()
        await expect(page.locator("[data-points-without]")).to_have_text("210")
        await expect(page.locator("[data-points-with]")).to_have_text("390")
        await expect(page.get_by_role("cell", name="Coffee x3 this rule")).to_be_visible()
        await checked.look(page, "earning-rule-preview")
        # Previewing saved nothing; saving now does.
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("Saved.")
        await expect(page.get_by_role("cell", name="Coffee x3", exact=True)).to_be_visible()

        # The other pages of the program's configuration, each checked and photographed.
        for link, new, name in (
            ("VIP plans", "New VIP plan", "vip-plans"),
            ("Badges", "New badge", "badges"),
            ("Challenges", "New challenge", "challenges"),
        ):
            await page.get_by_role("link", name=link, exact=True).click()
            await expect(page.get_by_role("heading", level=1, name=link)).to_be_visible()
            await checked.look(page, name)
            await page.get_by_role("link", name=new).click()
            await expect(page.get_by_role("heading", level=1, name=new)).to_be_visible()
            await checked.look(page, f"{name}-form")
        await page.get_by_label("Kind").select_option("COLLECTIVE")
        await expect(page.get_by_text("Collective: when the community")).to_be_visible()
        await expect(page.get_by_text("Individual: each member")).to_be_hidden()
        await context.close()
    assert checked.violations == []
    assert checked.errors == []
