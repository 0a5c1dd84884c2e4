from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_reports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AssessmentRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('course', fields.ForeignKeyField('models.CourseRow', source_field='course_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=100)),
                ('title', fields.CharField(max_length=100)),
                ('kind', fields.CharField(default='assignment', max_length=16)),
                ('max_score', fields.FloatField()),
                ('pass_mark', fields.FloatField(null=True)),
                ('needs_review', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'assessments', 'app': 'models', 'unique_together': (('course', 'key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubmissionRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('assessment', fields.ForeignKeyField('models.AssessmentRow', source_field='assessment_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.UserRow', source_field='user_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.CASCADE)),
                ('attempt', fields.IntField()),
                ('submitted_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('responses', fields.TextField(default='', unique=False)),
                ('auto_score', fields.FloatField(null=True)),
                ('score', fields.FloatField(null=True)),
                ('feedback', fields.TextField(default='', unique=False)),
                ('state', fields.CharField(db_index=True, max_length=16)),
                ('claimed_by', fields.ForeignKeyField('models.UserRow', source_field='claimed_by_id', null=True, db_constraint=True, to_field='id', related_name='claims', on_delete=OnDelete.SET_NULL)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('graded_by', fields.ForeignKeyField('models.UserRow', source_field='graded_by_id', null=True, db_constraint=True, to_field='id', related_name='gradings', on_delete=OnDelete.SET_NULL)),
                ('graded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'submissions', 'app': 'models', 'unique_together': (('assessment', 'user', 'attempt'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GradeChangeRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('submission', fields.ForeignKeyField('models.SubmissionRow', source_field='submission_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('change', fields.CharField(max_length=16)),
                ('before', fields.FloatField(null=True)),
                ('after', fields.FloatField(null=True)),
                ('by', fields.ForeignKeyField('models.UserRow', source_field='by_id', null=True, db_constraint=True, to_field='id', related_name='grade_changes', on_delete=OnDelete.SET_NULL)),
                ('by_name', fields.CharField(default='', max_length=64)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'grade_changes', 'app': 'models', 'unique_together': (), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CertificateRow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('serial', fields.CharField(unique=True, max_length=32)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.UserRow', source_field='user_id', db_constraint=True, to_field='id', related_name='certificates', on_delete=OnDelete.CASCADE)),
                ('course', fields.ForeignKeyField('models.CourseRow', source_field='course_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=100)),
                ('source', fields.CharField(max_length=16)),
                ('issued_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.TextField(default='', unique=False)),
                ('revoked_by_name', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'certificates', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
