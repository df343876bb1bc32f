"""Brand-team users: creation, roles, archiving and log-in. Roles: ADMIN > MANAGER > ANALYST.

A program always keeps at least one active ADMIN: demoting or archiving the last one is refused
(LAST_ADMIN), so no admin can lock the program out of its own settings and staff. Changes to a
program's admins are serialised by a lock on the program row, so two admins demoting each other
at once cannot both succeed. An archived user cannot log in, their refresh tokens are revoked,
and the API reads the role from the row on every request, so a new role or an archive applies
to access tokens already issued.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from gamification.accounts import passwords, sessions
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.login_throttle import LoginThrottle
from gamification.accounts.members import normalise_email
from gamification.accounts.models import StaffRole, StaffUser
from gamification.audit import Actor, AuditAction, trail
from gamification.programs.models import Program
from gamification.programs.programs import program_by_slug


def parse_role(role: str) -> StaffRole:
    try:
        return StaffRole(role.strip().upper())
    except ValueError:
        raise ValidationFailed(
            AccountErrorCode.INVALID_ROLE, "A role is ADMIN, MANAGER or ANALYST.", "role"
        ) from None


async def create_staff(
    actor: Actor, program_slug: str, email: str, password: str, role: str
) -> StaffUser:
    """A staff user of the program named by its slug (the command line's `create-staff`)."""
    program = await program_by_slug(program_slug)
    return await add_staff(actor, program.id, email, password, role)


async def add_staff(
    actor: Actor, program_id: int, email: str, password: str, role: str
) -> StaffUser:
    """A new staff user of the program (EMAIL_TAKEN when the email has one there already)."""
    email = normalise_email(email)
    passwords.check_password_rules(password)
    staff_role = parse_role(role)
    password_hash = await passwords.hash_password(password)
    try:
        async with in_transaction():
            staff = await StaffUser.create(
                program_id=program_id,
                email=email,
                password_hash=password_hash,
                role=staff_role,
                created_at=clock.now(),
            )
            await trail.record(
                actor,
                AuditAction.STAFF_CREATED,
                program_id=program_id,
                target_id=staff.id,
                after=trail.snapshot(staff),
            )
            return staff
    except IntegrityError:
        raise Refused(
            AccountErrorCode.EMAIL_TAKEN, "This email already has a staff account.", "email"
        ) from None


async def staff_in_program(program_id: int, staff_id: int) -> StaffUser:
    staff = await StaffUser.get_or_none(id=staff_id, program_id=program_id)
    if staff is None:
        raise NotFound(AccountErrorCode.STAFF_NOT_FOUND, "No such staff user.", "staffId")
    return staff


async def active_staff(staff_id: int) -> StaffUser | None:
    """The staff user behind a session, or None once archived."""
    return await StaffUser.get_or_none(id=staff_id, archived_at__isnull=True)


async def staff_of(program_id: int) -> list[StaffUser]:
    """The program's staff users, archived ones included, oldest first."""
    return await StaffUser.filter(program_id=program_id).order_by("id")


async def _keep_an_admin(program_id: int, staff: StaffUser) -> None:
    """Inside the change's transaction, with the program row locked: refuse when `staff` is the
    last active admin."""
    if staff.role != StaffRole.ADMIN or staff.archived_at is not None:
        return
    others = await StaffUser.filter(
        program_id=program_id, role=StaffRole.ADMIN, archived_at__isnull=True
    ).exclude(id=staff.id)
    if not others:
        raise Refused(
            AccountErrorCode.LAST_ADMIN,
            "This is the program's last admin: make another user ADMIN first.",
            "staffId",
        )


async def update_staff(actor: Actor, program_id: int, staff_id: int, *, role: str) -> StaffUser:
    """Give a staff user another role (LAST_ADMIN when that leaves the program no admin)."""
    new_role = parse_role(role)
    async with in_transaction():
        await Program.select_for_update().get(id=program_id)
        staff = await staff_in_program(program_id, staff_id)
        if staff.archived_at is not None:
            raise Refused(ErrorCode.ALREADY_ARCHIVED, "This staff user is archived.", "staffId")
        if new_role != StaffRole.ADMIN:
            await _keep_an_admin(program_id, staff)
        before = trail.snapshot(staff)
        staff.role = new_role
        await StaffUser.filter(id=staff.id).update(role=new_role)
        await trail.record(
            actor,
            AuditAction.STAFF_UPDATED,
            program_id=program_id,
            target_id=staff.id,
            before=before,
            after=trail.snapshot(staff),
        )
    return staff


async def archive_staff(actor: Actor, program_id: int, staff_id: int) -> StaffUser:
    """End a staff user's access: no more log-ins, sessions revoked (LAST_ADMIN for the last
    admin, ALREADY_ARCHIVED when done before)."""
    async with in_transaction():
        await Program.select_for_update().get(id=program_id)
        staff = await staff_in_program(program_id, staff_id)
        if staff.archived_at is not None:
            raise Refused(ErrorCode.ALREADY_ARCHIVED, "This staff user is archived.", "staffId")
        await _keep_an_admin(program_id, staff)
        before = trail.snapshot(staff)
        staff.archived_at = clock.now()
        await StaffUser.filter(id=staff.id).update(archived_at=staff.archived_at)
        await sessions.revoke_staff_sessions(staff.id)
        await trail.record(
            actor,
            AuditAction.STAFF_ARCHIVED,
            program_id=program_id,
            target_id=staff.id,
            before=before,
            after=trail.snapshot(staff),
        )
    return staff


# A token's issue time is kept to the millisecond, rounded: ending sessions this much earlier
# than now keeps the new session a password change starts from reading as ended too.
_REVOCATION_MARGIN = timedelta(milliseconds=1)


async def change_staff_password(
    actor: Actor, staff_id: int, current_password: str, new_password: str
) -> StaffUser:
    """Replace a staff user's password, given the current one (INVALID_CREDENTIALS naming
    `currentPassword` otherwise). Every session of theirs ends, on every device: whoever learnt
    the old password loses the access it gave; the caller starts a new session afterwards."""
    user = await active_staff(staff_id)
    if user is None:
        raise NotFound(AccountErrorCode.STAFF_NOT_FOUND, "No such staff user.", "staffId")
    if not await passwords.verify_password(user.password_hash, current_password):
        raise Refused(
            AccountErrorCode.INVALID_CREDENTIALS,
            "The current password is wrong.",
            "currentPassword",
        )
    passwords.check_password_rules(new_password, "newPassword")
    user.password_hash = await passwords.hash_password(new_password)
    async with in_transaction():
        await StaffUser.filter(id=user.id).update(password_hash=user.password_hash)
        at = clock.now() - _REVOCATION_MARGIN
        await sessions.revoke_staff_sessions(user.id, at=at)
        # Never the hash: only that it changed, and when.
        await trail.record(
            actor,
            AuditAction.STAFF_PASSWORD_CHANGED,
            program_id=user.program_id,
            target_id=user.id,
            after={"sessions_revoked_at": at},
        )
    return user


async def staff_log_in(
    *, program_slug: str, email: str, password: str, throttle: LoginThrottle, client_address: str
) -> StaffUser:
    program = await program_by_slug(program_slug)
    email = email.strip().lower()
    # Staff share the member counters' key space but not their keys: the email digest differs
    # by a prefix, so a member and a staff user with one email are throttled apart.
    return await throttle.log_in(
        program.id,
        f"staff:{email}",
        client_address,
        lambda: StaffUser.get_or_none(program_id=program.id, email=email, archived_at__isnull=True),
        password,
    )
