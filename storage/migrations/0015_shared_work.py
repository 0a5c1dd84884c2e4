from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_gradebook')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RuleMarkRow',
            fields=[
                ('user_id', fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('cause', fields.CharField(max_length=200)),
                ('marked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rule_marks', 'app': 'models', 'pk_attr': 'user_id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='BulkJobRow',
            name='lease_owner',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='BulkJobRow',
            name='lease_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
