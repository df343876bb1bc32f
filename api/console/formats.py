"""Numbers, money, percentages and times as the reader's language writes them (Babel's CLDR
data): 1,234.5 and Dec 4, 2026 in English, 1 234,5 and 4 déc. 2026 in French. The API answers
amounts as decimal strings and times in UTC ISO 8601; only the page turns them into text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.numbers import format_currency, format_decimal, format_percent

# Times are shown in UTC, said so on the page: a program has no time zone of its own yet.
ZONE = get_timezone("UTC")


@dataclass(frozen=True)
class Formats:
    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def number(self, value: int | str | Decimal | None) -> str:
        if value is None:
            return "—"
        return format_decimal(Decimal(value), locale=self.locale)

    def money(self, money: dict[str, str] | None) -> str:
        """A Money object of the API ({amount, currency})."""
        if not money:
            return "—"
        return format_currency(Decimal(money["amount"]), money["currency"], locale=self.locale)

    def ratio(self, value: str | None) -> str:
        """A rate the API gives as a decimal fraction ("0.25") as a percentage."""
        if value is None:
            return "—"
        return _percent(Decimal(value), self.locale)

    def change(self, now: float, before: float) -> str | None:
        """How much `now` moved from `before`, signed (+12.5%); None when there was nothing."""
        if not before:
            return None
        shift = Decimal(str((now - before) / before))
        text = _percent(shift, self.locale)
        return text if shift < 0 else "+" + text

    def time(self, value: str | None) -> str:
        moment = _moment(value)
        if moment is None:
            return "—"
        return format_datetime(moment, "medium", tzinfo=ZONE, locale=self.locale)

    def date(self, value: str | None) -> str:
        moment = _moment(value)
        if moment is None:
            return "—"
        return format_date(moment, "medium", locale=self.locale)


def _percent(value: Decimal, locale: Locale) -> str:
    # The language's own pattern (25,3 % in French), to one decimal place.
    return format_percent(round(value, 3), locale=locale, decimal_quantization=False)


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def amount(value: str | None) -> Decimal:
    """A decimal string of the API, 0 when absent or unreadable (for charts and comparisons)."""
    try:
        return Decimal(value) if value else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
