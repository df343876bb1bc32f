"""Authorization: who may call what. Failures are top-level GraphQL errors with a code."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension

from api.caller import Caller
from api.loaders import Loaders
from gamification.accounts.member_status import is_active
from gamification.accounts.models import StaffRole, StaffUser
from gamification.accounts.sessions import session_is_current

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


def _session_ended() -> GraphQLError:
    return GraphQLError("This session is no longer valid.", extensions={"code": "UNAUTHENTICATED"})


async def _check_member_session(info: Any, caller: Caller) -> None:
    """The member a token names is still active, of the token's program, and their sessions
    were not ended since it was issued (the row is read through the request's dataloader,
    shared with `me`): blocking, erasing or a reused refresh token end access tokens at once."""
    member = await info.context.loaders.member.load(caller.member_id)
    if not is_active(member) or not session_is_current(member, caller.program_id, caller.issued_at):
        raise _session_ended()


async def staff_in_session(caller: Caller, loaders: Loaders) -> StaffUser | None:
    """The staff user a staff caller's token speaks for, or None when it no longer does: as for
    members, the user is not archived, of the token's program, and still in session. The one
    check of a staff session, for GraphQL and the CSV exports alike."""
    staff = await loaders.active_staff.load(caller.staff_id)
    if staff is None or not session_is_current(staff, caller.program_id, caller.issued_at):
        return None
    return staff


async def _active_staff(info: Any, caller: Caller) -> StaffUser:
    staff = await staff_in_session(caller, info.context.loaders)
    if staff is None:
        raise _session_ended()
    return staff


class IsAuthenticated(BasePermission):
    """Any caller with a valid credential: member, staff or integration, the account of a
    token still in session."""

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller: Caller = info.context.caller
        if caller.kind in ("anonymous", "invalid"):
            raise _unauthenticated(caller)
        if caller.kind == "member":
            await _check_member_session(info, caller)
        elif caller.kind == "staff":
            await _active_staff(info, caller)
        return True


class IsMember(BasePermission):
    """A member whose account is still active and in session."""

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller: Caller = info.context.caller
        _check(caller, "member", "a member's session")
        await _check_member_session(info, caller)
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
        staff = await _active_staff(info, caller)
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
