"""Authorization: who may call what. Failures are top-level GraphQL errors with a code."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension

from api.caller import Caller
from gamification.accounts.member_status import is_active
from gamification.accounts.models import StaffRole

# Higher roles can do everything lower ones can.
_ROLE_RANK = {StaffRole.ANALYST: 1, StaffRole.MANAGER: 2, StaffRole.ADMIN: 3}


def _unauthenticated(caller: Caller) -> GraphQLError:
    return GraphQLError(
        caller.problem or "Authentication is required.",
        extensions={"code": "UNAUTHENTICATED"},
    )


def _forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def _check(caller: Caller, kind: str, what: str) -> None:
    if caller.kind in ("anonymous", "invalid"):
        raise _unauthenticated(caller)
    if caller.kind != kind:
        raise _forbidden(f"This needs {what}.")


class IsAuthenticated(BasePermission):
    """Any caller with a valid credential: member, staff or integration."""

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller: Caller = info.context.caller
        if caller.kind in ("anonymous", "invalid"):
            raise _unauthenticated(caller)
        return True


class IsMember(BasePermission):
    """A member whose account is still active: blocking or erasing a member ends their access
    tokens at once (the row is read through the request's dataloader, shared with `me`)."""

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller: Caller = info.context.caller
        _check(caller, "member", "a member's session")
        member = await info.context.loaders.member.load(caller.member_id)
        if not is_active(member):
            raise GraphQLError(
                "This session is no longer valid.", extensions={"code": "UNAUTHENTICATED"}
            )
        return True


class IsIntegration(BasePermission):
    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        _check(info.context.caller, "integration", "an integration API key")
        return True


class IsStaff(BasePermission):
    """A staff user of at least `minimum` role. The role is read from the staff row (through the
    request's dataloader), not from the token: a role changed or an account archived by an admin
    applies to access tokens already issued."""

    def __init__(self, minimum: StaffRole = StaffRole.ANALYST) -> None:
        self.minimum = minimum

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller: Caller = info.context.caller
        _check(caller, "staff", "a staff session")
        staff = await info.context.loaders.active_staff.load(caller.staff_id)
        if staff is None:
            raise GraphQLError(
                "This session is no longer valid.", extensions={"code": "UNAUTHENTICATED"}
            )
        if _ROLE_RANK[StaffRole(staff.role)] < _ROLE_RANK[self.minimum]:
            raise _forbidden(f"This needs the {self.minimum.value} role or higher.")
        return True


def authenticated() -> list[PermissionExtension]:
    return [PermissionExtension(permissions=[IsAuthenticated()], use_directives=False)]


def member_only() -> list[PermissionExtension]:
    return [PermissionExtension(permissions=[IsMember()], use_directives=False)]


def integration_only() -> list[PermissionExtension]:
    return [PermissionExtension(permissions=[IsIntegration()], use_directives=False)]


def staff_only(minimum: StaffRole = StaffRole.ANALYST) -> list[PermissionExtension]:
    return [PermissionExtension(permissions=[IsStaff(minimum)], use_directives=False)]
