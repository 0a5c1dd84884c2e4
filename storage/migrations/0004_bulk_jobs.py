from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_invitations_mail_activity')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BulkJobRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=32)),
                ('group', fields.ForeignKeyField('models.GroupRow', source_field='group_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('group_title', fields.CharField(max_length=80)),
                ('course', fields.ForeignKeyField('models.CourseRow', source_field='course_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('course_title', fields.CharField(default='', max_length=80)),
                ('filename', fields.CharField(max_length=255)),
                ('columns', fields.CharField(max_length=200)),
                ('state', fields.CharField(db_index=True, max_length=24)),
                ('uploaded_by', fields.ForeignKeyField('models.UserRow', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.SET_NULL)),
                ('decided_by', fields.ForeignKeyField('models.UserRow', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decisions', on_delete=OnDelete.SET_NULL)),
                ('options', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('counts', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('results', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('notes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.TextField(default='', unique=False)),
                ('rows_total', fields.IntField(default=0)),
                ('rows_done', fields.IntField(default=0)),
                ('checkpoint', fields.IntField(default=0)),
                ('channel', fields.CharField(default='', max_length=32)),
                ('thread_ts', fields.CharField(default='', max_length=32)),
                ('progress_ts', fields.CharField(default='', max_length=32)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bulk_jobs', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BulkJobItemRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job', fields.ForeignKeyField('models.BulkJobRow', source_field='job_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('row', fields.IntField()),
                ('username', fields.TextField(unique=False)),
                ('email', fields.TextField(unique=False)),
                ('first_name', fields.TextField(default='', unique=False)),
                ('last_name', fields.TextField(default='', unique=False)),
                ('tags', fields.TextField(default='', unique=False)),
                ('problem', fields.TextField(default='', unique=False)),
                ('result', fields.TextField(default='', unique=False)),
                ('course', fields.TextField(default='', unique=False)),
                ('progress', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'bulk_job_items', 'app': 'models', 'unique_together': (('job', 'row'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='UserRow',
            name='first_name',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='UserRow',
            name='last_name',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='UserRow',
            name='tags',
            field=fields.CharField(default='', db_default='', max_length=1000),
        ),
    ]
