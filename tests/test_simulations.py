"""Campaign simulations: a draft replayed over past purchases through the live engine, priced,
writing nothing but the simulation."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from tortoise import Tortoise

from core.clock import clock
from gamification.audit import SYSTEM
from gamification.audit.models import AuditEntry
from gamification.points import tiers
from gamification.points.models import EarningRuleKind, LedgerEntry, LedgerKind, Purchase
from gamification.programs.models import Program
from gamification.programs.settings import update_settings
from gamification.simulations import simulations
from gamification.simulations.models import Simulation
from tests.builders import (
    RECORD_PURCHASE,
    SignedUpMember,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient
from tests.test_console import ORIGIN, signed_in
from tests.workers import run_burst_worker

SIMULATE = """
mutation($input: SimulateCampaignInput!) {
  simulateCampaign(input: $input) {
    simulation { id status progress }
    errors { code field }
  }
}
"""
CANCEL = """
mutation($input: CancelSimulationInput!) {
  cancelSimulation(input: $input) { simulation { id status } errors { code field } }
}
"""
SIMULATION = """
query($id: ID!) {
  simulation(id: $id) {
    id name status progress purchasesDone purchasesTotal error
    results {
      purchases buyers pointsActual pointsWithout pointsWith pointsDifference
      moneyDifference { amount currency }
      outstandingPointsAtEnd outstandingPointsWith
      liabilityAtEnd { amount } liabilityWith { amount }
      membersAffected movedUp movedDown tierBasis
      tiers {
        name thresholdWithout thresholdWith membersWithout membersWith movedUpInto movedDownInto
      }
      topSkus { sku extraPoints } topCategories { category extraPoints }
      segments { segment buyers pointsWithout pointsWith pointsDifference membersAffected }
    }
  }
}
"""
SIMULATIONS = """
query($first: Int, $after: String) {
  simulations(first: $first, after: $after) {
    edges { node { id name status } } pageInfo { hasNextPage endCursor }
  }
}
"""


async def _program() -> Program:
    """Base 1 point per euro, coffee x2, a first-purchase bonus, Bronze (0) and Silver (30 points,
    x1.5), and a double-points tea weekend in the past."""
    program = await new_program()
    now = clock.now()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    await add_rule(
        program, name="Coffee", kind=EarningRuleKind.PRODUCT, category="coffee", multiplier=2
    )
    await add_rule(program, name="Welcome", kind=EarningRuleKind.FIRST_PURCHASE, fixed_points=5)
    await add_rule(
        program,
        name="Tea weekend",
        kind=EarningRuleKind.CAMPAIGN,
        category="tea",
        multiplier=2,
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=8),
    )
    await tiers.create_tier(SYSTEM, program.id, "Bronze", 0, 0)
    await tiers.create_tier(SYSTEM, program.id, "Silver", 1, 30, Decimal("1.5"))
    return await update_settings(SYSTEM, program.id, {"point_value": Decimal("0.01")})


async def _buy(
    till: GraphQLClient,
    member: SignedUpMember,
    days_ago: float,
    lines: list[tuple[str, str | None, int, str]],
) -> None:
    moment = clock.now() - timedelta(days=days_ago)
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, lines=lines, occurred_at=moment)
    )
    assert payload["errors"] == [], payload["errors"]


async def _shop(gql: GraphQLClient, program: Program) -> list[SignedUpMember]:
    """Three members buying coffee, tea and cake over three weeks; one crosses Silver."""
    till = await integration_client(gql, program)
    members = [await sign_up(gql, program) for _ in range(3)]
    a, b, c = members
    await _buy(till, a, 20, [("ESP", "coffee", 2, "3.50"), ("CAKE", "bakery", 1, "4.20")])
    await _buy(till, a, 9, [("GREEN", "tea", 3, "2.00")])  # in the tea weekend
    await _buy(till, a, 3, [("ESP", "coffee", 1, "3.50")])  # Silver by now: x1.5
    await _buy(till, b, 15, [("GREEN", "tea", 1, "2.00"), ("CAKE", "bakery", 2, "4.20")])
    await _buy(till, b, 2, [("LATTE", "coffee", 1, "4.10")])
    await _buy(till, c, 40, [("CAKE", "bakery", 1, "4.20")])  # before the window
    await _buy(till, c, 1, [("CAKE", "bakery", 1, "4.20")])
    return members


def _window(days: int = 30) -> dict[str, str]:
    now = clock.now()
    return {
        "startsAt": (now - timedelta(days=days)).isoformat(),
        "endsAt": now.isoformat(),
    }


async def _simulate(staff: GraphQLClient, **draft: Any) -> str:
    payload = await staff.mutate(SIMULATE, {"name": "Draft", **_window(), **draft})
    assert payload["errors"] == [], payload["errors"]
    assert payload["simulation"]["status"] == "QUEUED"
    return str(payload["simulation"]["id"])


async def _results(staff: GraphQLClient, simulation_id: str) -> dict[str, Any]:
    data = (await staff.query(SIMULATION, {"id": simulation_id}))["simulation"]
    assert data["status"] == "DONE", data
    assert data["progress"] == 1.0
    return dict(data["results"])


async def _earned_by_purchases(program: Program, start: datetime) -> int:
    purchase_ids = await Purchase.filter(program_id=program.id, occurred_at__gte=start).values_list(
        "id", flat=True
    )
    entries = await LedgerEntry.filter(
        program_id=program.id,
        kind=LedgerKind.EARN,
        reference__in=[f"purchase:{i}" for i in purchase_ids],
    ).values_list("delta", flat=True)
    return sum(int(d) for d in entries)


async def _every_table() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the simulations', in primary key order."""
    rows = {}
    for app in Tortoise.apps.values():
        for name, model in app.items():
            if model is Simulation:
                continue
            pk = model._meta.pk_attr
            rows[f"{model._meta.app}.{name}"] = await model.all().order_by(pk).values()
    return rows


async def test_a_replay_of_the_live_rules_gives_what_the_ledger_credited(
    gql: GraphQLClient, redis_url: str
) -> None:
    # given purchases earned under a product rule, a campaign, a first-purchase bonus and a tier
    program = await _program()
    await _shop(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    # when an analyst replays an empty draft over the last 30 days
    simulation_id = await _simulate(analyst)
    await run_burst_worker(redis_url)
    results = await _results(analyst, simulation_id)
    # then the replay earns, to the point, what the ledger credited for those purchases
    earned = await _earned_by_purchases(program, clock.now() - timedelta(days=30))
    assert earned > 0
    assert results["pointsActual"] == earned
    assert results["pointsWithout"] == earned
    assert results["pointsWith"] == earned
    assert results["pointsDifference"] == 0 and results["membersAffected"] == 0
    assert results["movedUp"] == 0 and results["movedDown"] == 0
    assert results["purchases"] == 6 and results["buyers"] == 3
    assert results["moneyDifference"] == {"amount": "0.00", "currency": "EUR"}


async def test_the_replay_writes_nothing_but_the_simulation(
    gql: GraphQLClient, redis_url: str
) -> None:
    # given a program with history and a draft that changes every kind of thing
    program = await _program()
    await _shop(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    silver = await tiers.tier_in_program(program.id, (await tiers.tiers_of(program.id))[1].id)
    simulation_id = await _simulate(
        manager,
        rules=[
            {
                "name": "Double everything",
                "kind": "CAMPAIGN",
                "multiplier": "2",
                "startsAt": (clock.now() - timedelta(days=30)).isoformat(),
                "endsAt": clock.now().isoformat(),
            }
        ],
        tiers=[{"tierId": str(silver.id), "qualifyingThreshold": 1}],
    )
    before = await _every_table()
    # when the worker replays it
    await run_burst_worker(redis_url)
    # then only the simulation's row changed
    assert await _every_table() == before
    assert (await _results(manager, simulation_id))["pointsDifference"] > 0


async def test_double_points_on_a_category_costs_exactly_its_extra(
    gql: GraphQLClient, redis_url: str
) -> None:
    # given the shop's history
    program = await _program()
    members = await _shop(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    # when a manager prices double points on coffee over the whole window
    simulation_id = await _simulate(
        manager,
        rules=[
            {
                "name": "Double coffee",
                "kind": "CAMPAIGN",
                "category": "coffee",
                "multiplier": "2",
                "startsAt": (clock.now() - timedelta(days=30)).isoformat(),
                "endsAt": clock.now().isoformat(),
            }
        ],
    )
    await run_burst_worker(redis_url)
    results = await _results(manager, simulation_id)
    # then the extra is the coffee lines' points once more, each rule's part rounded down once:
    # 14 (A, day 20: 2 x 3.50 x 2), 7 of campaign and 7 - 3 of Silver's x1.5 on it (A, day 3,
    # 3.50 x 2: the tier multiplies the campaign too), 8 (B, day 2: 4.10 x 2)
    extra = 14 + (7 + 7 - 3) + 8
    assert results["pointsDifference"] == extra == 33
    assert results["pointsWith"] - results["pointsWithout"] == extra
    assert results["moneyDifference"] == {"amount": "0.33", "currency": "EUR"}
    assert results["membersAffected"] == 2
    assert results["topCategories"] == [{"category": "coffee", "extraPoints": extra}]
    assert {s["sku"]: s["extraPoints"] for s in results["topSkus"]} == {"ESP": 25, "LATTE": 8}
    assert results["outstandingPointsWith"] == results["outstandingPointsAtEnd"] + extra
    assert sum(s["pointsDifference"] for s in results["segments"]) == extra
    assert members  # the third member bought no coffee
    assert [s["segment"] for s in results["segments"]] == ["UNSCORED"]


async def test_a_finished_simulation_exports_as_csv_to_its_program_only(
    gql: GraphQLClient, http: httpx.AsyncClient, redis_url: str
) -> None:
    program = await _program()
    await _shop(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    simulation_id = await _simulate(
        analyst,
        rules=[{"name": "Cake x3", "kind": "PRODUCT", "category": "bakery", "multiplier": "3"}],
    )
    path = f"/exports/simulations/{simulation_id}.csv"
    waiting = await http.get(path, headers={"Authorization": f"Bearer {analyst.token}"})
    assert waiting.status_code == 409
    assert waiting.json()["errors"][0]["extensions"]["code"] == "SIMULATION_NOT_DONE"
    await run_burst_worker(redis_url)
    response = await http.get(path, headers={"Authorization": f"Bearer {analyst.token}"})
    assert response.status_code == 200
    rows = {(r["section"], r["item"]): r for r in csv.DictReader(io.StringIO(response.text))}
    results = await _results(analyst, simulation_id)
    points = rows[("summary", "points")]
    assert int(points["difference"]) == results["pointsDifference"] > 0
    assert int(points["with"]) == results["pointsWith"]
    assert int(rows[("category", "bakery")]["difference"]) == results["pointsDifference"]
    assert rows[("sku", "CAKE")]["difference"] == points["difference"]
    other = await staff_client(gql, await new_program(), "ADMIN")
    hidden = await http.get(path, headers={"Authorization": f"Bearer {other.token}"})
    assert hidden.status_code == 404


async def test_lowering_a_tier_threshold_moves_members_up(
    gql: GraphQLClient, redis_url: str
) -> None:
    # given members with some qualifying points, one of them Silver (30)
    program = await _program()
    await _shop(gql, program)
    silver = (await tiers.tiers_of(program.id))[1]
    qualifying = sorted(
        [
            await tiers.qualifying_value(m, tiers.TierRules.of(program))
            for m in {p.member_id for p in await Purchase.filter(program_id=program.id)}
        ]
    )
    manager = await staff_client(gql, program, "MANAGER")
    # when the draft lowers Silver to the points of the lowest buyer
    simulation_id = await _simulate(
        manager, tiers=[{"tierId": str(silver.id), "qualifyingThreshold": qualifying[0]}]
    )
    await run_burst_worker(redis_url)
    results = await _results(manager, simulation_id)
    # then every buyer not yet Silver moves up into it, and no point changes
    below = sum(1 for v in qualifying if v < silver.qualifying_threshold)
    assert below == 2
    assert results["movedUp"] == below and results["movedDown"] == 0
    by_name = {t["name"]: t for t in results["tiers"]}
    assert by_name["Silver"]["thresholdWithout"] == 30
    assert by_name["Silver"]["thresholdWith"] == qualifying[0]
    assert by_name["Silver"]["membersWith"] == by_name["Silver"]["membersWithout"] + below
    assert by_name["Silver"]["movedUpInto"] == below
    assert by_name["Bronze"]["membersWith"] == by_name["Bronze"]["membersWithout"] - below
    assert results["pointsDifference"] == 0


async def test_raising_a_threshold_moves_members_down(gql: GraphQLClient, redis_url: str) -> None:
    program = await _program()
    await _shop(gql, program)
    silver = (await tiers.tiers_of(program.id))[1]
    manager = await staff_client(gql, program, "MANAGER")
    simulation_id = await _simulate(
        manager, tiers=[{"tierId": str(silver.id), "qualifyingThreshold": 100_000}]
    )
    await run_burst_worker(redis_url)
    results = await _results(manager, simulation_id)
    assert results["movedDown"] == 1 and results["movedUp"] == 0
    assert {t["name"]: t["movedDownInto"] for t in results["tiers"]}["Bronze"] == 1


async def test_bad_drafts_and_windows_are_refused_with_codes(gql: GraphQLClient) -> None:
    program = await _program()
    manager = await staff_client(gql, program, "MANAGER")
    now = clock.now()
    silver = (await tiers.tiers_of(program.id))[1]

    async def refused(**input: Any) -> list[dict[str, Any]]:
        payload = await manager.mutate(SIMULATE, {"name": "Bad", **input})
        assert payload["simulation"] is None
        return list(payload["errors"])

    future = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(days=1)).isoformat()}
    assert await refused(**future) == [{"code": "INVALID_WINDOW", "field": "endsAt"}]
    backwards = {"startsAt": now.isoformat(), "endsAt": (now - timedelta(days=1)).isoformat()}
    assert await refused(**backwards) == [{"code": "INVALID_WINDOW", "field": "endsAt"}]
    long = {"startsAt": (now - timedelta(days=800)).isoformat(), "endsAt": now.isoformat()}
    assert await refused(**long) == [{"code": "INVALID_WINDOW", "field": "startsAt"}]
    assert await refused(**_window(), removedRuleIds=["999999"]) == [
        {"code": "INVALID_DRAFT", "field": "removedRuleIds.0"}
    ]
    assert await refused(**_window(), rules=[{"ruleId": "999999", "multiplier": "2"}]) == [
        {"code": "INVALID_DRAFT", "field": "rules.0.ruleId"}
    ]
    campaign_without_multiplier = {"name": "Oops", "kind": "CAMPAIGN", **_window()}
    assert await refused(**_window(), rules=[campaign_without_multiplier]) == [
        {"code": "INVALID_RULE", "field": "rules.0.multiplier"}
    ]
    assert await refused(**_window(), rules=[{"kind": "CAMPAIGN"}]) == [
        {"code": "INVALID_INPUT", "field": "rules.0.name"}
    ]
    assert await refused(
        **_window(), tiers=[{"tierId": str(silver.id), "earningMultiplier": "0"}]
    ) == [{"code": "INVALID_DRAFT", "field": "tiers.0.earningMultiplier"}]
    assert await refused(**_window(), tiers=[{"tierId": "999999"}]) == [
        {"code": "INVALID_DRAFT", "field": "tiers.0.tierId"}
    ]
    assert await refused(**{**_window(), "name": " "}) == [
        {"code": "INVALID_INPUT", "field": "name"}
    ]
    assert await Simulation.filter(program_id=program.id).count() == 0


async def test_managers_and_analysts_simulate_and_members_and_tills_cannot(
    gql: GraphQLClient,
) -> None:
    program = await _program()
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    variables = {"input": {"name": "Draft", **_window()}}
    for role in ("MANAGER", "ANALYST", "ADMIN"):
        staff = await staff_client(gql, program, role)
        assert (await staff.mutate(SIMULATE, variables["input"]))["errors"] == []
    assert await member.client.error_code(SIMULATE, variables) == "FORBIDDEN"
    assert await till.error_code(SIMULATE, variables) == "FORBIDDEN"
    assert await member.client.error_code(SIMULATIONS) == "FORBIDDEN"
    # and another program's staff see none of them
    other = await staff_client(gql, await new_program(), "ADMIN")
    assert (await other.query(SIMULATIONS))["simulations"]["edges"] == []
    mine = await staff_client(gql, program, "ANALYST")
    listed = (await mine.query(SIMULATIONS, {"first": 2}))["simulations"]
    assert len(listed["edges"]) == 2 and listed["pageInfo"]["hasNextPage"] is True
    some_id = listed["edges"][0]["node"]["id"]
    assert (await other.query(SIMULATION, {"id": some_id}))["simulation"] is None
    refused = await other.mutate(CANCEL, {"simulationId": some_id})
    assert refused["errors"] == [{"code": "SIMULATION_NOT_FOUND", "field": "simulationId"}]


async def test_asking_and_cancelling_are_in_the_audit_trail_with_the_draft(
    gql: GraphQLClient,
) -> None:
    program = await _program()
    manager = await staff_client(gql, program, "MANAGER")
    rule = {"name": "Tea x3", "kind": "PRODUCT", "category": "tea", "multiplier": "3"}
    simulation_id = await _simulate(manager, rules=[rule])
    await manager.mutate(CANCEL, {"simulationId": simulation_id})
    entries = await AuditEntry.filter(
        program_id=program.id, target_type="simulation", target_id=int(simulation_id)
    ).order_by("id")
    assert [e.action for e in entries] == ["simulation.requested", "simulation.cancelled"]
    assert all(e.actor_staff_id is not None for e in entries)
    requested = entries[0].after or {}
    assert requested["name"] == "Draft"
    assert requested["draft"]["rules"][0]["values"]["category"] == "tea"
    assert entries[1].before == {"status": "QUEUED"} and entries[1].after == {"status": "CANCELLED"}


async def test_a_cancelled_simulation_is_never_run_and_cannot_be_cancelled_twice(
    gql: GraphQLClient, redis_url: str
) -> None:
    program = await _program()
    await _shop(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    simulation_id = await _simulate(manager)
    cancelled = await manager.mutate(CANCEL, {"simulationId": simulation_id})
    assert cancelled["errors"] == [] and cancelled["simulation"]["status"] == "CANCELLED"
    await run_burst_worker(redis_url)
    data = (await manager.query(SIMULATION, {"id": simulation_id}))["simulation"]
    assert data["status"] == "CANCELLED" and data["results"] is None
    again = await manager.mutate(CANCEL, {"simulationId": simulation_id})
    assert again["errors"] == [{"code": "SIMULATION_FINISHED", "field": "simulationId"}]


async def test_a_running_simulation_stops_at_its_next_batch_when_cancelled(
    gql: GraphQLClient,
) -> None:
    # given a window of 30 purchases replayed one per batch
    program = await _program()
    (buyer, *_) = await _shop(gql, program)
    till = await integration_client(gql, program)
    for day in range(24):
        await _buy(till, buyer, day + 0.5, [("CAKE", "bakery", 1, "4.20")])
    manager = await staff_client(gql, program, "MANAGER")
    simulation_id = await _simulate(manager)
    run = asyncio.create_task(simulations.run_simulation(int(simulation_id), batch_size=1))
    # when staff cancel once the first batch is done
    for _ in range(10_000):
        if (await Simulation.get(id=int(simulation_id))).purchases_done >= 1:
            break
    await manager.mutate(CANCEL, {"simulationId": simulation_id})
    # then the job stops there and keeps no results
    assert await run == "CANCELLED"
    row = await Simulation.get(id=int(simulation_id))
    assert row.status == "CANCELLED" and row.results is None
    assert row.purchases_done < row.purchases_total == 30


async def test_the_console_asks_follows_shows_compares_and_exports_a_simulation(
    gql: GraphQLClient, http: httpx.AsyncClient, redis_url: str
) -> None:
    # given a program with history and an analyst in the console
    program = await _program()
    await _shop(gql, program)
    browser = await signed_in(http, program.slug, "ANALYST")
    assert "/console/simulations/new" in (await browser.get("/console/simulations")).text
    silver = (await tiers.tiers_of(program.id))[1]
    now = clock.now()
    form = {
        "name": "Double coffee",
        "startsAt": f"{now - timedelta(days=30):%Y-%m-%dT%H:%M}",
        "endsAt": f"{now - timedelta(minutes=1):%Y-%m-%dT%H:%M}",
        "rules.0.category": "coffee",
        "rules.0.multiplier": "0",
        "tiers.0.tierId": str(silver.id),
        "tiers.0.qualifyingThreshold": "10",
    }
    # when the multiplier is refused, the API's message shows next to its field
    refused = await browser.post("/console/simulations/new", data=form, headers=ORIGIN)
    assert refused.status_code == 400 and 'id="e-rules.0.multiplier"' in refused.text
    # when it is fixed, the page follows the job with a progress bar
    asked = await browser.post(
        "/console/simulations/new", data={**form, "rules.0.multiplier": "2"}, headers=ORIGIN
    )
    assert asked.status_code == 303
    page_path = asked.headers["location"]
    following = await browser.get(page_path)
    assert f'hx-get="{page_path}/status"' in following.text and "<progress" in following.text
    assert "HX-Refresh" not in (await browser.get(f"{page_path}/status")).headers
    await run_burst_worker(redis_url)
    assert (await browser.get(f"{page_path}/status")).headers["HX-Refresh"] == "true"
    # then the report shows, in French too, with its CSV
    shown = await browser.get(page_path)
    assert "Extra points by category" in shown.text and "coffee" in shown.text
    assert "<progress" not in shown.text
    csv_answer = await browser.get(f"{page_path}.csv")
    assert csv_answer.status_code == 200 and csv_answer.text.startswith("section,item,")
    await browser.post("/console/language", data={"language": "fr"}, headers=ORIGIN)
    assert "Points en plus par catégorie" in (await browser.get(page_path)).text
    # and two simulations compare side by side
    second = await browser.post(
        "/console/simulations/new",
        data={**form, "name": "Triple coffee", "rules.0.multiplier": "3"},
        headers=ORIGIN,
    )
    await run_burst_worker(redis_url)
    first_id, second_id = page_path.rsplit("/", 1)[1], second.headers["location"].rsplit("/", 1)[1]
    compared = await browser.get(f"/console/simulations/compare?a={first_id}&b={second_id}")
    assert compared.status_code == 200
    assert "Double coffee" in compared.text and "Triple coffee" in compared.text
    missing = await browser.get("/console/simulations/compare?a=999999&b=1")
    assert missing.status_code == 404


async def test_a_running_simulation_is_stopped_from_the_console(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    program = await _program()
    manager = await staff_client(gql, program, "MANAGER")
    simulation_id = await _simulate(manager)
    browser = await signed_in(http, program.slug, "MANAGER")
    page = await browser.get(f"/console/simulations/{simulation_id}")
    assert f'action="/console/simulations/{simulation_id}/cancel"' in page.text
    stopped = await browser.post(f"/console/simulations/{simulation_id}/cancel", headers=ORIGIN)
    assert stopped.status_code == 303
    assert (await Simulation.get(id=int(simulation_id))).status == "CANCELLED"
