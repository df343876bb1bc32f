"""The GraphQL side of translated catalog texts: the translations staff write (TranslationInput),
read back (Translation), and the `name` / `description` fields that answer in the request's
language (api/locales.py, gamification/programs/languages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import strawberry

from api.context import Info
from gamification.programs import languages

LOCALE_ARGUMENT = (
    "The language to answer names and descriptions in (fr, nl, en, de, es, it; a region such "
    "as fr-BE names its language); it beats Accept-Language. Missing texts fall back to the "
    "program's default language. INVALID_LOCALE as a top-level error for an unknown code."
)
TRANSLATIONS_READ = (
    "Every translation staff gave (the stored name and description are in the program's "
    "default language)."
)
TRANSLATIONS = (
    "The name and description in other languages, all of them (what is not given is "
    "removed); omit to keep them as they are. Codes: INVALID_LOCALE (unknown or repeated "
    "language), INVALID_TRANSLATION (empty or long name, long description), `field` naming the "
    "item."
)


@strawberry.input(description="A name and a description in one language.")
class TranslationInput:
    locale: str = strawberry.field(
        description="fr, nl, en, de, es or it (a region such as fr-BE names its language)."
    )
    name: str = strawberry.field(description="1 to 120 printable characters.")
    description: str = strawberry.field(default="", description="At most 4000 characters.")


@strawberry.type(description="A name and a description in one language, as staff wrote them.")
class Translation:
    locale: str = strawberry.field(description="The language's ISO 639-1 code.")
    name: str = strawberry.field(description="The name in that language.")
    description: str = strawberry.field(description="The description in that language.")


@dataclass(frozen=True)
class Texts:
    """A row's stored texts (the program's default language) and its translations."""

    name: str
    description: str = ""
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, row: Any) -> Texts:
        return cls(row.name, getattr(row, "description", "") or "", row.translations or {})


class HasTexts(Protocol):
    texts: Texts


async def name_in_language(root: HasTexts, info: Info) -> str:
    languages_wanted = await info.context.languages(info)
    return languages.pick(root.texts.translations, languages_wanted, "name", root.texts.name)


async def description_in_language(root: HasTexts, info: Info) -> str:
    languages_wanted = await info.context.languages(info)
    return languages.pick(
        root.texts.translations, languages_wanted, "description", root.texts.description
    )


def translations_of(root: HasTexts) -> list[Translation]:
    return [
        Translation(locale=code, name=text.get("name", ""), description=text.get("description", ""))
        for code, text in sorted(root.texts.translations.items())
    ]


def translated_name(description: str = "The name, in the caller's language.") -> Any:
    return strawberry.field(resolver=name_in_language, description=description)


def translated_description(description: str = "The description, in the caller's language.") -> Any:
    return strawberry.field(resolver=description_in_language, description=description)


def translations_field() -> Any:
    return strawberry.field(resolver=translations_of, description=TRANSLATIONS_READ)


async def text_of(info: Info, row: Any, key: str) -> str:
    """A row's `key` ("name" or "description") in the language `info`'s request reads."""
    return languages.pick(
        row.translations, await info.context.languages(info), key, getattr(row, key) or ""
    )


def translations_of_row(row: Any) -> list[Translation]:
    return translations_of(_Rooted(Texts.of(row)))


@dataclass(frozen=True)
class _Rooted:
    texts: Texts
