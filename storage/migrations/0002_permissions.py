from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

# The school default until an admin changes it, written out here (not imported)
# so this migration means the same thing forever.
FIRST_DEFAULT = ("groups.view", "users.view", "users.manage.basic", "users.manage.create")

SEED_DEFAULT = [
    f"INSERT INTO default_capabilities (capability) VALUES ('{key}')" for key in FIRST_DEFAULT
]

# Managers assigned before permissions existed keep working: they get the default.
GRANT_EXISTING_MANAGERS = [
    (
        "INSERT INTO capability_grants (user_id, capability) "
        f"SELECT DISTINCT user_id, '{key}' FROM group_managers"
    )
    for key in FIRST_DEFAULT
] + [
    "UPDATE users SET permissions_set_at = CURRENT_TIMESTAMP "
    "WHERE id IN (SELECT user_id FROM group_managers)"
]


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CapabilityGrantRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.UserRow', source_field='user_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('capability', fields.CharField(max_length=64)),
            ],
            options={'table': 'capability_grants', 'app': 'models', 'unique_together': (('user', 'capability'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DefaultCapabilityRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('capability', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'default_capabilities', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PermissionChangeRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.ForeignKeyField('models.UserRow', source_field='subject_id', null=True, db_constraint=True, to_field='id', related_name='permission_changes', on_delete=OnDelete.CASCADE)),
                ('changed_by', fields.ForeignKeyField('models.UserRow', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name='permission_edits', on_delete=OnDelete.SET_NULL)),
                ('granted', fields.TextField(default='', unique=False)),
                ('revoked', fields.TextField(default='', unique=False)),
                ('note', fields.CharField(default='', max_length=200)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'permission_changes', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='UserRow',
            name='permissions_set_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(SEED_DEFAULT),
        ops.RunSQL(GRANT_EXISTING_MANAGERS),
    ]
