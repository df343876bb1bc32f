"""The console's pages for what makes a program's points and goals: earning rules (with a
sample basket priced before saving), VIP plans, badges and challenges, over HTTP. Each: the
list, create with the API's errors next to their fields, edit, archive, and an analyst who
sees no button and whom the API refuses anyway."""

from __future__ import annotations

import re

import httpx

from tests.builders import new_program
from tests.test_console import ORIGIN, signed_in


async def test_a_manager_previews_an_earning_rule_on_a_sample_basket_then_saves_and_archives_it(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    base = {"name": "Base", "kind": "BASE_RATE", "pointsPerUnit": "10", "rounding": "FLOOR"}
    assert (
        await manager.post("/console/earning-rules/new", data=base, headers=ORIGIN)
    ).status_code == 303
    form = await manager.get("/console/earning-rules/new")
    assert form.status_code == 200 and 'data-kinds="CAMPAIGN"' in form.text  # the tier field
    draft = {
        "name": "Coffee x3",
        "kind": "PRODUCT",
        "category": "coffee",
        "multiplier": "3",
        "pointsPerUnit": "99",  # left from another kind: neither shown nor sent
        "lines.0.sku": "LATTE",
        "lines.0.category": "coffee",
        "lines.0.quantity": "2",
        "lines.0.unitPrice": "4.50",
        "lines.2.sku": "MUG",
        "lines.2.quantity": "0",
        "lines.2.unitPrice": "12",
    }
    # the basket's error lands on its own line of the form (the third: the second is empty)
    bad = await manager.post(
        "/console/earning-rules/new", data={**draft, "action": "preview"}, headers=ORIGIN
    )
    assert bad.status_code == 400
    assert re.search(r'id="f-lines.2.quantity"[^>]*aria-invalid="true"', bad.text)
    shown = await manager.post(
        "/console/earning-rules/new",
        data={**draft, "lines.2.quantity": "1", "action": "preview"},
        headers=ORIGIN,
    )
    assert shown.status_code == 200, shown.text
    assert "data-points-without>210<" in shown.text and "data-points-with>390<" in shown.text
    assert "Coffee x3" not in (await manager.get("/console/earning-rules")).text  # not saved
    no_multiplier = {**draft, "multiplier": "", "action": "preview"}
    refused = await manager.post("/console/earning-rules/new", data=no_multiplier, headers=ORIGIN)
    assert refused.status_code == 400 and 'id="e-multiplier"' in refused.text
    saved = await manager.post(
        "/console/earning-rules/new", data={**draft, "action": "save"}, headers=ORIGIN
    )
    assert saved.status_code == 303
    listed = await manager.get("/console/earning-rules")
    assert "Coffee x3" in listed.text and "coffee" in listed.text
    rule_id = re.findall(
        r'data-rule="Coffee x3">.*?href="/console/earning-rules/(\d+)"', listed.text, re.S
    )[0]
    edit = await manager.get(f"/console/earning-rules/{rule_id}")
    assert 'value="coffee"' in edit.text and "Sample basket" not in edit.text
    changed = await manager.post(
        f"/console/earning-rules/{rule_id}",
        data={"name": "Coffee x4", "priority": "5", "category": "coffee", "multiplier": "4"},
        headers=ORIGIN,
    )
    assert changed.status_code == 303
    assert "Coffee x4" in (await manager.get("/console/earning-rules")).text
    archived = await manager.post(f"/console/earning-rules/{rule_id}/archive", headers=ORIGIN)
    assert archived.status_code == 303
    assert "Coffee x4" not in (await manager.get("/console/earning-rules")).text
    assert "Coffee x4" in (await manager.get("/console/earning-rules?archived=1")).text


async def test_an_analyst_reads_the_earning_rules_without_buttons_and_the_api_refuses_them(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    base = {"name": "Base", "kind": "BASE_RATE", "pointsPerUnit": "1"}
    await manager.post("/console/earning-rules/new", data=base, headers=ORIGIN)
    analyst = await signed_in(http, program.slug, "ANALYST")
    page = await analyst.get("/console/earning-rules")
    assert page.status_code == 200 and "Base" in page.text
    assert "New earning rule" not in page.text and "/archive" not in page.text
    for action in ("preview", "save"):
        answer = await analyst.post(
            "/console/earning-rules/new",
            data={
                **base,
                "name": "Mine",
                "lines.0.sku": "A",
                "lines.0.quantity": "1",
                "lines.0.unitPrice": "1",
                "action": action,
            },
            headers=ORIGIN,
        )
        assert answer.status_code == 400 and "MANAGER" in answer.text, action


async def test_a_manager_sells_a_vip_plan_with_field_errors_then_edits_and_archives_it(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    tier = {"name": "Gold", "rank": "1", "qualifyingThreshold": "1000", "earningMultiplier": "2"}
    assert (await manager.post("/console/tiers/new", data=tier, headers=ORIGIN)).status_code == 303
    form = await manager.get("/console/vip-plans/new")
    tier_id = re.findall(r'<option value="(\d+)"[^>]*>Gold<', form.text)[0]
    plan = {"name": "Gold for a year", "tierId": tier_id, "durationDays": "0", "price": "49.90"}
    bad = await manager.post("/console/vip-plans/new", data=plan, headers=ORIGIN)
    assert bad.status_code == 400
    assert re.search(r'id="f-durationDays"[^>]*aria-invalid="true"', bad.text)
    made = await manager.post(
        "/console/vip-plans/new", data={**plan, "durationDays": "365"}, headers=ORIGIN
    )
    assert made.status_code == 303
    listed = await manager.get("/console/vip-plans")
    assert "Gold for a year" in listed.text and "€49.90" in listed.text
    plan_id = re.findall(r'href="/console/vip-plans/(\d+)"', listed.text)[0]
    assert 'value="365"' in (await manager.get(f"/console/vip-plans/{plan_id}")).text
    changed = await manager.post(
        f"/console/vip-plans/{plan_id}",
        data={**plan, "name": "Gold for two years", "durationDays": "730"},
        headers=ORIGIN,
    )
    assert changed.status_code == 303
    assert "Gold for two years" in (await manager.get("/console/vip-plans")).text
    assert (
        await manager.post(f"/console/vip-plans/{plan_id}/archive", headers=ORIGIN)
    ).status_code == 303
    assert "No VIP plan yet." in (await manager.get("/console/vip-plans")).text
    analyst = await signed_in(http, program.slug, "ANALYST")
    page = await analyst.get("/console/vip-plans?archived=1")
    assert "Gold for two years" in page.text and "New VIP plan" not in page.text
    refused = await analyst.post(
        "/console/vip-plans/new", data={**plan, "durationDays": "30"}, headers=ORIGIN
    )
    assert refused.status_code == 400 and "MANAGER" in refused.text


async def test_a_manager_creates_a_badge_with_only_its_criteria_fields_edits_and_archives_it(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    form = await manager.get("/console/badges/new")
    assert 'data-criteria="PRODUCT_QUANTITY"' in form.text  # the SKU shows for that kind only
    badge = {
        "name": "Coffee lover",
        "criteria": "PRODUCT_QUANTITY",
        "eventType": "PURCHASE_RECORDED",  # another kind's field: not sent
        "sku": "LATTE",
        "category": "coffee",
        "thresholds.0": "5",
        "thresholds.1": "20",
        "points": "50",
    }
    both = await manager.post("/console/badges/new", data=badge, headers=ORIGIN)
    assert both.status_code == 400 and 'id="e-sku"' in both.text
    made = await manager.post("/console/badges/new", data={**badge, "category": ""}, headers=ORIGIN)
    assert made.status_code == 303, made.text
    listed = await manager.get("/console/badges")
    assert "Coffee lover" in listed.text and "LATTE" in listed.text and "5 / 20" in listed.text
    badge_id = re.findall(r'href="/console/badges/(\d+)"', listed.text)[0]
    edit = await manager.get(f"/console/badges/{badge_id}")
    assert 'value="20"' in edit.text
    falling = await manager.post(
        f"/console/badges/{badge_id}",
        data={"name": "Coffee lover", "thresholds.0": "20", "thresholds.1": "5", "points": "50"},
        headers=ORIGIN,
    )
    assert falling.status_code == 400 and 'id="e-thresholds"' in falling.text
    changed = await manager.post(
        f"/console/badges/{badge_id}",
        data={"name": "Coffee fan", "thresholds.0": "3", "thresholds.1": "10", "points": "60"},
        headers=ORIGIN,
    )
    assert changed.status_code == 303
    assert "Coffee fan" in (await manager.get("/console/badges")).text
    analyst = await signed_in(http, program.slug, "ANALYST")
    page = await analyst.get("/console/badges")
    assert (
        "Coffee fan" in page.text and "New badge" not in page.text and "/archive" not in page.text
    )
    assert (
        await manager.post(f"/console/badges/{badge_id}/archive", headers=ORIGIN)
    ).status_code == 303
    assert "No badge yet." in (await manager.get("/console/badges")).text


async def test_a_manager_runs_a_collective_challenge_and_an_analyst_only_follows_it(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    manager = await signed_in(http, program.slug, "MANAGER")
    challenge = {
        "name": "A thousand coffees",
        "kind": "COLLECTIVE",
        "metric": "QUANTITY",
        "enrolment": "AUTOMATIC",
        "category": "coffee",
        "target": "1000",
        "startsAt": "2026-01-01T00:00",
        "endsAt": "2025-12-01T00:00",
        "rewardPoints": "20",
    }
    backwards = await manager.post("/console/challenges/new", data=challenge, headers=ORIGIN)
    assert backwards.status_code == 400 and 'id="e-endsAt"' in backwards.text
    made = await manager.post(
        "/console/challenges/new",
        data={**challenge, "endsAt": "2030-01-01T00:00"},
        headers=ORIGIN,
    )
    assert made.status_code == 303, made.text
    listed = await manager.get("/console/challenges")
    assert "A thousand coffees" in listed.text and "Collective" in listed.text
    assert 'aria-label="0 %"' in listed.text  # the community's way to the target
    challenge_id = re.findall(r'href="/console/challenges/(\d+)"', listed.text)[0]
    edit = await manager.get(f"/console/challenges/{challenge_id}")
    assert 'value="1000"' in edit.text and "disabled" in edit.text
    changed = await manager.post(
        f"/console/challenges/{challenge_id}",
        data={"name": "Two thousand coffees", "target": "2000", "rewardPoints": "20"},
        headers=ORIGIN,
    )
    assert changed.status_code == 303
    assert "Two thousand coffees" in (await manager.get("/console/challenges")).text
    analyst = await signed_in(http, program.slug, "ANALYST")
    page = await analyst.get("/console/challenges")
    assert "Two thousand coffees" in page.text and "New challenge" not in page.text
    refused = await analyst.post(f"/console/challenges/{challenge_id}/archive", headers=ORIGIN)
    assert refused.status_code == 400 and "MANAGER" in refused.text
    assert (
        await manager.post(f"/console/challenges/{challenge_id}/archive", headers=ORIGIN)
    ).status_code == 303
    assert "No challenge yet." in (await manager.get("/console/challenges")).text
