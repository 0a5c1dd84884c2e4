"""Tables. Fields only: behaviour lives in the domain, queries in the stores."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class UserRow(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    username = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16, default="invited")
    slack_user_id = fields.CharField(max_length=32, unique=True, null=True)
    is_admin = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)
    password_hash = fields.CharField(max_length=200, null=True)
    permissions_set_at = fields.DatetimeField(null=True)
    """When this user's manager permissions were first set; until then the school
    default is copied to them on their first assignment to a group."""
    first_name = fields.CharField(max_length=100, default="", db_default="")
    last_name = fields.CharField(max_length=100, default="", db_default="")
    slack_deactivated_at = fields.DatetimeField(null=True)
    """When their Slack account was deactivated: their roles pause until it is back."""

    class Meta:
        table = "users"


# A user's tags, a row each, so a rule asks about them with a join instead of
# searching a comma-joined text.
class UserTagRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="tag_rows", on_delete=fields.CASCADE
    )
    user_id: int
    tag = fields.CharField(max_length=100)

    class Meta:
        table = "user_tags"
        unique_together = (("user", "tag"),)


class CourseRow(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=80)
    title_key = fields.CharField(max_length=80, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "courses"


class GroupRow(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=80)
    title_key = fields.CharField(max_length=80, unique=True)
    description = fields.TextField(default="")
    seat_limit = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "groups"


class GroupCourseRow(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE
    )
    group_id: int
    course: fields.ForeignKeyRelation[CourseRow] = fields.ForeignKeyField(
        "models.CourseRow", on_delete=fields.CASCADE
    )
    course_id: int

    class Meta:
        table = "group_courses"
        unique_together = (("group", "course"),)


class GroupManagerRow(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE
    )
    group_id: int
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "group_managers"
        unique_together = (("group", "user"),)


class MembershipRow(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE
    )
    group_id: int
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="memberships", on_delete=fields.CASCADE
    )
    user_id: int
    joined_at = fields.DatetimeField(auto_now_add=True)
    source = fields.CharField(max_length=8, default="manual", db_default="manual")

    class Meta:
        table = "memberships"
        unique_together = (("group", "user"),)


class EnrollmentRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int
    course: fields.ForeignKeyRelation[CourseRow] = fields.ForeignKeyField(
        "models.CourseRow", on_delete=fields.CASCADE
    )
    course_id: int
    enrolled_at = fields.DatetimeField(auto_now_add=True)
    progress = fields.IntField(default=0)
    completed_at = fields.DatetimeField(null=True)
    progress_reset_at = fields.DatetimeField(null=True)
    """When a manager last reset it: progress the course player reports as having
    occurred before then is ignored."""

    class Meta:
        table = "enrollments"
        unique_together = (("user", "course"),)


class CapabilityGrantRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int
    capability = fields.CharField(max_length=64)

    class Meta:
        table = "capability_grants"
        unique_together = (("user", "capability"),)


# The school-wide set copied to newly assigned managers. (Comments, not docstrings,
# on models: tortoise turns a model docstring into a table comment in migrations.)
class DefaultCapabilityRow(Model):
    id = fields.IntField(primary_key=True)
    capability = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "default_capabilities"


# Who changed whose permissions, what, and when; a null subject is the school default.
class PermissionChangeRow(Model):
    id = fields.IntField(primary_key=True)
    subject: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="permission_changes", on_delete=fields.CASCADE, null=True
    )
    subject_id: int | None
    changed_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="permission_edits", on_delete=fields.SET_NULL, null=True
    )
    changed_by_id: int | None
    granted = fields.TextField(default="")
    revoked = fields.TextField(default="")
    note = fields.CharField(max_length=200, default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "permission_changes"


# A password link, an invitation or a reset (``purpose``): only a hash of its token
# is kept; the token is in the email alone. ``used_at`` is also set when another
# link of the user sets the password first.
class InvitationRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    purpose = fields.CharField(max_length=16, default="invitation", db_default="invitation")

    class Meta:
        table = "invitations"


# A learner's signed-in browser; like invitations, only the cookie's hash is kept.
class WebSessionRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "web_sessions"


# A browser that signed in to an account (a cookie of its own, kept as a hash): sign-in
# limits others run into on that account do not slow it down.
class KnownBrowserRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64)
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "known_browsers"
        unique_together = (("token_hash", "user"),)


# Recent sign-in or password-link attempts under one key (an email, a client, a
# browser; hashed): counted before the password is checked, pruned when stale.
class AttemptTallyRow(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    count = fields.IntField(default=0)
    last_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "attempt_tallies"


# Every email, from the moment it is decided until it is delivered or fails: the
# outbox the delivery worker reads, and the Emails log admins read.
class OutboxRow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.SET_NULL, null=True
    )
    user_id: int | None
    to_address = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    # A letter is kept as its layout and values (see domain.letters.Letter) and rendered
    # when read; the two bodies hold only the rows queued before that, and are empty.
    text_body = fields.TextField()
    html_body = fields.TextField()
    layout = fields.CharField(max_length=16, default="", db_default="")
    letter_values = fields.TextField(default="", db_default="")
    trigger = fields.CharField(max_length=32, db_index=True)
    state = fields.CharField(max_length=16, default="queued", db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    next_attempt_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox"


# Learning activity reported by the course player; event_id makes a repeat harmless.
class ActivityEventRow(Model):
    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=100, unique=True)
    type = fields.CharField(max_length=32)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    user_id: int
    course: fields.ForeignKeyNullableRelation[CourseRow] = fields.ForeignKeyField(
        "models.CourseRow", on_delete=fields.CASCADE, null=True
    )
    course_id: int | None
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "activity_events"
        indexes = (
            Index(fields=("user_id", "course_id", "occurred_at"), name="activity_last_seen"),
        )


# Each Events API delivery Roster has taken on, by Slack's event id: a retry, a
# replay, or the same event reaching another process changes nothing. Rows go
# after a few days (Slack retries within the hour).
class SlackEventRow(Model):
    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=64, unique=True)
    received_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "slack_events"


# School-wide switches an admin sets (e.g. which notification emails are sent).
class SchoolSettingRow(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    value: fields.JSONField[Any] = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "school_settings"


# A bulk action (an import, for now) from its check to its summary: the User
# action log. ``checkpoint`` is the last row applied, committed with that row's
# changes, so a restarted worker carries on exactly where the last one stopped.
class BulkJobRow(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=32, db_index=True)
    group: fields.ForeignKeyNullableRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.SET_NULL, null=True
    )
    group_id: int | None
    group_title = fields.CharField(max_length=80)
    course: fields.ForeignKeyNullableRelation[CourseRow] = fields.ForeignKeyField(
        "models.CourseRow", on_delete=fields.SET_NULL, null=True
    )
    course_id: int | None
    course_title = fields.CharField(max_length=80, default="")
    filename = fields.CharField(max_length=255)
    columns = fields.CharField(max_length=200)
    state = fields.CharField(max_length=24, db_index=True)
    uploaded_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="uploads", on_delete=fields.SET_NULL, null=True
    )
    uploaded_by_id: int | None
    decided_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="decisions", on_delete=fields.SET_NULL, null=True
    )
    decided_by_id: int | None
    options: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    counts: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    results: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    notes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    reason = fields.TextField(default="")
    rows_total = fields.IntField(default=0)
    rows_done = fields.IntField(default=0)
    checkpoint = fields.IntField(default=0)
    channel = fields.CharField(max_length=32, default="")
    thread_ts = fields.CharField(max_length=32, default="")
    progress_ts = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    decided_at = fields.DatetimeField(null=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    reported_at = fields.DatetimeField(null=True)
    summary_ts = fields.CharField(max_length=32, default="", db_default="")
    report_attempts = fields.IntField(default=0, db_default=0)
    report_retry_at = fields.DatetimeField(null=True)
    rows_pruned_at = fields.DatetimeField(null=True)
    """When the staged rows were deleted, the retention period after the job finished."""
    lease_owner = fields.CharField(max_length=100, default="", db_default="")
    lease_until = fields.DatetimeField(null=True)
    """The runner working on the job, and until when: another takes it only after."""

    class Meta:
        table = "bulk_jobs"


# One row of a bulk action's file, staged before anything is applied; ``problem``
# is why it is skipped, ``result`` what applying it did.
class BulkJobItemRow(Model):
    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[BulkJobRow] = fields.ForeignKeyField(
        "models.BulkJobRow", on_delete=fields.CASCADE
    )
    job_id: int
    row = fields.IntField()
    username = fields.TextField()
    email = fields.TextField()
    first_name = fields.TextField(default="")
    last_name = fields.TextField(default="")
    tags = fields.TextField(default="")
    problem = fields.TextField(default="")
    result = fields.TextField(default="")
    course = fields.TextField(default="")
    progress = fields.TextField(default="")

    class Meta:
        table = "bulk_job_items"
        unique_together = (("job", "row"),)


# A rule that decides a group's members, or, with no group, a saved user segment.
# A preview is a draft; saving makes it active and the one before it replaced.
class MembershipRuleRow(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyNullableRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE, null=True
    )
    group_id: int | None
    name = fields.CharField(max_length=80, default="")
    name_key = fields.CharField(max_length=80, default="", db_index=True)
    text = fields.TextField()
    state = fields.CharField(max_length=16, db_index=True)
    created_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="rules", on_delete=fields.SET_NULL, null=True
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    saved_at = fields.DatetimeField(null=True)
    last_run_at = fields.DatetimeField(null=True)
    last_added = fields.IntField(default=0)
    last_removed = fields.IntField(default=0)
    decided_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="rule_decisions", on_delete=fields.SET_NULL, null=True
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    reason = fields.TextField(default="", db_default="")
    channel = fields.CharField(max_length=32, default="", db_default="")
    thread_ts = fields.CharField(max_length=32, default="", db_default="")

    class Meta:
        table = "membership_rules"


# Every membership a rule added or ended, and what set it off.
class RuleEventRow(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE
    )
    group_id: int
    user: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.SET_NULL, null=True
    )
    user_id: int | None
    email = fields.CharField(max_length=254)
    change = fields.CharField(max_length=8)
    cause = fields.CharField(max_length=120)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "rule_events"


# A user whose data changed, waiting for the group rules to re-evaluate them: a
# table, so any process drains it and a process that dies loses nothing.
class RuleMarkRow(Model):
    user_id = fields.IntField(primary_key=True, generated=False)
    cause = fields.CharField(max_length=200)
    marked_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "rule_marks"


# An exam, assignment or certification in a course, keyed by the course player's
# own stable id for it, so a renamed assessment stays the same one.
class AssessmentRow(Model):
    id = fields.IntField(primary_key=True)
    course: fields.ForeignKeyRelation[CourseRow] = fields.ForeignKeyField(
        "models.CourseRow", on_delete=fields.CASCADE
    )
    course_id: int
    key = fields.CharField(max_length=100)
    title = fields.CharField(max_length=100)
    kind = fields.CharField(max_length=16, default="assignment")
    max_score = fields.FloatField()
    pass_mark = fields.FloatField(null=True)
    needs_review = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "assessments"
        unique_together = (("course", "key"),)


# One attempt of one learner at one assessment: pending review, then graded,
# then released. ``claimed_by`` is the grader working on it, seen by every other.
class SubmissionRow(Model):
    id = fields.IntField(primary_key=True)
    assessment: fields.ForeignKeyRelation[AssessmentRow] = fields.ForeignKeyField(
        "models.AssessmentRow", on_delete=fields.CASCADE
    )
    assessment_id: int
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="submissions", on_delete=fields.CASCADE
    )
    user_id: int
    attempt = fields.IntField()
    submitted_at = fields.DatetimeField(db_index=True)
    responses = fields.TextField(default="")
    auto_score = fields.FloatField(null=True)
    score = fields.FloatField(null=True)
    feedback = fields.TextField(default="")
    state = fields.CharField(max_length=16, db_index=True)
    claimed_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="claims", on_delete=fields.SET_NULL, null=True
    )
    claimed_by_id: int | None
    claimed_at = fields.DatetimeField(null=True)
    graded_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="gradings", on_delete=fields.SET_NULL, null=True
    )
    graded_by_id: int | None
    graded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "submissions"
        unique_together = (("assessment", "user", "attempt"),)


# Every change to a grade, with before and after, who, when and why.
class GradeChangeRow(Model):
    id = fields.IntField(primary_key=True)
    submission: fields.ForeignKeyRelation[SubmissionRow] = fields.ForeignKeyField(
        "models.SubmissionRow", on_delete=fields.CASCADE
    )
    submission_id: int
    change = fields.CharField(max_length=16)
    before = fields.FloatField(null=True)
    after = fields.FloatField(null=True)
    by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="grade_changes", on_delete=fields.SET_NULL, null=True
    )
    by_id: int | None
    by_name = fields.CharField(max_length=64, default="")
    at = fields.DatetimeField(db_index=True)
    reason = fields.TextField(default="")

    class Meta:
        table = "grade_changes"


# A certificate a learner holds: ``code`` is the unguessable part of its public
# verification link; revoking keeps the row, so the link says since when.
class CertificateRow(Model):
    id = fields.IntField(primary_key=True)
    serial = fields.CharField(max_length=32, unique=True)
    code = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="certificates", on_delete=fields.CASCADE
    )
    user_id: int
    course: fields.ForeignKeyRelation[CourseRow] = fields.ForeignKeyField(
        "models.CourseRow", on_delete=fields.CASCADE
    )
    course_id: int
    title = fields.CharField(max_length=100)
    source = fields.CharField(max_length=16)
    issued_at = fields.DatetimeField(db_index=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.TextField(default="")
    revoked_by_name = fields.CharField(max_length=64, default="")

    class Meta:
        table = "certificates"


# A report posted on a timetable. Roster's database is the source of truth: the
# scheduler only asks it what is due.
class ReportScheduleRow(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=24)
    group: fields.ForeignKeyRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE
    )
    group_id: int
    cadence = fields.CharField(max_length=16)
    day = fields.IntField(default=0)
    at_time = fields.CharField(max_length=5)
    timezone = fields.CharField(max_length=64)
    channel = fields.CharField(max_length=32)
    owner: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.CASCADE
    )
    owner_id: int
    owner_slack_id = fields.CharField(max_length=32)
    with_file = fields.BooleanField(default=False)
    paused_at = fields.DatetimeField(null=True)
    pause_reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()
    # A course the report is narrowed to: a plain id, not a foreign key, so deleting
    # the course pauses the schedule with a reason instead of widening or deleting it.
    course_id = fields.IntField(null=True)
    course_title = fields.CharField(max_length=200, default="", db_default="")
    segment = fields.CharField(max_length=100, default="", db_default="")
    post_empty = fields.BooleanField(default=True, db_default=True)

    class Meta:
        table = "report_schedules"


# One period of one schedule, written before anything is posted: the unique
# (schedule, period) makes a second firing of the same period a no-op.
class ReportDeliveryRow(Model):
    id = fields.IntField(primary_key=True)
    schedule: fields.ForeignKeyRelation[ReportScheduleRow] = fields.ForeignKeyField(
        "models.ReportScheduleRow", on_delete=fields.CASCADE
    )
    schedule_id: int
    period = fields.DatetimeField()
    state = fields.CharField(max_length=16, db_index=True)
    ts = fields.CharField(max_length=32, default="")
    error = fields.CharField(max_length=200, default="")
    attempts = fields.IntField(default=0)
    """Failed posts so far; a failed one is tried again a few times, further apart."""
    updated_at = fields.DatetimeField()

    class Meta:
        table = "report_deliveries"
        unique_together = (("schedule", "period"),)


# One change made to one person from their card: who made it, when, and what. The
# person's row may go later; ``subject_label`` keeps how the log names them then.
class UserActionRow(Model):
    id = fields.IntField(primary_key=True)
    subject: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="actions_on", on_delete=fields.SET_NULL, null=True
    )
    subject_id: int | None
    subject_label = fields.CharField(max_length=254, default="")
    actor: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="actions_by", on_delete=fields.SET_NULL, null=True
    )
    actor_id: int | None
    action = fields.CharField(max_length=32)
    detail = fields.TextField(default="")
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "user_actions"


# A person's previous email for a while after it changed: the course player may still
# report activity under it. Only an address no user has now resolves to them.
class EmailAliasRow(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="email_aliases", on_delete=fields.CASCADE
    )
    user_id: int
    until = fields.DatetimeField()

    class Meta:
        table = "email_aliases"


# One change in the school, written in the transaction that made it. Plain ids, no
# foreign keys: an event outlives the person, group or course it names, and the log
# shows what has gone as ``deleted user #<id>``. Each index ends with (occurred_at, id)
# so every filter of the log pages by keyset, newest first; a person's has group_id
# before it, so a group's log finds its members' events of no group directly.
class SchoolEventRow(Model):
    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    type = fields.CharField(max_length=32)
    how = fields.CharField(max_length=16)
    actor_id = fields.IntField(null=True)
    user_id = fields.IntField(null=True)
    group_id = fields.IntField(null=True)
    course_id = fields.IntField(null=True)
    job_id = fields.IntField(null=True)
    detail = fields.TextField(default="")

    class Meta:
        table = "school_events"
        indexes = (
            Index(fields=("occurred_at", "id"), name="school_events_time"),
            Index(fields=("type", "occurred_at", "id"), name="school_events_type"),
            Index(fields=("group_id", "occurred_at", "id"), name="school_events_group"),
            Index(fields=("user_id", "group_id", "occurred_at", "id"), name="school_events_user"),
        )


# A channel following the school's events as they happen: the events of one group (or,
# with no group, the whole school), of some types (none: all). ``cursor`` is the last
# event the feed handled for it, so a new leader carries on where the old one stopped.
class EventSubscriptionRow(Model):
    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=32, db_index=True)
    group: fields.ForeignKeyNullableRelation[GroupRow] = fields.ForeignKeyField(
        "models.GroupRow", on_delete=fields.CASCADE, null=True
    )
    group_id: int | None
    types = fields.TextField(default="")
    created_by: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", on_delete=fields.SET_NULL, null=True
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    cursor = fields.BigIntField(default=0)

    class Meta:
        table = "event_subscriptions"


# An HTTPS endpoint of another system of the school, sent the events of ``types`` (none:
# all) signed with its own secret. ``cursor`` is the last event turned into deliveries;
# ``failing_since`` the first failure since its last success.
class WebhookEndpointRow(Model):
    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    secret = fields.CharField(max_length=100)
    types = fields.TextField(default="")
    created_at = fields.DatetimeField()
    cursor = fields.BigIntField(default=0)
    failing_since = fields.DatetimeField(null=True)
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoints"


# One event owed to one endpoint: tried until it is taken, or a day has passed.
class WebhookDeliveryRow(Model):
    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpointRow] = fields.ForeignKeyField(
        "models.WebhookEndpointRow", on_delete=fields.CASCADE
    )
    endpoint_id: int
    event_id = fields.BigIntField()
    state = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField()
    last_error = fields.CharField(max_length=300, default="")

    class Meta:
        table = "webhook_deliveries"
        indexes = (Index(fields=("state", "next_attempt_at"), name="webhook_deliveries_due"),)
