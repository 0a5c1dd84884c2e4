from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_web_security')]

    initial = False

    operations = [
        ops.AddField(
            model_name='BulkJobRow',
            name='summary_ts',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
        ops.AddField(
            model_name='BulkJobRow',
            name='report_attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='BulkJobRow',
            name='report_retry_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='BulkJobRow',
            name='rows_pruned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
