"""Languages: what a member reads of the catalog (names and descriptions of rewards, badges,
challenges, games, contests, auctions, tiers and action types) in their language.

A translatable row keeps its `name` and `description` columns as the text in the program's
default language, which everything else (exports, the audit trail, unique names) goes on
reading; its `translations` JSON column holds the other languages, `{"fr": {"name": ...,
"description": ...}}`. A JSON column rather than a table of translations: a row's translations
travel with the row, so every list and fast path (the fixed `SELECT *` of the catalog page)
brings them without one more statement, and a staff change to them is one write, audited in the
row's own snapshot.

A reader asks for languages in order of preference; `pick` answers each text in the first of
them that has it, then in the program's default language, then the stored column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import DomainError, ValidationErrors, ValidationFailed
from gamification.events import caches
from gamification.programs.error_codes import ProgramErrorCode
from gamification.programs.models import Program

# The languages a program can give its catalog in (ISO 639-1 codes).
LANGUAGES = ("fr", "nl", "en", "de", "es", "it")
DEFAULT_LANGUAGE = "en"
NAME_LENGTH = 120
DESCRIPTION_LENGTH = 4000

Translations = dict[str, dict[str, str]]


def language_code(value: Any) -> str | None:
    """The known language `value` names ("fr", "FR", "fr-BE" name French), or None."""
    if not isinstance(value, str):
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def check_language(value: Any, field: str = "locale") -> str:
    """The known language `value` names, or INVALID_LOCALE naming `field`."""
    code = language_code(value)
    if code is None:
        raise ValidationFailed(
            ProgramErrorCode.INVALID_LOCALE,
            f"Not a language this service speaks: one of {', '.join(LANGUAGES)}.",
            field,
        )
    return code


@dataclass(frozen=True)
class Translation:
    locale: str
    name: str
    description: str = ""


def _as_translation(item: Any) -> Translation:
    if isinstance(item, Translation):
        return item
    if isinstance(item, Mapping):
        return Translation(**item)
    # Any object with the three attributes (the API's input type).
    return Translation(item.locale, item.name, getattr(item, "description", "") or "")


def clean_translations(given: Iterable[Any], field: str = "translations") -> Translations:
    """The translations to store, each checked (a known language given once, a name of 1 to
    120 printable characters, a description of at most 4000); every fault reported at once.
    Items are `Translation`s, mappings or objects with the same three attributes."""
    cleaned: Translations = {}
    errors: list[DomainError] = []
    for index, item in enumerate(given):
        entry = _as_translation(item)
        at = f"{field}.{index}"
        code = language_code(entry.locale)
        if code is None:
            errors.append(
                ValidationFailed(
                    ProgramErrorCode.INVALID_LOCALE,
                    f"Not a language the catalog can be given in: one of {', '.join(LANGUAGES)}.",
                    f"{at}.locale",
                )
            )
            continue
        if code in cleaned:
            errors.append(
                ValidationFailed(
                    ProgramErrorCode.INVALID_LOCALE,
                    "Each language is given once.",
                    f"{at}.locale",
                )
            )
            continue
        name = " ".join(str(entry.name or "").split())
        description = str(entry.description or "").strip()
        if not 1 <= len(name) <= NAME_LENGTH or not name.isprintable():
            errors.append(
                ValidationFailed(
                    ProgramErrorCode.INVALID_TRANSLATION,
                    f"A translated name has 1 to {NAME_LENGTH} printable characters.",
                    f"{at}.name",
                )
            )
            continue
        if len(description) > DESCRIPTION_LENGTH:
            errors.append(
                ValidationFailed(
                    ProgramErrorCode.INVALID_TRANSLATION,
                    f"A translated description has at most {DESCRIPTION_LENGTH} characters.",
                    f"{at}.description",
                )
            )
            continue
        cleaned[code] = {"name": name, "description": description}
    if errors:
        raise ValidationErrors(errors)
    return cleaned


def pick(
    translations: Mapping[str, Mapping[str, str]] | None,
    languages: Sequence[str],
    key: str,
    stored: str,
) -> str:
    """`key` ("name" or "description") in the first of `languages` that has it, else `stored`
    (the column, in the program's default language)."""
    if translations:
        for language in languages:
            text = (translations.get(language) or {}).get(key)
            if text:
                return text
    return stored


def default_language(program: Program) -> str:
    """The language the program's stored names are in, and what members fall back to."""
    return _default_in(program.settings)


def _default_in(settings: Mapping[str, Any] | None) -> str:
    return str((settings or {}).get("default_language") or DEFAULT_LANGUAGE)


async def _default_of(program_id: int) -> str:
    program = await Program.get_or_none(id=program_id).only("id", "settings")
    return _default_in(program.settings if program is not None else None)


# Read on every translated page: the program's default language, dropped with every cache of
# the program when its settings change (settings.update_settings).
_DEFAULTS = caches.ProgramCache(_default_of)


async def program_language(program_id: int) -> str:
    return await _DEFAULTS.get(program_id)
