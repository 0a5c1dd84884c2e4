from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_schedule_focus')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxRow',
            name='layout',
            field=fields.CharField(default='', db_default='', max_length=16),
        ),
        ops.AddField(
            model_name='OutboxRow',
            name='letter_values',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
    ]
