"""What the leaderboards keep in the database: the programs whose boards missed changes.

The boards themselves live in Redis (rebuilt from the ledger and the referrals at will); this
table only remembers, across processes and restarts, which programs need a rebuild because a
board update failed while Redis did not answer (see leaderboards.repairs).

Model docstrings become SQL table comments: the explanations stay in comments.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


# One row per program whose boards are stale. `stale_since` is the time of the earliest change a
# board missed (the periods to rebuild start there); `marks` counts the misses, so a repair that
# ran while a new miss was recorded leaves the row for the next repair.
class BoardRepair(Model):
    id = fields.IntField(primary_key=True)
    program: fields.OneToOneRelation = fields.OneToOneField(
        "gamification.Program", related_name=False, on_delete=fields.CASCADE
    )
    program_id: int
    stale_since = fields.DatetimeField()
    marked_at = fields.DatetimeField()
    marks = fields.IntField(default=1)

    class Meta:
        table = "board_repair"
