from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_job_reports_retention')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MembershipRuleRow',
            name='channel',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
        ops.AddField(
            model_name='MembershipRuleRow',
            name='decided_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='MembershipRuleRow',
            name='decided_by',
            field=fields.ForeignKeyField('models.UserRow', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='rule_decisions', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='MembershipRuleRow',
            name='reason',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='MembershipRuleRow',
            name='thread_ts',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
    ]
