from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from gamification.webhooks.models import WebhookStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0008_member_segments")]

    initial = False

    operations = [
        ops.CreateModel(
            name="EventHandling",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "gamification.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("handler", fields.CharField(max_length=100)),
                ("handled_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "event_handling",
                "app": "gamification",
                "unique_together": (("event", "handler"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Webhook",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("url", fields.CharField(max_length=500)),
                ("secret", fields.CharField(max_length=200)),
                (
                    "event_types",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "archived_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "webhook",
                "app": "gamification",
                "indexes": [Index(fields=["program_id", "archived_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "webhook",
                    fields.ForeignKeyField(
                        "gamification.Webhook",
                        source_field="webhook_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "gamification.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=WebhookStatus.PENDING,
                        description="PENDING: PENDING\nDELIVERED: DELIVERED\nFAILED: FAILED",
                        enum_type=WebhookStatus,
                        max_length=12,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_delivery",
                "app": "gamification",
                "unique_together": (("webhook", "event"),),
                "indexes": [Index(fields=["status", "next_attempt_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "delivery",
                    fields.ForeignKeyField(
                        "gamification.WebhookDelivery",
                        source_field="delivery_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.IntField()),
                ("attempted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status_code", fields.IntField(null=True)),
                ("error", fields.CharField(default="", max_length=300)),
                ("duration_ms", fields.IntField(default=0)),
            ],
            options={
                "table": "webhook_attempt",
                "app": "gamification",
                "unique_together": (("delivery", "number"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="settled_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(fields=["settled_at", "id"]),
        ),
        # Events from before the outbox scan existed were published when they happened: mark them
        # settled, or the scan would run today's handlers (and webhooks) on the whole history.
        ops.RunSQL(
            "UPDATE event SET settled_at = occurred_at WHERE settled_at IS NULL", reverse_sql=""
        ),
    ]
