"""Action mutations: staff define action types, integrations and members report actions."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.accounts.types import Member
from api.actions.types import (
    ActionPayload,
    ActionType,
    ActionTypeIdInput,
    ActionTypePayload,
    CreateActionTypeInput,
    MemberAction,
    PerformActionInput,
    RecordActionInput,
    UpdateActionTypeInput,
)
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import integration_only, member_only, staff_only
from api.rate_limits import member_spends
from core.errors import NotFound
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member as MemberModel
from gamification.accounts.models import StaffRole
from gamification.actions import action_types, recording
from gamification.points import engine_snapshot, purchases

_EDITABLE = action_types.EDITABLE


def _given(input: Any) -> dict[str, Any]:
    return {
        name: getattr(input, name)
        for name in _EDITABLE
        if getattr(input, name, strawberry.UNSET) is not strawberry.UNSET
    }


@strawberry.type
class ActionMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Define an action that earns points. Staff, MANAGER role or higher. Codes: "
        "INVALID_INPUT, INVALID_WINDOW, NAME_TAKEN (name or code).",
    )
    @returns_user_errors(ActionTypePayload)
    async def create_action_type(
        self,
        info: Info,
        input: Annotated[CreateActionTypeInput, strawberry.argument(description="The action.")],
    ) -> ActionTypePayload:
        values = {
            name: getattr(input, name) for name in _EDITABLE if name not in ("name", "points")
        }
        model = await action_types.create_action_type(
            info.context.actor,
            info.context.program_id,
            code=input.code,
            name=input.name,
            points=input.points,
            **values,
        )
        return ActionTypePayload(action_type=ActionType(model=model, staff=True))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change an action type; only the fields given change, null clears an "
        "optional one. Staff, MANAGER role or higher. Codes: ACTION_TYPE_NOT_FOUND, "
        "INVALID_INPUT, INVALID_WINDOW, NAME_TAKEN.",
    )
    @returns_user_errors(ActionTypePayload)
    async def update_action_type(
        self,
        info: Info,
        input: Annotated[
            UpdateActionTypeInput,
            strawberry.argument(description="The action type and the fields that change."),
        ],
    ) -> ActionTypePayload:
        model = await action_types.update_action_type(
            info.context.actor,
            info.context.program_id,
            parse_id(input.action_type_id, "actionTypeId"),
            **_given(input),
        )
        return ActionTypePayload(action_type=ActionType(model=model, staff=True))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Stop an action type counting; what it earned stays. Staff, MANAGER role or "
        "higher. Codes: ACTION_TYPE_NOT_FOUND.",
    )
    @returns_user_errors(ActionTypePayload)
    async def archive_action_type(
        self,
        info: Info,
        input: Annotated[ActionTypeIdInput, strawberry.argument(description="Which one.")],
    ) -> ActionTypePayload:
        model = await action_types.archive_action_type(
            info.context.actor,
            info.context.program_id,
            parse_id(input.action_type_id, "actionTypeId"),
        )
        return ActionTypePayload(action_type=ActionType(model=model, staff=True))

    @strawberry.mutation(
        extensions=integration_only(),
        description="Report an action a member did (a review, a share, a check-in...); it earns "
        "the action type's points within its limits. Integration (X-Api-Key) only. Codes: "
        "MEMBER_NOT_FOUND, ACTION_TYPE_NOT_FOUND, ACTION_NOT_AVAILABLE, ACTION_LIMIT_REACHED, "
        "ACTION_COOLDOWN, NOT_ELIGIBLE, MEMBER_BLOCKED, IDEMPOTENCY_KEY_REUSED (externalId of "
        "another action), INVALID_INPUT, INVALID_TIME.",
    )
    @returns_user_errors(ActionPayload)
    async def record_action(
        self,
        info: Info,
        input: Annotated[RecordActionInput, strawberry.argument(description="The action.")],
    ) -> ActionPayload:
        engine = await engine_snapshot.snapshot(info.context.program_id)
        member = await purchases.find_member(info.context.program_id, input.member.to_ref())
        result = await recording.record_action(
            engine.program,
            member,
            input.action_type,
            external_id=input.external_id,
            occurred_at=input.occurred_at,
            data=input.data,  # type: ignore[arg-type]  # JSON: checked to be an object
        )
        return ActionPayload(
            action=MemberAction.from_model(result.action, result.action_type),
            member=Member.from_model(await MemberModel.get(id=member.id)),
        )

    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Report a self-service action (an app check-in with the code shown in the "
        "shop, a completed profile...). Member only. Codes: ACTION_TYPE_NOT_FOUND, "
        "INVALID_CHECK_IN_CODE, ACTION_NOT_AVAILABLE, ACTION_LIMIT_REACHED, ACTION_COOLDOWN, "
        "NOT_ELIGIBLE, MEMBER_BLOCKED, IDEMPOTENCY_KEY_REUSED, INVALID_INPUT.",
    )
    @returns_user_errors(ActionPayload)
    async def perform_action(
        self,
        info: Info,
        input: Annotated[PerformActionInput, strawberry.argument(description="The action.")],
    ) -> ActionPayload:
        member = await info.context.loaders.member.load(info.context.caller.member_id)
        if member is None:
            raise NotFound(AccountErrorCode.MEMBER_NOT_FOUND, "This account no longer exists.")
        result = await recording.perform_action(
            member,
            parse_id(input.action_type_id, "actionTypeId"),
            check_in_code=input.check_in_code,
            idempotency_key=input.idempotency_key,
        )
        return ActionPayload(
            action=MemberAction.from_model(result.action, result.action_type),
            member=Member.from_model(await MemberModel.get(id=member.id)),
        )
