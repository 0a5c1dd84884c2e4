from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_webhooks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ReportScheduleRow',
            name='course_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='ReportScheduleRow',
            name='course_title',
            field=fields.CharField(default='', db_default='', max_length=200),
        ),
        ops.AddField(
            model_name='ReportScheduleRow',
            name='post_empty',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='ReportScheduleRow',
            name='segment',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
    ]
