"""GraphQL types of accounts: members, staff users, API keys and session payloads."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.errors import UserError
from gamification import models


@strawberry.type
class Program:
    id: strawberry.ID
    slug: str
    name: str
    currency: str

    @classmethod
    def from_model(cls, program: models.Program) -> Program:
        return cls(
            id=strawberry.ID(str(program.id)),
            slug=program.slug,
            name=program.name,
            currency=program.currency,
        )


@strawberry.type
class Member:
    id: strawberry.ID
    email: str
    display_name: str
    referral_code: str
    created_at: datetime

    @classmethod
    def from_model(cls, member: models.Member) -> Member:
        return cls(
            id=strawberry.ID(str(member.id)),
            email=member.email,
            display_name=member.display_name,
            referral_code=member.referral_code,
            created_at=member.created_at,
        )


StaffRole = strawberry.enum(models.StaffRole, name="StaffRole")


@strawberry.type
class StaffUser:
    id: strawberry.ID
    email: str
    role: StaffRole  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, staff: models.StaffUser) -> StaffUser:
        return cls(id=strawberry.ID(str(staff.id)), email=staff.email, role=staff.role)


@strawberry.type
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, key: models.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(str(key.id)),
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


@strawberry.type
class SessionPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SignUpPayload(SessionPayload):
    member: Member | None = None


@strawberry.type
class LogInPayload(SessionPayload):
    member: Member | None = None


@strawberry.type
class RefreshSessionPayload(SessionPayload):
    member: Member | None = None
    staff: StaffUser | None = None


@strawberry.type
class StaffLogInPayload(SessionPayload):
    staff: StaffUser | None = None


@strawberry.input
class SignUpInput:
    program: str
    email: str
    password: str
    display_name: str
    referral_code: str | None = None


@strawberry.input
class LogInInput:
    program: str
    email: str
    password: str


@strawberry.input
class RefreshSessionInput:
    refresh_token: str


@strawberry.input
class StaffLogInInput:
    program: str
    email: str
    password: str


@strawberry.input
class CreateApiKeyInput:
    name: str


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    key: str | None = strawberry.field(
        default=None, description="The key itself. It is shown this once and never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiKeyInput:
    api_key_id: strawberry.ID


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
