"""The one place where errors take the shapes clients read: domain errors become GraphQL
`UserError`s, and requests refused before GraphQL runs get a JSON body with a code."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import strawberry
from starlette.responses import JSONResponse

from core.errors import DomainError, ValidationErrors
from core.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode")


@strawberry.type
class UserError:
    code: ErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None


def http_error(status: int, code: str, message: str) -> JSONResponse:
    """A refusal outside GraphQL execution, shaped like a GraphQL error so clients read one form."""
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


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
