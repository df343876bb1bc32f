"""Programs: every other row belongs to one.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Program(Model):
    id = fields.BigIntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    currency = fields.CharField(max_length=3)
    settings: dict = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "program"
