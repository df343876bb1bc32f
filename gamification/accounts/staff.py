"""Brand-team users: creation and log-in. Roles: ADMIN > MANAGER > ANALYST."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from core.clock import clock
from core.errors import Refused, ValidationFailed
from gamification.accounts import passwords
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.login_throttle import LoginThrottle
from gamification.accounts.members import normalise_email
from gamification.accounts.models import StaffRole, StaffUser
from gamification.programs.programs import program_by_slug


async def create_staff(program_slug: str, email: str, password: str, role: str) -> StaffUser:
    program = await program_by_slug(program_slug)
    email = normalise_email(email)
    passwords.check_password_rules(password)
    try:
        staff_role = StaffRole(role.upper())
    except ValueError:
        raise ValidationFailed(
            AccountErrorCode.INVALID_ROLE, "A role is ADMIN, MANAGER or ANALYST.", "role"
        ) from None
    password_hash = await passwords.hash_password(password)
    try:
        return await StaffUser.create(
            program_id=program.id,
            email=email,
            password_hash=password_hash,
            role=staff_role,
            created_at=clock.now(),
        )
    except IntegrityError:
        raise Refused(
            AccountErrorCode.EMAIL_TAKEN, "This email already has a staff account."
        ) from None


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
        lambda: StaffUser.get_or_none(program_id=program.id, email=email),
        password,
    )
