from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State
from tortoise.migrations.schema_generator.state_apps import StateApps

async def copy_tags(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """Every user's comma-joined tags become a row each, before the column goes."""
    client = schema_editor.client
    rows = await client.execute_query_dict("SELECT id, tags FROM users WHERE tags <> ''")
    pairs = sorted(
        {(row["id"], tag.strip()[:100]) for row in rows for tag in row["tags"].split(",") if tag.strip()}
    )
    if not pairs:
        return
    marks = "$1, $2" if client.capabilities.dialect == "postgres" else "?, ?"
    await client.execute_many(
        f"INSERT INTO user_tags (user_id, tag) VALUES ({marks})", [list(p) for p in pairs]
    )


class DropColumn(ops.RemoveField):
    """ALTER TABLE ... DROP COLUMN on both engines (SQLite has it since 3.35).

    Tortoise removes a SQLite column by rebuilding the table and dropping the old
    one, and with foreign keys on, dropping ``users`` cascades to every
    membership, enrolment and tag of the school.
    """

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if state_editor:
            model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
            table = model._meta.db_table
            await state_editor.client.execute_query(
                f'ALTER TABLE "{table}" DROP COLUMN "{self.name}"'
            )


class Migration(migrations.Migration):
    dependencies = [('models', '0009_slack_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UserTagRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.UserRow', source_field='user_id', db_constraint=True, to_field='id', related_name='tag_rows', on_delete=OnDelete.CASCADE)),
                ('tag', fields.CharField(max_length=100)),
            ],
            options={'table': 'user_tags', 'app': 'models', 'unique_together': (('user', 'tag'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(copy_tags),
        DropColumn(model_name='UserRow', name='tags'),
    ]
