"""The prize lines of an instant-win game's or a contest's form: a few rows of name, kind and
units, with the points of a POINTS prize or the reward of a REWARD one (each row shows only
the fields of its kind, by CSS). A row without a name is left out; the API judges the rest, and
its errors name the row's field (`prizes.1.quantity`)."""

from __future__ import annotations

from typing import Any

from api.console.forms import Form
from api.console.session import Visit

ROWS = 5
KINDS = ("PRIZE", "POINTS", "REWARD")


def kind_options(visit: Visit, kinds: tuple[str, ...] = KINDS) -> list[tuple[str, str]]:
    names = {
        "PRIZE": visit.texts("A physical prize"),
        "POINTS": visit.texts("Points"),
        "REWARD": visit.texts("A reward of the catalog"),
    }
    return [(kind, names[kind]) for kind in kinds]


def prize_fields(rows: int = ROWS) -> tuple[str, ...]:
    return tuple(
        f"prizes.{i}.{part}"
        for i in range(rows)
        for part in ("name", "kind", "quantity", "points", "rewardId")
    )


def read_prizes(form: Form, visit: Visit) -> list[dict[str, Any]]:
    """The rows filled in, in order and numbered as the API will number them."""
    whole = visit.texts("A whole number.")
    prizes: list[dict[str, Any]] = []
    for i in range(ROWS):
        name = form.text(f"prizes.{i}.name")
        if not name:
            continue
        if len(prizes) != i:
            # The API numbers the lines sent; keep a row's errors on its own inputs.
            _renumber(form, i, len(prizes))
        n = len(prizes)
        kind = form.text(f"prizes.{n}.kind")
        prize: dict[str, Any] = {
            "name": name,
            "kind": kind if kind in KINDS else "PRIZE",
            "quantity": form.integer(f"prizes.{n}.quantity", whole) or 0,
        }
        if prize["kind"] == "POINTS":
            prize["points"] = form.integer(f"prizes.{n}.points", whole)
        elif prize["kind"] == "REWARD":
            prize["rewardId"] = form.optional_text(f"prizes.{n}.rewardId")
        prizes.append(prize)
    return prizes


def _renumber(form: Form, source: int, target: int) -> None:
    for part in ("name", "kind", "quantity", "points", "rewardId"):
        form.values[f"prizes.{target}.{part}"] = form.values.pop(f"prizes.{source}.{part}", "")


def prize_values(prizes: list[dict[str, Any]]) -> dict[str, str]:
    """An existing game's or contest's prizes as the rows' values."""
    values: dict[str, str] = {}
    for i, prize in enumerate(prizes[:ROWS]):
        for part in ("name", "kind", "quantity", "points", "rewardId"):
            value = prize.get(part)
            values[f"prizes.{i}.{part}"] = "" if value is None else str(value)
    return values
