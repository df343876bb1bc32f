"""The console's instant-win games, auctions and action types over HTTP: create with the API's
errors next to their fields, edit, archive; each form shows only the fields of its kind; an
analyst reads and sees no button, and the API refuses the form posted by hand."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from core.clock import clock
from gamification.audit import SYSTEM
from gamification.points import tiers
from tests.builders import new_program
from tests.test_console import ORIGIN, signed_in


def _local(delta: timedelta) -> str:
    return (clock.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _marked(page: str, name: str) -> bool:
    return re.search(rf'id="f-{re.escape(name)}"[^>]*aria-invalid="true"', page) is not None


async def test_a_manager_creates_a_game_with_several_prizes_then_edits_and_stops_it(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    await tiers.create_tier(SYSTEM, program.id, "Gold", 2, qualifying_threshold=500)
    manager = await signed_in(http, program.slug, "MANAGER")
    form = await manager.get("/console/games/new")
    assert form.status_code == 200
    # the odds only for PROBABILITY, points only for a POINTS line, a reward only for REWARD
    assert re.search(r'class="field only-probability"', form.text)
    assert 'class="field only-points"' in form.text and 'class="field only-reward"' in form.text
    assert '<option value="2">Gold</option>' in form.text
    game = {
        "name": "Scratch & win",
        "startsAt": _local(timedelta(hours=-1)),
        "endsAt": _local(timedelta(days=7)),
        "playCost": "10",
        "mode": "MOMENTS",
        "winProbability": "0.5",  # not a MOMENTS field: not sent
        "maxPlaysPerDay": "3",
        "minTierRank": "2",
        "prizes.0.name": "Bonus points",
        "prizes.0.kind": "POINTS",
        "prizes.0.quantity": "5",
        "prizes.0.points": "100",
        "prizes.2.name": "Tote bag",  # a gap: the line moves up to the second
        "prizes.2.kind": "PRIZE",
        "prizes.2.quantity": "0",
    }
    bad = await manager.post("/console/games/new", data=game, headers=ORIGIN)
    assert bad.status_code == 400
    assert _marked(bad.text, "prizes.1.quantity") and 'id="e-prizes.1.quantity"' in bad.text
    assert 'name="prizes.1.name" type="text" value="Tote bag"' in bad.text
    made = await manager.post(
        "/console/games/new", data={**game, "prizes.2.quantity": "2"}, headers=ORIGIN
    )
    assert made.status_code == 303, made.text
    page = (await manager.get(made.headers["location"])).text
    assert "Bonus points \u00d7 5" in page and "Tote bag \u00d7 2" in page
    assert "Winning moments" in page
    game_path = made.headers["location"]
    edit = await manager.get(f"{game_path}/edit")
    assert 'value="Scratch &amp; win"' in edit.text and 'name="startsAt"' not in edit.text
    saved = await manager.post(
        f"{game_path}/edit",
        data={"name": "Scratch and win", "maxPlaysPerDay": "5", "minTierRank": ""},
        headers=ORIGIN,
    )
    assert saved.status_code == 303
    edit = await manager.get(f"{game_path}/edit")
    assert (
        'value="Scratch and win"' in edit.text
        and 'name="maxPlaysPerDay" type="number" value="5"' in edit.text
    )
    bad = await manager.post(f"{game_path}/edit", data={"name": ""}, headers=ORIGIN)
    assert bad.status_code == 400 and _marked(bad.text, "name")
    assert "Scratch and win" in (await manager.get("/console/games")).text
    stopped = await manager.post(f"{game_path}/archive", headers=ORIGIN)
    assert stopped.status_code == 303
    assert "Scratch and win" not in (await manager.get("/console/games")).text


async def test_a_probability_game_sends_its_odds(http: httpx.AsyncClient) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    game = {
        "name": "Lucky wheel",
        "startsAt": _local(timedelta(hours=-1)),
        "endsAt": _local(timedelta(days=2)),
        "mode": "PROBABILITY",
        "winProbability": "2",
        "prizes.0.name": "Mug",
        "prizes.0.kind": "PRIZE",
        "prizes.0.quantity": "3",
    }
    bad = await manager.post("/console/games/new", data=game, headers=ORIGIN)
    assert bad.status_code == 400 and _marked(bad.text, "winProbability")
    made = await manager.post(
        "/console/games/new", data={**game, "winProbability": "0.25"}, headers=ORIGIN
    )
    assert made.status_code == 303
    assert "Probability" in (await manager.get(made.headers["location"])).text


async def test_an_analyst_sees_no_game_auction_or_action_buttons_and_the_api_refuses(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    analyst = await signed_in(http, program.slug, "ANALYST")
    for path, button in (
        ("/console/games", "New game"),
        ("/console/auctions", "New auction"),
        ("/console/actions", "New action"),
    ):
        page = await analyst.get(path)
        assert page.status_code == 200 and button not in page.text, path
    for path, data in (
        (
            "/console/games/new",
            {
                "name": "No",
                "startsAt": _local(timedelta(0)),
                "endsAt": _local(timedelta(days=1)),
                "prizes.0.name": "P",
                "prizes.0.quantity": "1",
            },
        ),
        (
            "/console/auctions/new",
            {
                "name": "No",
                "startsAt": _local(timedelta(0)),
                "endsAt": _local(timedelta(days=1)),
                "startingBid": "10",
            },
        ),
        ("/console/actions/new", {"code": "no", "name": "No", "points": "1"}),
    ):
        refused = await analyst.post(path, data=data, headers=ORIGIN)
        assert refused.status_code == 400, path
        assert "FORBIDDEN" in refused.text or "role" in refused.text.lower(), path


async def test_a_manager_creates_an_auction_with_reserve_units_and_anti_sniping_then_edits(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    form = await manager.get("/console/auctions/new")
    assert 'class="field only-reward-prize"' in form.text
    assert 'class="field only-physical-prize"' in form.text
    auction = {
        "name": "Signed apron",
        "prizeKind": "PRIZE",
        "prizeName": "Apron signed by the chef",
        "quantity": "2",
        "startsAt": _local(timedelta(hours=-1)),
        "endsAt": _local(timedelta(days=3)),
        "startingBid": "0",
        "minIncrement": "5",
        "reserve": "300",
        "extensionMinutes": "10",
    }
    bad = await manager.post("/console/auctions/new", data=auction, headers=ORIGIN)
    assert bad.status_code == 400 and _marked(bad.text, "startingBid")
    made = await manager.post(
        "/console/auctions/new", data={**auction, "startingBid": "50"}, headers=ORIGIN
    )
    assert made.status_code == 303, made.text
    listed = (await manager.get("/console/auctions")).text
    assert "Signed apron" in listed and "Apron signed by the chef" in listed and "not met" in listed
    auction_id = re.search(r'/console/auctions/(\d+)"', listed).group(1)  # type: ignore[union-attr]
    edit = await manager.get(f"/console/auctions/{auction_id}")
    assert 'value="10"' in edit.text and 'name="reserve"' not in edit.text
    bad = await manager.post(
        f"/console/auctions/{auction_id}",
        data={"name": "Signed apron", "extensionMinutes": "5000"},
        headers=ORIGIN,
    )
    assert bad.status_code == 400 and _marked(bad.text, "extensionMinutes")
    saved = await manager.post(
        f"/console/auctions/{auction_id}",
        data={"name": "Chef's apron", "description": "Signed", "extensionMinutes": "15"},
        headers=ORIGIN,
    )
    assert saved.status_code == 303
    assert "Chef&#39;s apron" in (await manager.get("/console/auctions")).text
    archived = await manager.post(f"/console/auctions/{auction_id}/archive", headers=ORIGIN)
    assert archived.status_code == 303


async def test_a_manager_creates_a_self_service_action_with_its_check_in_code_then_edits(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    form = await manager.get("/console/actions/new")
    assert 'class="field only-self-service"' in form.text
    action = {
        "code": "Shop check-in!",
        "name": "Shop check-in",
        "points": "5",
        "perDay": "1",
        "cooldownMinutes": "60",
        "selfService": "on",
        "checkInCode": "SHOP-42",
    }
    bad = await manager.post("/console/actions/new", data=action, headers=ORIGIN)
    assert bad.status_code == 400 and _marked(bad.text, "code")
    made = await manager.post(
        "/console/actions/new", data={**action, "code": "check-in"}, headers=ORIGIN
    )
    assert made.status_code == 303, made.text
    listed = (await manager.get("/console/actions")).text
    assert "Shop check-in" in listed and "SHOP-42" in listed
    action_id = re.search(r'/console/actions/(\d+)"', listed).group(1)  # type: ignore[union-attr]
    edit = (await manager.get(f"/console/actions/{action_id}")).text
    assert "<code>check-in</code>" in edit and re.search(r'id="f-selfService"[^>]*checked', edit)
    # no longer self-service: the check-in code goes with it
    saved = await manager.post(
        f"/console/actions/{action_id}",
        data={"name": "Shop visit", "points": "8", "perWeek": "3", "checkInCode": "SHOP-42"},
        headers=ORIGIN,
    )
    assert saved.status_code == 303
    listed = (await manager.get("/console/actions")).text
    assert "Shop visit" in listed and "SHOP-42" not in listed
    archived = await manager.post(f"/console/actions/{action_id}/archive", headers=ORIGIN)
    assert archived.status_code == 303
    assert "Shop visit" not in (await manager.get("/console/actions")).text
