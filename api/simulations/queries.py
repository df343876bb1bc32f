"""Campaign simulations for staff: follow one, list them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.ids import parse_id
from api.pagination import AFTER, FIRST, Connection, paginate
from api.permissions import staff_only
from api.simulations.types import Simulation
from gamification.simulations import simulations
from gamification.simulations.models import Simulation as SimulationRow


@strawberry.type
class SimulationQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="One simulation: its status, progress and, once DONE, its report. Staff, "
        "any role. Null for an id of no simulation of the program.",
    )
    async def simulation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The simulation's id.")],
    ) -> Simulation | None:
        row = await SimulationRow.get_or_none(
            id=parse_id(id, "id"), program_id=info.context.program_id
        )
        return Simulation.from_model(row) if row else None

    @strawberry.field(
        extensions=staff_only(),
        description="The program's simulations, newest first. Staff, any role. Codes: "
        "INVALID_INPUT (`after`, `first`).",
    )
    async def simulations(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Simulation]:
        return await paginate(
            simulations.simulations_of(info.context.program_id),
            Simulation.from_model,
            first,
            after,
        )
