"""Actions beyond purchases in the demo program: a review the shop's site reports with the demo
API key (`recordAction`), and an app check-in members report themselves with the code shown at
the counter (`performAction`, code DEMO-CHECKIN), and a birthday gift the worker grants on the
day (Dana's is 15 June). Dana has written one review already."""

from __future__ import annotations

from datetime import date

from api.demo import keys
from api.demo.actor import DEMO
from core.clock import clock
from gamification.accounts import profiles
from gamification.accounts.models import Member
from gamification.actions import action_types, birthdays, recording
from gamification.actions.models import ActionType, MemberAction
from gamification.programs.models import Program

DEMO_CHECK_IN_CODE = "DEMO-CHECKIN"
DEMO_BIRTH_DATE = date(1990, 6, 15)


async def seed(program: Program, member: Member) -> None:
    async def review() -> ActionType:
        return await action_types.create_action_type(
            DEMO, program.id, code="review", name="Product review", points=20, per_week=3
        )

    async def check_in() -> ActionType:
        return await action_types.create_action_type(
            DEMO,
            program.id,
            code="check-in",
            name="Shop check-in",
            points=5,
            per_day=1,
            self_service=True,
            check_in_code=DEMO_CHECK_IN_CODE,
        )

    reviewed = await keys.ensure(
        program,
        "action:review",
        ActionType,
        review,
        keys.by_name(ActionType, program, "Product review"),
    )
    await keys.ensure(
        program,
        "action:check-in",
        ActionType,
        check_in,
        keys.by_name(ActionType, program, "Shop check-in"),
    )

    async def birthday() -> ActionType:
        return await action_types.create_action_type(
            DEMO, program.id, code=birthdays.BIRTHDAY, name="Birthday gift", points=50, lifetime=100
        )

    await keys.ensure(
        program,
        "action:birthday",
        ActionType,
        birthday,
        keys.by_name(ActionType, program, "Birthday gift"),
    )
    dana = await Member.get(id=member.id)
    if dana.birth_date is None:
        await profiles.set_birth_date(dana, DEMO_BIRTH_DATE)
    if not await MemberAction.exists(program_id=program.id, external_id="demo-review-1"):
        await recording.record_action(
            program,
            await Member.get(id=member.id),
            reviewed.code,
            external_id="demo-review-1",
            occurred_at=clock.now(),
            data={"product": "ESP-1", "stars": 5},
        )
