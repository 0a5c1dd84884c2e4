"""The Reports Center's counts on both engines: who needs attention, counted with
the course figures and named never-signed-in first, then stalled, each by email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.reports import IDLE_AFTER, Scope
from storage.models import (
    CourseRow,
    EnrollmentRow,
    GroupCourseRow,
    GroupRow,
    MembershipRow,
    UserRow,
)
from storage.reports import ReportStore

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
IDLE = NOW - IDLE_AFTER


async def _class(connected: str, people: dict[str, str]) -> Scope:
    """One group and course; each person ``never`` signed in, ``stalled``, ``active``
    or ``done`` (completed)."""
    group = await GroupRow.create(title="Team", title_key="team")
    course = await CourseRow.create(title="Python", title_key="python")
    await GroupCourseRow.create(group=group, course=course)
    for email, state in people.items():
        seen = None if state == "never" else NOW - timedelta(days=1)
        user = await UserRow.create(email=email, username=email[:3], last_login_at=seen)
        await MembershipRow.create(group=group, user=user)
        enrolled = NOW - timedelta(days=1 if state == "active" else 30)
        done = NOW - timedelta(days=2) if state == "done" else None
        await EnrollmentRow.create(user=user, course=course, completed_at=done)
        await EnrollmentRow.filter(user=user).update(enrolled_at=enrolled)
    return Scope(group.id)


async def test_never_signed_in_fill_the_list_before_anyone_stalled(connected: str) -> None:
    people = {f"n{i:02d}@s.org": "never" for i in range(12)} | {"a@s.org": "stalled"}
    scope = await _class(connected, people)
    reports = ReportStore()
    named = await reports.needing_attention(scope, now=NOW, idle_since=IDLE, limit=10)
    assert [r.email for r in named] == [f"n{i:02d}@s.org" for i in range(10)]
    (stats,) = await reports.course_stats(scope, now=NOW, idle_since=IDLE)
    assert (stats.needing_attention, stats.never_signed_in, stats.stalled) == (13, 12, 1)


async def test_fewer_never_signed_in_are_followed_by_the_stalled(connected: str) -> None:
    people = {
        "z@s.org": "never",
        "b@s.org": "stalled",
        "a@s.org": "stalled",
        "c@s.org": "active",
        "d@s.org": "done",
        "e@s.org": "never",
    }
    scope = await _class(connected, people)
    reports = ReportStore()
    named = await reports.needing_attention(scope, now=NOW, idle_since=IDLE, limit=10)
    assert [r.email for r in named] == ["e@s.org", "z@s.org", "a@s.org", "b@s.org"]
    assert [r.concern(IDLE).value for r in named] == ["never signed in"] * 2 + ["stalled"] * 2
    (stats,) = await reports.course_stats(scope, now=NOW, idle_since=IDLE)
    assert stats.needing_attention == 4 and stats.completed == 1
