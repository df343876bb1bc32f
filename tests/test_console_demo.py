"""The demo program in the console: its admin signs in as the README says, every page answers
with the demo's data, and the demo's drawn contest verifies. (A module of its own: the demo's
webhook queues deliveries that a burst worker elsewhere would wait for.)"""

from __future__ import annotations

import re

import httpx
import pytest

from api.demo import seed_demo
from api.demo.accounts import DEMO_SLUG, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from tests.test_console import ORIGIN


async def test_the_demo_admin_signs_in_and_every_page_answers_and_the_demo_draw_verifies(
    http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_demo()
    capsys.readouterr()
    browser = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    form = {"program": DEMO_SLUG, "email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD}
    assert (await browser.post("/console/sign-in", data=form, headers=ORIGIN)).status_code == 303
    paths = ("/console/", "/console/members", "/console/rewards", "/console/contests")
    admin = ("/console/settings", "/console/staff", "/console/api-keys", "/console/webhooks")
    for path in (*paths, "/console/games", "/console/segments", "/console/leaderboards", *admin):
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
    games = await browser.get("/console/games")
    game_id = re.findall(r'href="/console/games/(\d+)"', games.text)[0]
    game = await browser.get(f"/console/games/{game_id}")
    assert (await browser.get(f"/console/games/{game_id}/edit")).status_code == 200
    # the demo's auctions, action types and ambassadors show, each with its edit form
    for path, name in (("/console/auctions", "auctions"), ("/console/actions", "actions")):
        listed = await browser.get(path)
        found = re.findall(rf'href="/console/{name}/(\d+)"', listed.text)
        assert listed.status_code == 200 and found, path
        assert (await browser.get(f"/console/{name}/{found[0]}")).status_code == 200, path
    # the leaderboards page offers the demo's reviews board, with Dana's review on it
    boards = await browser.get("/console/leaderboards")
    assert 'value="action:review"' in boards.text and "Actions: Product review" in boards.text
    reviews = await browser.get("/console/leaderboards", params={"board": "action:review"})
    assert reviews.status_code == 200 and "Nobody on this board yet." not in reviews.text
    ambassadors = await browser.get("/console/ambassadors")
    assert ambassadors.status_code == 200 and "data-qualified>" in ambassadors.text
    assert game.status_code == 200 and "data-prizes-left" in game.text
    # the demo's rules, plans, badges and challenges, each with an edit form that opens
    for path, item in (
        ("/console/earning-rules", "earning-rules"),
        ("/console/vip-plans", "vip-plans"),
        ("/console/badges", "badges"),
        ("/console/challenges", "challenges"),
    ):
        listed = await browser.get(path)
        ids = re.findall(rf'href="/console/{item}/(\d+)"', listed.text)
        assert listed.status_code == 200 and ids, path
        assert (await browser.get(f"/console/{item}/{ids[0]}")).status_code == 200, path
    hooks = await browser.get("/console/webhooks")
    assert "/demo/webhook" in hooks.text
    contests = await browser.get("/console/contests")
    drawn = [
        contest_id
        for contest_id in re.findall(r'href="/console/contests/(\d+)"', contests.text)
        if "data-status>Drawn" in (await browser.get(f"/console/contests/{contest_id}")).text
    ]
    assert drawn, "the demo has a drawn contest"
    verified = await browser.post(f"/console/contests/{drawn[0]}/verify", headers=ORIGIN)
    assert 'data-verified="yes"' in verified.text
