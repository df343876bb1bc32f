"""Members: sign-up and log-in, with the validation and anti-enumeration rules they need."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Collection

from email_validator import EmailNotValidError, validate_email
from tortoise.exceptions import IntegrityError

from core.bulk import read_columns
from core.clock import clock
from core.errors import (
    DomainError,
    NotFound,
    Refused,
    ValidationErrors,
    ValidationFailed,
)
from core.statements import Statement
from gamification import events
from gamification.accounts import passwords
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.login_throttle import LoginThrottle
from gamification.accounts.models import Member
from gamification.programs.models import Program

# No 0/O, 1/I/L: codes are read aloud and typed by people.
REFERRAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERRAL_CODE_LENGTH = 8
MAX_DISPLAY_NAME = 60


def normalise_email(email: str, field: str = "email") -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed(
            AccountErrorCode.INVALID_EMAIL, "This is not a valid email.", field
        ) from None
    return result.normalized.lower()


def clean_display_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_DISPLAY_NAME or not name.isprintable():
        raise ValidationFailed(
            AccountErrorCode.INVALID_DISPLAY_NAME,
            f"A display name has 1 to {MAX_DISPLAY_NAME} printable characters.",
            "displayName",
        )
    return name


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))


def validate_new_member(email: str, password: str, display_name: str) -> None:
    """Every field's error at once, so a form can show them together."""
    errors: list[DomainError] = []
    for check in (
        lambda: normalise_email(email),
        lambda: passwords.check_password_rules(password),
        lambda: clean_display_name(display_name),
    ):
        try:
            check()
        except ValidationFailed as error:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)


async def register_member(
    program: Program,
    email: str,
    password: str,
    display_name: str,
    referrer: Member | None = None,
    *,
    with_member: Callable[[Member], Awaitable[None]] | None = None,
) -> Member:
    """Create a member (EMAIL_TAKEN if the email has an account in this program).
    `with_member` runs in the creating transaction: what must exist with the member or not at
    all (a referred member's referral)."""
    validate_new_member(email, password, display_name)
    email = normalise_email(email)
    display_name = clean_display_name(display_name)
    password_hash = await passwords.hash_password(password)
    for _ in range(5):
        try:
            # One transaction per attempt: a member and what `with_member` adds are created
            # together or not at all (and a failed attempt leaves nothing behind).
            async with events.atomic():
                member = await Member.create(
                    program_id=program.id,
                    email=email,
                    password_hash=password_hash,
                    display_name=display_name,
                    referral_code=new_referral_code(),
                    referred_by_id=referrer.id if referrer else None,
                    created_at=clock.now(),
                )
                if with_member is not None:
                    await with_member(member)
            return member
        except IntegrityError:
            if await Member.exists(program_id=program.id, email=email):
                raise Refused(
                    AccountErrorCode.EMAIL_TAKEN, "This email already has an account.", "email"
                ) from None
            # Otherwise the random referral code collided: draw another.
    raise RuntimeError("could not draw a free referral code")


async def log_in(
    *,
    program: Program,
    email: str,
    password: str,
    throttle: LoginThrottle,
    client_address: str,
) -> Member:
    """The member, or INVALID_CREDENTIALS whether the email is unknown or the password wrong."""
    email = email.strip().lower()
    return await throttle.log_in(
        program.id,
        email,
        client_address,
        lambda: Member.get_or_none(program_id=program.id, email=email),
        password,
    )


async def member_in_program(program_id: int, member_id: int) -> Member:
    member = await Member.get_or_none(id=member_id, program_id=program_id)
    if member is None:
        raise NotFound(
            AccountErrorCode.MEMBER_NOT_FOUND, "No such member in this program.", "memberId"
        )
    return member


_BY_ID = Statement(Member, 'SELECT * FROM "member" WHERE "id" = $1')


async def members_by_id(member_ids: Collection[int]) -> dict[int, Member]:
    """These members, by id, in one query. The usual one (the caller, read on every member
    request) is a fixed statement (core/statements.py)."""
    if len(member_ids) == 1:
        return {member.id: member for member in await _BY_ID.instances(*member_ids)}
    return {member.id: member for member in await Member.filter(id__in=list(member_ids))}


async def display_names(member_ids: Collection[int]) -> dict[int, str]:
    """What other members may see of these members: their display names, in one query (a
    leaderboard page asks for 21 of them on every read)."""
    return {
        int(member_id): str(name)
        for member_id, name in await read_columns(Member, ("id", "display_name"), id=member_ids)
    }
