"""Campaign simulations for staff: ask for one, cancel it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.earning_rules.mutations import rule_values
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from api.simulations.types import (
    CancelSimulationInput,
    SimulateCampaignInput,
    Simulation,
    SimulationPayload,
)
from gamification.points import earning_rules
from gamification.simulations import simulations
from gamification.simulations.drafts import Draft, RuleDraft, TierDraft
from workers.simulations import enqueue_simulation


def _draft(input: SimulateCampaignInput) -> Draft:
    return Draft(
        rules=tuple(
            RuleDraft(
                values=rule_values(rule, earning_rules.RULE_FIELDS),
                rule_id=parse_id(rule.rule_id, f"rules.{i}.ruleId") if rule.rule_id else None,
            )
            for i, rule in enumerate(input.rules)
        ),
        removed_rule_ids=tuple(
            parse_id(raw, f"removedRuleIds.{i}") for i, raw in enumerate(input.removed_rule_ids)
        ),
        tiers=tuple(
            TierDraft(
                tier_id=parse_id(tier.tier_id, f"tiers.{i}.tierId"),
                qualifying_threshold=tier.qualifying_threshold,
                earning_multiplier=tier.earning_multiplier,
            )
            for i, tier in enumerate(input.tiers)
        ),
    )


@strawberry.type
class SimulationMutations:
    @strawberry.mutation(
        extensions=staff_only(),
        description="Price a draft change before launch: its rules (new, edited, removed; "
        "campaigns are rules of kind CAMPAIGN) and tier changes are replayed over the window's "
        "purchases by a worker, with the live rules and with the draft. Writes nothing but the "
        "simulation; follow it with `simulation(id)`. Staff, any role (ANALYST included). "
        "Codes: INVALID_INPUT, INVALID_WINDOW, INVALID_TIME, INVALID_DRAFT, INVALID_RULE, "
        "TIER_NOT_FOUND (a rule's `field` is named inside the input: `rules.0.multiplier`).",
    )
    @returns_user_errors(SimulationPayload)
    async def simulate_campaign(
        self,
        info: Info,
        input: Annotated[
            SimulateCampaignInput, strawberry.argument(description="The draft and the window.")
        ],
    ) -> SimulationPayload:
        row = await simulations.request_simulation(
            info.context.actor,
            info.context.program_id,
            name=input.name,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            draft=_draft(input),
        )
        await enqueue_simulation(info.context.request.app.state.arq, row.id)
        return SimulationPayload(simulation=Simulation.from_model(row))

    @strawberry.mutation(
        extensions=staff_only(),
        description="Stop a queued or running simulation (its worker stops at its next batch "
        "of purchases). Staff, any role. Codes: SIMULATION_NOT_FOUND, SIMULATION_FINISHED.",
    )
    @returns_user_errors(SimulationPayload)
    async def cancel_simulation(
        self,
        info: Info,
        input: Annotated[CancelSimulationInput, strawberry.argument(description="Which one.")],
    ) -> SimulationPayload:
        row = await simulations.cancel_simulation(
            info.context.actor,
            info.context.program_id,
            parse_id(input.simulation_id, "simulationId"),
        )
        return SimulationPayload(simulation=Simulation.from_model(row))
