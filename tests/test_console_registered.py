"""The console where only registered operations run (REGISTERED_OPERATIONS_ONLY): before its
documents are registered the API refuses them and the console cannot sign anyone in; once
`python -m api register-operations api/console/operations/*.graphql` has run (what `make run`
does), it works, sending each document's hash alone."""

from __future__ import annotations

import httpx

from gamification.accounts.staff import create_staff
from gamification.audit import SYSTEM
from tests.builders import PASSWORD, new_program, unique
from tests.test_console import ORIGIN
from tests.test_registered_operations import PREFIX, ROOT, register

SETTINGS_OVERRIDES = {"registered_operations_only": True, "persisted_queries_prefix": PREFIX}


async def test_the_console_runs_on_its_registered_documents_only(
    http: httpx.AsyncClient, redis_url: str
) -> None:
    program = await new_program()
    email = f"{unique('admin')}@brand.example"
    await create_staff(SYSTEM, program.slug, email, PASSWORD, "ADMIN")
    form = {"program": program.slug, "email": email, "password": PASSWORD}
    refused = await http.post("/console/sign-in", data=form, headers=ORIGIN)
    assert refused.status_code == 400 and "registered" in refused.text
    done = register(redis_url, *sorted((ROOT / "api" / "console" / "operations").glob("*.graphql")))
    assert done.returncode == 0, done.stderr
    browser = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
    assert (await browser.post("/console/sign-in", data=form, headers=ORIGIN)).status_code == 303
    pages = ("/console/", "/console/members", "/console/rewards", "/console/contests")
    for path in (*pages, "/console/earning-rules", "/console/vip-plans", "/console/badges"):
        assert (await browser.get(path)).status_code == 200, path
    # the preview of a rule not saved yet runs on its registered document too
    draft = {"name": "Base", "kind": "BASE_RATE", "pointsPerUnit": "1", "action": "preview"}
    sample = {"lines.0.sku": "A", "lines.0.quantity": "1", "lines.0.unitPrice": "5"}
    previewed = await browser.post(
        "/console/earning-rules/new", data={**draft, **sample}, headers=ORIGIN
    )
    assert previewed.status_code == 200 and "data-points-with>5<" in previewed.text
