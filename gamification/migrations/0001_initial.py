from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from gamification.accounts.models import StaffRole
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Program",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("slug", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("currency", fields.CharField(max_length=3)),
                (
                    "settings",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "program", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiKey",
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
                        related_name="api_keys",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("prefix", fields.CharField(unique=True, max_length=16)),
                ("key_hash", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "api_key", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Member",
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
                        related_name="members",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("email", fields.CharField(max_length=320)),
                ("password_hash", fields.CharField(max_length=200)),
                ("display_name", fields.CharField(max_length=60)),
                ("referral_code", fields.CharField(unique=True, max_length=16)),
                (
                    "referred_by",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="referred_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "member",
                "app": "gamification",
                "unique_together": (("program", "email"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StaffUser",
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
                        related_name="staff",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("email", fields.CharField(max_length=320)),
                ("password_hash", fields.CharField(max_length=200)),
                (
                    "role",
                    fields.CharEnumField(
                        description="ADMIN: ADMIN\nMANAGER: MANAGER\nANALYST: ANALYST",
                        enum_type=StaffRole,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "staff_user",
                "app": "gamification",
                "unique_together": (("program", "email"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RefreshToken",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("family", fields.CharField(db_index=True, max_length=32)),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="member_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "gamification.StaffUser",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "refresh_token", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
