"""The catalog's translations on a console form (docs/languages.md): one name input, and one
description input when the kind has a description, per language the console offers (`name_fr`,
`description_fr`). Read into the API's `translations`, a row's translations put back on its edit
form, and the API's errors on them (`translations.1.name`) placed on their input. The template
side is the `translated_fields` macro (templates/translated_fields.html)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.console.forms import Form
from api.console.session import Visit

# The languages the forms offer (the API takes more: docs/languages.md).
LANGUAGES = ("fr", "nl", "en")
IN_LANGUAGE = {"fr": "in French", "nl": "in Dutch", "en": "in English"}
BOTH = ("name", "description")


def fields(parts: tuple[str, ...] = BOTH) -> tuple[str, ...]:
    """The form's translation inputs."""
    return tuple(f"{part}_{code}" for code in LANGUAGES for part in parts)


def languages(visit: Visit) -> list[tuple[str, str]]:
    """Each language's code and its words for the labels (`Name in French`)."""
    return [(code, visit.texts(IN_LANGUAGE[code])) for code in LANGUAGES]


def read(form: Form, parts: tuple[str, ...] = BOTH) -> list[dict[str, str]]:
    """The API's `translations`: every one, since the list given replaces them all. A language
    left blank is no translation; a description without a name goes, for the API to refuse."""
    translations = []
    for code in LANGUAGES:
        texts = {part: form.text(f"{part}_{code}") for part in parts}
        if any(texts.values()):
            translations.append({"locale": code, **texts})
    return translations


def prefilled(
    translations: Iterable[dict[str, Any]], parts: tuple[str, ...] = BOTH
) -> dict[str, str]:
    """A row's translations as the edit form's values."""
    return {
        f"{part}_{item['locale']}": str(item[part] or "")
        for item in translations
        if item["locale"] in LANGUAGES
        for part in parts
    }


def take(
    form: Form,
    sent: list[dict[str, str]],
    errors: Iterable[dict[str, Any]],
    known: Iterable[str],
    parts: tuple[str, ...] = BOTH,
) -> None:
    """The API's errors on the form (`known` its other inputs), a translation's on the input of
    its language and part; `sent` is the list `read` gave, whose order the API's index follows."""
    locales = [item["locale"] for item in sent]
    placed = []
    for error in errors:
        where = str(error.get("field") or "").split(".")
        if where[0] == "translations" and len(where) == 3 and where[1].isdigit():
            index = int(where[1])
            part = where[2] if where[2] in parts else "name"
            if index < len(locales):
                error = {**error, "field": f"{part}_{locales[index]}"}
        placed.append(error)
    form.take(placed, (*known, *fields(parts)))
