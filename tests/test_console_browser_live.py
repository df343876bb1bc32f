"""The console in Chromium (as tests/test_console_browser.py drives it): a manager fills in the
instant-win game form, which shows each prize line's fields for its kind alone, and the
dashboard's live feed shows a purchase recorded with the API key as it happens. Each page is
checked by axe-core and photographed under tmp/artefacts/console/."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, expect
from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.staff import create_staff
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind
from tests.builders import (
    PASSWORD,
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    unique,
)
from tests.graphql import GraphQLClient
from tests.serving import served
from tests.test_console_browser import Checked, _local, _sign_in, browser, pytestmark

__all__ = ["browser", "pytestmark"]


async def test_a_manager_creates_a_game_whose_prize_lines_show_their_kind_s_fields(
    app: Starlette, browser: Browser
) -> None:
    checked = Checked()
    program = await new_program()
    manager = f"{unique('manager')}@brand.example"
    await create_staff(SYSTEM, program.slug, manager, PASSWORD, "MANAGER")
    now = clock.now()
    async with served(app) as base:
        context, page = await checked.context(browser)
        await _sign_in(page, base, program.slug, manager)
        await page.get_by_role("link", name="Games", exact=True).click()
        await page.get_by_role("link", name="New game").click()
        odds = page.get_by_label("Odds of a win per play")
        await expect(odds).to_be_hidden()
        await page.get_by_label("How plays win").select_option("PROBABILITY")
        await expect(odds).to_be_visible()
        await page.get_by_label("How plays win").select_option("MOMENTS")
        await expect(odds).to_be_hidden()
        await page.get_by_label("Name", exact=True).fill("Scratch card")
        await page.get_by_label("Starts (UTC)").fill(_local(now - timedelta(hours=1)))
        await page.get_by_label("Ends (UTC)").fill(_local(now + timedelta(days=7)))
        first, second = (page.get_by_role("group", name=f"Prize {n}") for n in (1, 2))
        await first.get_by_label("Prize name").fill("Bonus points")
        await first.get_by_label("Prize kind").select_option("POINTS")
        await expect(first.get_by_label("Points per unit")).to_be_visible()
        await expect(first.get_by_label("Reward")).to_be_hidden()
        await first.get_by_label("Units").fill("5")
        await first.get_by_label("Points per unit").fill("0")
        await second.get_by_label("Prize name").fill("Tote bag")
        await expect(second.get_by_label("Points per unit")).to_be_hidden()
        await second.get_by_label("Units").fill("2")
        await checked.look(page, "game-form")
        await page.get_by_role("button", name="Save").click()
        # the API's error, next to the field it names
        await expect(page.locator('[id="e-prizes.0.points"]')).to_be_visible()
        await checked.look(page, "game-form-error")
        await page.get_by_role("group", name="Prize 1").get_by_label("Points per unit").fill("100")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("heading", name="Scratch card")).to_be_visible()
        await expect(page.get_by_text("Tote bag \u00d7 2")).to_be_visible()
        await checked.look(page, "game")
        await context.close()
    assert checked.violations == []
    assert checked.errors == []


async def test_the_dashboard_s_live_feed_shows_a_purchase_as_it_is_recorded(
    app: Starlette, browser: Browser, gql: GraphQLClient
) -> None:
    checked = Checked()
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    analyst = f"{unique('analyst')}@brand.example"
    await create_staff(SYSTEM, program.slug, analyst, PASSWORD, "ANALYST")
    member = await sign_up(gql, program, display_name="Live Buyer")
    till = await integration_client(gql, program)
    async with served(app) as base:
        context, page = await checked.context(browser)
        await _sign_in(page, base, program.slug, analyst)
        feed = page.locator("#live-feed")
        await expect(feed).to_have_attribute("data-connected", "yes")
        await expect(page.locator("#live-status")).to_have_text("Live: new events appear first.")
        recorded = await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, "live-1", [("S", "c", 1, "12.00")])
        )
        assert recorded["errors"] == []
        purchase = feed.locator('li[data-event-type="PURCHASE_RECORDED"]')
        await expect(purchase).to_have_count(1)
        await expect(purchase.get_by_role("link")).to_have_attribute(
            "href", f"/console/members/{member.id}"
        )
        await checked.look(page, "dashboard-live")
        await context.close()
    assert checked.violations == []
    assert checked.errors == []
