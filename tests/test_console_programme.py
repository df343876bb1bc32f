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
