from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0015_shared_work')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SchoolEventRow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('type', fields.CharField(max_length=32)),
                ('how', fields.CharField(max_length=16)),
                ('actor_id', fields.IntField(null=True)),
                ('user_id', fields.IntField(null=True)),
                ('group_id', fields.IntField(null=True)),
                ('course_id', fields.IntField(null=True)),
                ('job_id', fields.IntField(null=True)),
                ('detail', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'school_events', 'app': 'models', 'indexes': [Index(fields=['occurred_at', 'id'], name='school_events_time'), Index(fields=['type', 'occurred_at', 'id'], name='school_events_type'), Index(fields=['group_id', 'occurred_at', 'id'], name='school_events_group'), Index(fields=['user_id', 'group_id', 'occurred_at', 'id'], name='school_events_user')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
