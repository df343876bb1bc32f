"""Account mutations: sign-up, log-in, sessions, staff log-in and API keys."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.accounts.types import (
    ApiKey,
    ChangeStaffPasswordInput,
    ChangeStaffPasswordPayload,
    CreateApiKeyInput,
    CreateApiKeyPayload,
    LogInInput,
    LogInPayload,
    LogOutInput,
    LogOutPayload,
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
from api.rate_limits import log_ins, sign_ups
from gamification.accounts import api_keys, members, sessions, staff
from gamification.accounts.models import StaffRole
from gamification.referrals import sign_up


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        extensions=[sign_ups()],
        description="Create a member account and start its session. Anyone may call it (no "
        "credential). Codes: PROGRAM_NOT_FOUND, INVALID_EMAIL, PASSWORD_TOO_SHORT, "
        "PASSWORD_TOO_LONG, INVALID_DISPLAY_NAME, INVALID_REFERRAL_CODE, EMAIL_TAKEN, "
        "TOO_MANY_ATTEMPTS (too many sign-ups from one address).",
    )
    @returns_user_errors(SignUpPayload)
    async def sign_up(
        self,
        info: Info,
        input: Annotated[
            SignUpInput,
            strawberry.argument(description="The new member's program, credentials and name."),
        ],
    ) -> SignUpPayload:
        services = info.context.services
        member = await sign_up.sign_up(
            program=await info.context.loaders.program_by_slug.load(input.program),
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

    @strawberry.mutation(
        extensions=[log_ins()],
        description="Start a member's session. Anyone may call it. Codes: PROGRAM_NOT_FOUND, "
        "INVALID_CREDENTIALS (an unknown email and a wrong password answer alike, in the same "
        "time), TOO_MANY_ATTEMPTS.",
    )
    @returns_user_errors(LogInPayload)
    async def log_in(
        self,
        info: Info,
        input: Annotated[
            LogInInput, strawberry.argument(description="The member's program and credentials.")
        ],
    ) -> LogInPayload:
        services = info.context.services
        member = await members.log_in(
            program=await info.context.loaders.program_by_slug.load(input.program),
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

    @strawberry.mutation(
        description="Trade a refresh token for a new access token and a new refresh token (the "
        "old one stops working). Anyone holding the token may call it. A refresh token "
        "presented twice ends the whole session (someone copied it). Codes: "
        "INVALID_REFRESH_TOKEN.",
    )
    @returns_user_errors(RefreshSessionPayload)
    async def refresh_session(
        self,
        info: Info,
        input: Annotated[
            RefreshSessionInput, strawberry.argument(description="The refresh token.")
        ],
    ) -> RefreshSessionPayload:
        tokens = await info.context.services.tokens.refresh_session(input.refresh_token)
        return RefreshSessionPayload(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            member=Member.from_model(tokens.member) if tokens.member else None,
            staff=StaffUser.from_model(tokens.staff) if tokens.staff else None,
        )

    @strawberry.mutation(
        description="Start a staff user's session. Anyone may call it. Codes: "
        "PROGRAM_NOT_FOUND, INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS.",
    )
    @returns_user_errors(StaffLogInPayload)
    async def staff_log_in(
        self,
        info: Info,
        input: Annotated[
            StaffLogInInput,
            strawberry.argument(description="The staff user's program and credentials."),
        ],
    ) -> StaffLogInPayload:
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

    @strawberry.mutation(
        description="Sign out: end the session of a refresh token, member's or staff's (the "
        "account's other sessions go on; the access token already issued lapses within its "
        "lifetime, so drop it). Anyone holding the token may call it. Never refused.",
    )
    async def log_out(
        self,
        info: Info,
        input: Annotated[LogOutInput, strawberry.argument(description="The session to end.")],
    ) -> LogOutPayload:
        return LogOutPayload(ended=await sessions.end_session(input.refresh_token))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ANALYST),
        description="Change the calling staff user's password, given the current one. Every "
        "session of theirs ends, this one too: the answer carries a new session. Staff, any "
        "role. Codes: INVALID_CREDENTIALS (currentPassword), PASSWORD_TOO_SHORT, "
        "PASSWORD_TOO_LONG (newPassword).",
    )
    @returns_user_errors(ChangeStaffPasswordPayload)
    async def change_staff_password(
        self,
        info: Info,
        input: Annotated[
            ChangeStaffPasswordInput,
            strawberry.argument(description="The current password and the new one."),
        ],
    ) -> ChangeStaffPasswordPayload:
        user = await staff.change_staff_password(
            info.context.actor,
            info.context.caller.staff_id,
            input.current_password,
            input.new_password,
        )
        tokens = await info.context.services.tokens.start_session(user)
        return ChangeStaffPasswordPayload(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            staff=StaffUser.from_model(user),
        )

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Create an API key for an integration (a till, a shop); its secret is in "
        "the answer, once. Staff, ADMIN role. Codes: INVALID_INPUT (name).",
    )
    @returns_user_errors(CreateApiKeyPayload)
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[CreateApiKeyInput, strawberry.argument(description="The key's label.")],
    ) -> CreateApiKeyPayload:
        key, plaintext = await api_keys.create_api_key(
            info.context.actor, info.context.program_id, input.name
        )
        return CreateApiKeyPayload(api_key=ApiKey.from_model(key), key=plaintext)

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Revoke an API key at once: requests with it are then UNAUTHENTICATED. "
        "Staff, ADMIN role. Codes: NOT_FOUND.",
    )
    @returns_user_errors(RevokeApiKeyPayload)
    async def revoke_api_key(
        self,
        info: Info,
        input: Annotated[RevokeApiKeyInput, strawberry.argument(description="Which key.")],
    ) -> RevokeApiKeyPayload:
        key_id = parse_id(input.api_key_id, "apiKeyId")
        key = await api_keys.revoke_api_key(info.context.actor, info.context.program_id, key_id)
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(key))
