"""The language a request reads the catalog in: chosen once per request, kept in its context.

A member-facing query may name a `locale`; otherwise the `Accept-Language` header's languages
count, by their q-values (RFC 9110: highest first, ties in the header's order, q=0 meaning
"not this one", unknown languages and `*` ignored). Then comes the program's default language,
then the stored text (gamification/programs/languages.py).

An explicit `locale` belongs to the top-level field that carries it: two fields of one document
may ask for two languages, so the choice is kept per response key of the top-level field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gamification.programs.languages import check_language, language_code

MAX_HEADER = 512  # longer headers are read up to this; nobody prefers thirty languages


def accepted_languages(header: str | None) -> tuple[str, ...]:
    """The known languages an Accept-Language header asks for, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:MAX_HEADER].split(",")):
        tag, *params = [piece.strip() for piece in part.split(";")]
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
                if not 0.0 <= weight <= 1.0:
                    weight = 0.0
        code = language_code(tag)
        if code is not None and weight > 0:
            ranked.append((-weight, position, code))
    chosen: list[str] = []
    for _, _, code in sorted(ranked):
        if code not in chosen:
            chosen.append(code)
    return tuple(chosen)


def root_key(info: Any) -> str:
    """The response key of the top-level field a resolver works under."""
    path = info.path
    while path.prev is not None:
        path = path.prev
    return str(path.key)


@dataclass
class Locales:
    """The request's wishes: the header's languages, and each top-level field's `locale`."""

    accepted: tuple[str, ...] = ()
    explicit: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_header(cls, header: str | None) -> Locales:
        return cls(accepted=accepted_languages(header))

    def choose(self, info: Any, locale: str | None) -> None:
        """A top-level field's `locale` argument (INVALID_LOCALE when unknown)."""
        if locale is not None:
            self.explicit[root_key(info)] = check_language(locale)

    def wanted(self, info: Any) -> tuple[str, ...]:
        explicit = self.explicit.get(root_key(info))
        return (explicit,) if explicit is not None else self.accepted
