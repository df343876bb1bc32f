from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint
from tortoise import fields
from tortoise.fields.base import OnDelete


def rename_duplicates(table: str, max_length: int) -> ops.RunSQL:
    """A database seeded or edited before names were unique may hold two rows of one name in a
    program: every one but the first gets its id appended (shortened to fit), so the unique
    constraint below can be added and nothing is lost."""
    keep = max_length - 22  # room for " (<id>)" with any 64-bit id
    return ops.RunSQL(
        f'UPDATE "{table}" SET "name" = SUBSTR("name", 1, {keep}) || \' (\' || '
        f'CAST("id" AS TEXT) || \')\' WHERE EXISTS (SELECT 1 FROM "{table}" AS other '
        f'WHERE other."program_id" = "{table}"."program_id" '
        f'AND other."name" = "{table}"."name" AND other."id" < "{table}"."id")',
        reverse_sql="SELECT 1",
    )


def unique_name(model: str) -> ops.AddConstraint:
    return ops.AddConstraint(
        model_name=model, constraint=UniqueConstraint(fields=("program", "name"), name=None)
    )


class Migration(migrations.Migration):
    dependencies = [("gamification", "0013_webhook_replays")]

    initial = False

    operations = [
        # Where the demo keeps the ids of what it made (api/demo/), found by a stable key.
        ops.CreateModel(
            name="SeedKey",
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
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(max_length=100)),
                ("object_id", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "seed_key",
                "app": "gamification",
                "unique_together": (("program", "key"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="StaffUser",
            name="archived_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        rename_duplicates("contest", 120),
        unique_name("Contest"),
        rename_duplicates("earning_rule", 100),
        unique_name("EarningRule"),
        rename_duplicates("instant_win_game", 120),
        unique_name("InstantWinGame"),
        rename_duplicates("membership_plan", 100),
        unique_name("MembershipPlan"),
        rename_duplicates("reward", 120),
        unique_name("Reward"),
        rename_duplicates("tier", 60),
        unique_name("Tier"),
    ]
