"""Money and quantities as integrations report them: the checks that purchases and refunds share,
so a refund accepts exactly the amounts and quantities a purchase does."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.errors import ValidationFailed
from gamification.points.error_codes import PointsErrorCode

MAX_QUANTITY = 1_000_000
MAX_AMOUNT = Decimal("1000000000")
CENT = Decimal("0.01")


def money(value: Decimal, field: str, *, allow_zero: bool = False) -> Decimal:
    """`value` as an amount of money (to the cent), or INVALID_AMOUNT on `field`."""
    try:
        ok = value.is_finite() and value == value.quantize(CENT)
        ok = ok and (value >= 0 if allow_zero else value > 0) and value <= MAX_AMOUNT
    except InvalidOperation:
        ok = False
    if not ok:
        raise ValidationFailed(
            PointsErrorCode.INVALID_AMOUNT,
            "An amount is positive, at most 1,000,000,000, with at most 2 decimals.",
            field,
        )
    return value.quantize(CENT)


def check_quantity(quantity: int, field: str) -> None:
    """A line's quantity, or INVALID_QUANTITY on `field`."""
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValidationFailed(PointsErrorCode.INVALID_QUANTITY, "A quantity is above 0.", field)
