from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


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
    dependencies = [("badges", "0001_initial"), ("gamification", "0013_webhook_replays")]

    initial = False

    operations = [
        rename_duplicates("badge", 80),
        unique_name("Badge"),
    ]
