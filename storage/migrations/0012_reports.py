from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_user_card')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReportScheduleRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=24)),
                ('group', fields.ForeignKeyField('models.GroupRow', source_field='group_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('cadence', fields.CharField(max_length=16)),
                ('day', fields.IntField(default=0)),
                ('at_time', fields.CharField(max_length=5)),
                ('timezone', fields.CharField(max_length=64)),
                ('channel', fields.CharField(max_length=32)),
                ('owner', fields.ForeignKeyField('models.UserRow', source_field='owner_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('owner_slack_id', fields.CharField(max_length=32)),
                ('with_file', fields.BooleanField(default=False)),
                ('paused_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pause_reason', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_schedules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportDeliveryRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('schedule', fields.ForeignKeyField('models.ReportScheduleRow', source_field='schedule_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('period', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharField(db_index=True, max_length=16)),
                ('ts', fields.CharField(default='', max_length=32)),
                ('error', fields.CharField(default='', max_length=200)),
                ('attempts', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_deliveries', 'app': 'models', 'pk_attr': 'id', 'unique_together': (('schedule', 'period'),)},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='ActivityEventRow',
            index=Index(fields=('user_id', 'course_id', 'occurred_at'), name='activity_last_seen'),
        ),
    ]
