"""Reading console forms into GraphQL variables, and the API's errors back onto the fields.

An input is named as the API names its field (`pointsCost`, `prizes.0.quantity`), so a
UserError's `field` says which input to mark. The console converts types only (a number, a
time in UTC); every rule is the API's, and its message is what the page shows."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

Errors = dict[str | None, str]


class Form:
    def __init__(self, data: FormData | dict[str, str]) -> None:
        self.values = {key: str(value).strip() for key, value in data.items()}
        self.errors: Errors = {}

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def optional_text(self, name: str) -> str | None:
        return self.values.get(name) or None

    def integer(self, name: str, message: str) -> int | None:
        raw = self.values.get(name, "")
        if raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            self.errors[name] = message
            return None

    def decimal(self, name: str, message: str) -> str | None:
        """A decimal number as the API's Decimal takes it (a string); its range is the API's."""
        raw = self.values.get(name, "").replace(",", ".")
        if raw == "":
            return None
        try:
            if not Decimal(raw).is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.errors[name] = message
            return None
        return raw

    def time(self, name: str) -> str | None:
        """A datetime-local input (no zone), read as UTC as the page says."""
        raw = self.values.get(name, "")
        if not raw:
            return None
        return raw + (":00" if raw.count(":") == 1 else "") + "+00:00"

    def flag(self, name: str) -> bool:
        return self.values.get(name) in ("on", "true", "1")

    def take(self, payload_errors: Iterable[dict[str, Any]], fields: Iterable[str]) -> None:
        """The API's errors, each on its input when the form has it, else over the form."""
        known = set(fields)
        for error in payload_errors:
            where = error.get("field")
            key = where if where in known else None
            if key in self.errors:
                continue
            self.errors[key] = str(error.get("message") or error.get("code"))


def local_time(value: str | None) -> str:
    """An API time (UTC ISO 8601) as a datetime-local input's value."""
    return value[:16] if value else ""
