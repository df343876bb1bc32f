"""Action types and recorded actions, as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.accounts.types import Member
from api.context import Info
from api.errors import UserError
from api.languages import (
    TRANSLATIONS,
    TRANSLATIONS_READ,
    Translation,
    TranslationInput,
    text_of,
    translations_of_row,
)
from api.purchases.types import MemberRefInput
from gamification.actions import models as actions_models


@strawberry.type(
    description="Something a member does beyond buying that earns points: a review, a share, "
    "a check-in, a survey..."
)
class ActionType:
    model: strawberry.Private[actions_models.ActionType]
    staff: strawberry.Private[bool] = False

    @strawberry.field(description="The action type's id (for performAction).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="The code integrations name it by in recordAction.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Its name, as members read it, in the caller's language.")
    async def name(self, info: Info) -> str:
        return await text_of(info, self.model, "name")

    @strawberry.field(description=TRANSLATIONS_READ)
    def translations(self) -> list[Translation]:
        return translations_of_row(self.model)

    @strawberry.field(description="Points it earns each time it counts (0 or more).")
    def points(self) -> int:
        return self.model.points

    @strawberry.field(description="How many count per member per day (UTC); null: no limit.")
    def per_day(self) -> int | None:
        return self.model.per_day

    @strawberry.field(description="How many count per member per ISO week; null: no limit.")
    def per_week(self) -> int | None:
        return self.model.per_week

    @strawberry.field(description="How many count per member ever; null: no limit.")
    def lifetime(self) -> int | None:
        return self.model.lifetime

    @strawberry.field(description="Minutes between two that count; null: none.")
    def cooldown_minutes(self) -> int | None:
        return self.model.cooldown_minutes

    @strawberry.field(description="From when it counts; null: always has.")
    def starts_at(self) -> datetime | None:
        return self.model.starts_at

    @strawberry.field(description="Until when it counts (excluded); null: no end.")
    def ends_at(self) -> datetime | None:
        return self.model.ends_at

    @strawberry.field(description="The lowest tier rank it counts for; null: everyone.")
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field(description="Whether members report it themselves (performAction).")
    def self_service(self) -> bool:
        return self.model.self_service

    @strawberry.field(
        description="Whether a member must give the code shown in the shop to report it."
    )
    def needs_check_in_code(self) -> bool:
        return self.model.check_in_code is not None

    @strawberry.field(description="The check-in code itself: staff only (null for others).")
    def check_in_code(self) -> str | None:
        return self.model.check_in_code if self.staff else None

    @strawberry.field(description="Whether staff archived it (it no longer counts).")
    def archived(self) -> bool:
        return self.model.archived


@strawberry.type(description="One action a member did, as it counted.")
class MemberAction:
    id: strawberry.ID = strawberry.field(description="The action's id.")
    action_type: ActionType = strawberry.field(description="What it was.")
    points: int = strawberry.field(description="The points it earned.")
    occurred_at: datetime = strawberry.field(description="When the member did it (UTC).")

    @classmethod
    def from_model(
        cls, action: actions_models.MemberAction, action_type: actions_models.ActionType
    ) -> MemberAction:
        return cls(
            id=strawberry.ID(str(action.id)),
            action_type=ActionType(model=action_type),
            points=action.points,
            occurred_at=action.occurred_at,
        )


_LIMITS = "1 to 100000, or null for no limit."


@strawberry.input(description="A new action type.")
class CreateActionTypeInput:
    code: str = strawberry.field(
        description="How integrations name it: 1 to 40 letters, digits, '-' or '_' (lowercased), "
        "unique in the program (NAME_TAKEN)."
    )
    name: str = strawberry.field(description="1 to 120 characters, unique in the program.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    points: int = strawberry.field(description="Points each time it counts, 0 or more.")
    per_day: int | None = strawberry.field(default=None, description=f"Per day: {_LIMITS}")
    per_week: int | None = strawberry.field(default=None, description=f"Per week: {_LIMITS}")
    lifetime: int | None = strawberry.field(default=None, description=f"Ever: {_LIMITS}")
    cooldown_minutes: int | None = strawberry.field(
        default=None, description=f"Minutes between two: {_LIMITS}"
    )
    starts_at: datetime | None = strawberry.field(default=None, description="From when.")
    ends_at: datetime | None = strawberry.field(default=None, description="Until when.")
    min_tier_rank: int | None = strawberry.field(
        default=None, description="The lowest tier rank it counts for."
    )
    self_service: bool = strawberry.field(
        default=False, description="Whether members report it themselves."
    )
    check_in_code: str | None = strawberry.field(
        default=None,
        description="A code (4 to 40 characters) members must give, as shown in the shop.",
    )


@strawberry.input(description="The fields of an action type that change (its code stays).")
class UpdateActionTypeInput:
    action_type_id: strawberry.ID = strawberry.field(description="The action type.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=strawberry.UNSET, description=TRANSLATIONS
    )
    points: int | None = strawberry.field(default=strawberry.UNSET, description="New points.")
    per_day: int | None = strawberry.field(default=strawberry.UNSET, description=_LIMITS)
    per_week: int | None = strawberry.field(default=strawberry.UNSET, description=_LIMITS)
    lifetime: int | None = strawberry.field(default=strawberry.UNSET, description=_LIMITS)
    cooldown_minutes: int | None = strawberry.field(default=strawberry.UNSET, description=_LIMITS)
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="From when; null: always."
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Until when; null: no end."
    )
    min_tier_rank: int | None = strawberry.field(
        default=strawberry.UNSET, description="The lowest tier rank; null: everyone."
    )
    self_service: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether members report it themselves."
    )
    check_in_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="The code members give; null: none."
    )


@strawberry.input(description="Which action type.")
class ActionTypeIdInput:
    action_type_id: strawberry.ID = strawberry.field(description="The action type.")


@strawberry.type(description="The action type after the change.")
class ActionTypePayload:
    action_type: ActionType | None = strawberry.field(
        default=None, description="The action type; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (nothing changed)."
    )


@strawberry.input(description="An action a member did, as an integration reports it.")
class RecordActionInput:
    member: MemberRefInput = strawberry.field(description="Who: one of id, email or referralCode.")
    action_type: str = strawberry.field(description="The action type's code.")
    external_id: str = strawberry.field(
        description="Your id of it, 1 to 128 characters, unique in the program: the same id "
        "again answers the first report and counts nothing more."
    )
    occurred_at: datetime = strawberry.field(description="When the member did it.")
    data: JSON | None = strawberry.field(
        default=None, description="Details to keep with it (an object of at most 20 keys)."
    )


@strawberry.input(description="A self-service action the member reports.")
class PerformActionInput:
    action_type_id: strawberry.ID = strawberry.field(description="The action type.")
    check_in_code: str | None = strawberry.field(
        default=None, description="The code shown in the shop, when the action needs one."
    )
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable characters, new for each report: a retry with the same "
        "key answers the first and counts nothing more."
    )


@strawberry.type(description="The action as it counted and the member's balance after it.")
class ActionPayload:
    action: MemberAction | None = strawberry.field(
        default=None, description="The action; null when refused."
    )
    member: Member | None = strawberry.field(
        default=None, description="The member, with the balance after its points."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it did not count (nothing was earned)."
    )
