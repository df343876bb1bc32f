"""Programs: the tenants. Everything else belongs to exactly one of them."""

from __future__ import annotations

import re
from typing import Any

from tortoise.exceptions import IntegrityError

from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from gamification.programs.error_codes import ProgramErrorCode
from gamification.programs.models import Program

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


async def create_program(
    slug: str, name: str, currency: str = "EUR", settings: dict[str, Any] | None = None
) -> Program:
    if not SLUG_PATTERN.match(slug):
        raise ValidationFailed(
            ProgramErrorCode.INVALID_SLUG,
            "A program slug is 1-64 lowercase letters, digits and inner hyphens.",
            "slug",
        )
    if not CURRENCY_PATTERN.match(currency):
        raise ValidationFailed(
            ProgramErrorCode.INVALID_CURRENCY, "Use an ISO 4217 code.", "currency"
        )
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A name has 1 to 200 characters.", "name")
    try:
        return await Program.create(
            slug=slug, name=name, currency=currency, settings=settings or {}, created_at=clock.now()
        )
    except IntegrityError:
        raise Refused(
            ProgramErrorCode.PROGRAM_EXISTS, f"A program '{slug}' exists.", "slug"
        ) from None


async def program_by_slug(slug: str) -> Program:
    # A slug no program could have is unknown without asking the database (the ORM refuses to
    # look up a value longer than the column).
    program = await Program.get_or_none(slug=slug) if SLUG_PATTERN.match(slug) else None
    if program is None:
        raise NotFound(ProgramErrorCode.PROGRAM_NOT_FOUND, f"No program '{slug}'.", "program")
    return program
