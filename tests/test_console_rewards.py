"""The console's reward form over HTTP: limits (ever and per rolling period), who may redeem (a
minimum tier, a badge), validity and what an expired code gives back, with the API's errors
next to their fields, saved and shown again on edit."""

from __future__ import annotations

import re

import httpx

from gamification.audit import SYSTEM
from gamification.points import tiers
from tests.builders import new_program
from tests.test_console import ORIGIN, signed_in


async def test_a_manager_sets_a_reward_s_limits_and_eligibility_then_edits_them(
    http: httpx.AsyncClient,
) -> None:
    program = await new_program()
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 2, qualifying_threshold=500)
    manager = await signed_in(http, program.slug, "MANAGER")
    form = (await manager.get("/console/rewards/new")).text
    assert f'<option value="{gold.id}">Gold</option>' in form
    assert re.search(r'class="field check not-donation"', form)
    reward = {
        "name": "Chef's table",
        "kind": "EXPERIENCE",
        "pointsCost": "900",
        "limitPerPeriod": "1",  # without its period: refused
        "minimumTierId": str(gold.id),
        "redemptionValidityDays": "30",
        "refundOnExpiry": "on",
    }
    bad = await manager.post("/console/rewards/new", data=reward, headers=ORIGIN)
    assert bad.status_code == 400
    assert re.search(r'id="f-limitPe\w+"[^>]*aria-invalid="true"', bad.text), bad.text
    made = await manager.post(
        "/console/rewards/new", data={**reward, "limitPeriodDays": "30"}, headers=ORIGIN
    )
    assert made.status_code == 303, made.text
    listed = (await manager.get("/console/rewards")).text
    reward_id = re.search(r'href="/console/rewards/(\d+)"', listed).group(1)  # type: ignore[union-attr]
    edit = (await manager.get(f"/console/rewards/{reward_id}")).text
    assert 'name="limitPerPeriod" type="number" value="1"' in edit
    assert 'name="limitPeriodDays" type="number" value="30"' in edit
    assert f'<option value="{gold.id}" selected>Gold</option>' in edit
    assert re.search(r'id="f-refundOnExpiry"[^>]*checked', edit)
    saved = await manager.post(
        f"/console/rewards/{reward_id}",
        data={"name": "Chef's table", "kind": "EXPERIENCE", "pointsCost": "900"},
        headers=ORIGIN,
    )
    assert saved.status_code == 303
    edit = (await manager.get(f"/console/rewards/{reward_id}")).text
    assert 'name="limitPerPeriod" type="number" value=""' in edit
    assert f'<option value="{gold.id}" selected>' not in edit
    assert not re.search(r'id="f-refundOnExpiry"[^>]*checked', edit)
