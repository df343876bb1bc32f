"""Account mutations: sign-up, log-in, sessions, staff log-in and API keys."""

from __future__ import annotations

import strawberry

from api.accounts.types import (
    ApiKey,
    CreateApiKeyInput,
    CreateApiKeyPayload,
    LogInInput,
    LogInPayload,
    Member,
    RefreshSessionInput,
    RefreshSessionPayload,
    RevokeApiKeyInput,
    RevokeApiKeyPayload,
    SignUpInput,
    SignUpPayload,
    StaffLogInInput,
    StaffLogInPayload,
    StaffUser,
)
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from gamification.accounts import api_keys, members, staff
from gamification.accounts.models import StaffRole
from gamification.referrals import sign_up


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    @returns_user_errors(SignUpPayload)
    async def sign_up(self, info: Info, input: SignUpInput) -> SignUpPayload:
        services = info.context.services
        member = await sign_up.sign_up(
            program_slug=input.program,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
            referral_code=input.referral_code,
            throttle=services.throttle,
            client_address=info.context.client_address,
        )
        tokens = await services.tokens.start_session(member)
        return SignUpPayload(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            member=Member.from_model(member),
        )

    @strawberry.mutation
    @returns_user_errors(LogInPayload)
    async def log_in(self, info: Info, input: LogInInput) -> LogInPayload:
        services = info.context.services
        member = await members.log_in(
            program_slug=input.program,
            email=input.email,
            password=input.password,
            throttle=services.throttle,
            client_address=info.context.client_address,
        )
        tokens = await services.tokens.start_session(member)
        return LogInPayload(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            member=Member.from_model(member),
        )

    @strawberry.mutation
    @returns_user_errors(RefreshSessionPayload)
    async def refresh_session(
        self, info: Info, input: RefreshSessionInput
    ) -> RefreshSessionPayload:
        tokens = await info.context.services.tokens.refresh_session(input.refresh_token)
        return RefreshSessionPayload(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            member=Member.from_model(tokens.member) if tokens.member else None,
            staff=StaffUser.from_model(tokens.staff) if tokens.staff else None,
        )

    @strawberry.mutation
    @returns_user_errors(StaffLogInPayload)
    async def staff_log_in(self, info: Info, input: StaffLogInInput) -> StaffLogInPayload:
        services = info.context.services
        user = await staff.staff_log_in(
            program_slug=input.program,
            email=input.email,
            password=input.password,
            throttle=services.throttle,
            client_address=info.context.client_address,
        )
        tokens = await services.tokens.start_session(user)
        return StaffLogInPayload(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            staff=StaffUser.from_model(user),
        )

    @strawberry.mutation(extensions=staff_only(StaffRole.ADMIN))
    @returns_user_errors(CreateApiKeyPayload)
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        key, plaintext = await api_keys.create_api_key(info.context.program_id, input.name)
        return CreateApiKeyPayload(api_key=ApiKey.from_model(key), key=plaintext)

    @strawberry.mutation(extensions=staff_only(StaffRole.ADMIN))
    @returns_user_errors(RevokeApiKeyPayload)
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        key_id = parse_id(input.api_key_id, "apiKeyId")
        key = await api_keys.revoke_api_key(info.context.program_id, key_id)
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(key))
