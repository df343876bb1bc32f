"""RFM segments and ABC classes computed at once, as the nightly job would: `segments` and the
members filters answer from the first minute. Last, after every purchase of the demo; computing
again replaces the previous run."""

from __future__ import annotations

from gamification.accounts.models import Member
from gamification.programs.models import Program
from gamification.reporting import segments


async def seed(program: Program, member: Member) -> None:
    await segments.compute_segments(program)
