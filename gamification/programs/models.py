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


# A stable handle on an object that a seed (the demo) made, so that running it again finds that
# object whatever staff renamed, archived or added since: `key` names it within its program
# ("badge:first-sip") and `object_id` is its id in the table the key's kind stands for.
class SeedKey(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation[Program] = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.CASCADE
    )
    program_id: int
    key = fields.CharField(max_length=100)
    object_id = fields.BigIntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "seed_key"
        unique_together = (("program", "key"),)
