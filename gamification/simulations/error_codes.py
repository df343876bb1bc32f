"""The error codes of campaign simulations.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class SimulationErrorCode(StrEnum):
    SIMULATION_NOT_FOUND = "SIMULATION_NOT_FOUND"
    INVALID_DRAFT = "INVALID_DRAFT"
    SIMULATION_FINISHED = "SIMULATION_FINISHED"
    SIMULATION_NOT_DONE = "SIMULATION_NOT_DONE"
