from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_user_tags')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UserActionRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.ForeignKeyField('models.UserRow', source_field='subject_id', null=True, db_constraint=True, to_field='id', related_name='actions_on', on_delete=OnDelete.SET_NULL)),
                ('subject_label', fields.CharField(default='', max_length=254)),
                ('actor', fields.ForeignKeyField('models.UserRow', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='actions_by', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=32)),
                ('detail', fields.TextField(default='')),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_actions', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EmailAliasRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('user', fields.ForeignKeyField('models.UserRow', source_field='user_id', db_constraint=True, to_field='id', related_name='email_aliases', on_delete=OnDelete.CASCADE)),
                ('until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'email_aliases', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='EnrollmentRow',
            name='progress_reset_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
