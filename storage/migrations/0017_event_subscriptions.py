from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_school_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventSubscriptionRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(db_index=True, max_length=32)),
                ('group', fields.ForeignKeyField('models.GroupRow', source_field='group_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('types', fields.TextField(default='', unique=False)),
                ('created_by', fields.ForeignKeyField('models.UserRow', source_field='created_by_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cursor', fields.BigIntField(default=0)),
            ],
            options={'table': 'event_subscriptions', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
