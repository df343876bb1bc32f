"""The API (uvicorn, a process of its own) SIGKILLed during a burst of purchases: no purchase is
left without its ledger entry and events, and the till retrying every unanswered purchase with
the same externalId records each exactly once."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx

from core.settings import Settings
from gamification.accounts.api_keys import create_api_key
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind, Purchase
from tests.builders import RECORD_PURCHASE, add_rule, new_program, purchase_input, sign_up
from tests.faults import api, assert_nothing_half_written, process_env, running
from tests.graphql import GraphQLClient

BURST = 80
KILL_AFTER = 15  # answers


async def test_purchases_survive_the_api_killed_mid_burst_and_retries_record_each_once(
    gql: GraphQLClient, settings: Settings, tmp_path: Path
) -> None:
    # given a shop earning 1 point per euro, its till's key and a few members
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    _, key = await create_api_key(SYSTEM, program.id, "Till")
    members = [await sign_up(gql, program) for _ in range(4)]
    inputs = [
        purchase_input(members[i % 4].id, lines=[("A", "cup", 2, "7.00")]) for i in range(BURST)
    ]
    server = api(process_env(settings), tmp_path / "api.log")
    server.start()
    answered: dict[str, dict] = {}
    enough = asyncio.Event()

    async def send(http: httpx.AsyncClient, values: dict) -> None:
        response = await http.post(
            "/graphql",
            json={"query": RECORD_PURCHASE, "variables": {"input": values}},
            headers={"X-Api-Key": key},
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        answered[str(values["externalId"])] = body["data"]["recordPurchase"]
        if len(answered) >= KILL_AFTER:
            enough.set()

    with running(server):
        # when the burst is on its way and the API is SIGKILLed after some answers
        async with httpx.AsyncClient(
            base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=16)
        ) as http:
            burst = [asyncio.create_task(send(http, values)) for values in inputs]
            await enough.wait()
            server.kill()
            outcomes = await asyncio.gather(*burst, return_exceptions=True)
        lost = [values for values, o in zip(inputs, outcomes, strict=True) if o is not None]
        assert all(isinstance(o, httpx.TransportError) for o in outcomes if o is not None)
        assert lost, "the kill came after every answer"

        # then every purchase that committed is whole: its entry and its events
        await assert_nothing_half_written(program.id)

        committed = set(
            await Purchase.filter(program_id=program.id).values_list("external_id", flat=True)
        )

        # when the API is back and the till retries every unanswered purchase
        server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await asyncio.gather(*(send(http, values) for values in lost))

    # then every purchase is recorded exactly once, answered ones with the first answer's id
    assert sorted(answered) == sorted(str(v["externalId"]) for v in inputs)
    assert all(a["errors"] == [] for a in answered.values())
    rows = await Purchase.filter(program_id=program.id).values_list("external_id", "id")
    assert sorted(e for e, _ in rows) == sorted(answered)
    assert {e: int(a["purchase"]["id"]) for e, a in answered.items()} == dict(rows)
    await assert_nothing_half_written(program.id)
    # and a retry says whether it had committed before the kill (answered again, not recorded)
    for values in lost:
        external_id = str(values["externalId"])
        assert answered[external_id]["replayed"] == (external_id in committed)
