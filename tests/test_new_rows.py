"""core.bulk.new_row builds what the model's own constructor builds, faster."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from core.bulk import new_row
from gamification.events.models import Event
from gamification.points.models import LedgerEntry, LedgerKind, Purchase, PurchaseLine

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)

CASES: list[tuple[type[Model], dict[str, Any]]] = [
    (
        Purchase,
        {
            "program_id": 1,
            "member_id": 2,
            "external_id": "x",
            "fingerprint": "f",
            "occurred_at": NOW,
            "recorded_at": NOW,
            "currency": "EUR",
            "total": Decimal("9.90"),
            "points_earned": 99,
            "first_purchase": True,
        },
    ),
    (
        PurchaseLine,
        {"purchase_id": 3, "position": 0, "sku": "A", "quantity": 2, "unit_price": Decimal("1.00")},
    ),
    (
        LedgerEntry,
        {
            "program_id": 1,
            "member_id": 2,
            "delta": 5,
            "kind": LedgerKind.EARN,
            "created_at": NOW,
            "remaining": 5,
        },
    ),
    (
        Event,
        {"program_id": 1, "member_id": None, "type": "X", "occurred_at": NOW, "settled_at": NOW},
    ),
]


def _fields(row: Model) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row._meta.fields_db_projection}


def test_new_rows_have_the_fields_and_defaults_the_constructor_gives() -> None:
    for model, values in CASES:
        built, expected = new_row(model, **values), model(**values)
        assert _fields(built) == _fields(expected), model.__name__
        assert built._saved_in_db is False and built.pk is None


def test_a_mutable_default_is_a_fresh_copy_for_each_row() -> None:
    first, second = new_row(Event, type="X"), new_row(Event, type="Y")
    first.data["changed"] = True
    assert second.data == {}
    purchase = new_row(Purchase, external_id="x")
    purchase.breakdown.append(1)
    assert new_row(Purchase, external_id="y").breakdown == []
