"""A campaign simulation in the demo program, run at once as the worker would: "double points
on coffee over the last 90 days, and Gold from 2,500 instead of 5,000", priced over the demo's
purchases, so `simulations` and the console show a finished report from the first minute. Made
once: a rerun finds it by its key."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from api.demo import keys
from api.demo.actor import DEMO
from core.clock import clock
from gamification.accounts.models import Member
from gamification.points.models import EarningRuleKind, Tier
from gamification.programs import seed_keys
from gamification.programs.models import Program
from gamification.simulations import simulations
from gamification.simulations.drafts import Draft, RuleDraft, TierDraft
from gamification.simulations.models import Simulation

DEMO_SIMULATION = "Demo: double coffee, Gold at 2,500"


async def seed(program: Program, member: Member) -> None:
    async def make() -> Simulation:
        end = clock.now()
        start = end - timedelta(days=90)
        gold = await seed_keys.seeded(program.id, "tier:gold", Tier)
        tier_changes = (
            (TierDraft(tier_id=gold.id, qualifying_threshold=2_500),)
            if gold is not None and not gold.archived
            else ()
        )
        draft = Draft(
            rules=(
                RuleDraft(
                    values={
                        "name": "Double coffee",
                        "kind": EarningRuleKind.CAMPAIGN,
                        "category": "coffee",
                        "multiplier": Decimal(2),
                        "starts_at": start,
                        "ends_at": end,
                    }
                ),
            ),
            tiers=tier_changes,
        )
        made = await simulations.request_simulation(
            DEMO, program.id, name=DEMO_SIMULATION, starts_at=start, ends_at=end, draft=draft
        )
        await simulations.run_simulation(made.id)
        return made

    await keys.ensure(program, "simulation:double-coffee", Simulation, make)
