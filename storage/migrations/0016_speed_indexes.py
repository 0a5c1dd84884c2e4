from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

FOLDED = {
    "postgres": "translate(tag, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')",
    "sqlite": "lower(tag)",
}


async def index_folded_tags(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """A rule's tag condition asks for tags folded to lower case, an expression each
    engine writes its own way (storage/rule_sql.py, ``fold``): the index must hold
    that very expression to be used. A rule over a million users then finds the
    people with a tag from the index instead of reading every tag."""
    client = schema_editor.client
    folded = FOLDED[client.capabilities.dialect]
    await client.execute_script(
        f"CREATE INDEX IF NOT EXISTS user_tags_folded ON user_tags ({folded}, user_id)"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0015_shared_work')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='EnrollmentRow',
            index=Index(fields=('course_id', 'progress'), name='enrollments_course_progress'),
        ),
        ops.RunPython(index_folded_tags),
    ]
