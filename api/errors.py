"""The one place where errors take the shapes clients read: domain errors become GraphQL
`UserError`s, and requests refused before GraphQL runs get a JSON body with a code."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum
from typing import ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.responses import JSONResponse

from badges.error_codes import BadgeErrorCode
from challenges.error_codes import ChallengeErrorCode
from core.errors import DomainError, ValidationErrors
from core.errors import ErrorCode as SharedErrorCode
from gamification.accounts.error_codes import AccountErrorCode
from gamification.events.error_codes import EventErrorCode
from gamification.games.error_codes import GameErrorCode
from gamification.leaderboards.error_codes import LeaderboardErrorCode
from gamification.points.error_codes import PointsErrorCode
from gamification.programs.error_codes import ProgramErrorCode
from gamification.referrals.error_codes import ReferralErrorCode
from gamification.rewards.error_codes import RewardErrorCode
from gamification.webhooks.error_codes import WebhookErrorCode

# Every feature's codes, in the order of the layers: a new feature adds its enum here.
FEATURE_CODES: tuple[type[StrEnum], ...] = (
    SharedErrorCode,
    EventErrorCode,
    ProgramErrorCode,
    AccountErrorCode,
    PointsErrorCode,
    ReferralErrorCode,
    RewardErrorCode,
    GameErrorCode,
    LeaderboardErrorCode,
    WebhookErrorCode,
    BadgeErrorCode,
    ChallengeErrorCode,
)


def merge_codes(name: str, enums: Iterable[type[StrEnum]]) -> type[StrEnum]:
    """One enum holding the members of all `enums`; a value declared twice is refused."""
    members: dict[str, str] = {}
    for enum in enums:
        for member in enum:
            if member.name in members:
                raise ValueError(f"error code {member.name} is declared twice")
            members[member.name] = member.value
    return StrEnum(name, members)  # type: ignore[return-value]  # functional API: a StrEnum


# Clients read one enum: the codes of every feature.
ErrorCode = strawberry.enum(merge_codes("ErrorCode", FEATURE_CODES), name="ErrorCode")


@strawberry.type
class UserError:
    code: ErrorCode  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    message: str
    field: str | None = None


# The code of an error no one meant to give: a bug or an outage.
UNEXPECTED = "INTERNAL_SERVER_ERROR"


def graphql_error_code(error: GraphQLError) -> str:
    """The `extensions.code` a GraphQL error answers with: a domain error's code, the code a
    refusal carries (UNAUTHENTICATED, FORBIDDEN...), UNEXPECTED for anything else raised, and
    GRAPHQL_VALIDATION_FAILED for a document at fault (parse, validation, limits)."""
    original = error.original_error
    if isinstance(original, DomainError):
        return str(original.code.value)
    if original is not None and not isinstance(original, GraphQLError):
        return UNEXPECTED
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else "GRAPHQL_VALIDATION_FAILED"


def http_error(status: int, code: str, message: str) -> JSONResponse:
    """A refusal outside GraphQL execution, shaped like a GraphQL error so clients read one form."""
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [
        UserError(code=ErrorCode(e.code.value), message=e.message, field=e.field) for e in errors
    ]


P = ParamSpec("P")
T = TypeVar("T")


def returns_user_errors(
    payload: Callable[..., T],
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Wrap a mutation resolver: a DomainError becomes `payload(errors=[...])`, the rest null."""

    def decorate(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                return payload(errors=user_errors(error))

        return wrapper

    return decorate
