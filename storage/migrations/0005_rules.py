from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_bulk_jobs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MembershipRuleRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.GroupRow', source_field='group_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=80)),
                ('name_key', fields.CharField(default='', db_index=True, max_length=80)),
                ('text', fields.TextField(unique=False)),
                ('state', fields.CharField(db_index=True, max_length=16)),
                ('created_by', fields.ForeignKeyField('models.UserRow', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='rules', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('saved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_added', fields.IntField(default=0)),
                ('last_removed', fields.IntField(default=0)),
            ],
            options={'table': 'membership_rules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RuleEventRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.GroupRow', source_field='group_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.UserRow', source_field='user_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('email', fields.CharField(max_length=254)),
                ('change', fields.CharField(max_length=8)),
                ('cause', fields.CharField(max_length=120)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rule_events', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='MembershipRow',
            name='source',
            field=fields.CharField(default='manual', db_default='manual', max_length=8),
        ),
    ]
