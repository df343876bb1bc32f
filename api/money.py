"""Money in GraphQL: a decimal string with its currency code, never a float."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type(description="An amount of money with its currency.")
class Money:
    amount: str = strawberry.field(description="A decimal string, such as 12.50.")
    currency: str = strawberry.field(description="The ISO-4217 currency code, such as EUR.")

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        return cls(amount=str(amount), currency=currency)
