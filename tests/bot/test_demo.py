"""``roster demo`` keeps working: it is the first thing a newcomer runs."""

from __future__ import annotations

import asyncio
import contextlib
import io

import pytest

from bot.demo import run_demo


@pytest.fixture(scope="module")
def out() -> str:
    """The tour's output, run once for every test here: it takes a while."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert asyncio.run(run_demo()) == 0
    return printed.getvalue()


def test_the_demo_tour_runs_and_shows_a_grant_turning_denied_into_allowed(out: str) -> None:
    denied = out.index("it needs the *Manage users: Create a user* permission")
    granted = out.index("• Granted *Manage users: Bulk actions*, *Manage users: Create a user*")
    allowed = out.index("Added *nadia* (nadia@demo.school)")
    assert denied < granted < allowed


def test_the_demo_follows_an_invitation_to_a_signed_in_learner(out: str) -> None:
    steps = [
        "Subject: You're invited to Demo School",
        "Not saved: it has 9 characters",
        "→ /me 200: Demo School Hello, nadia",
        "*nadia* · nadia@demo.school · _active_\n    │       last login: 20",
        "Python 101: 40% done",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_demo_shows_a_bulk_import_from_upload_to_summary(out: str) -> None:
    steps = [
        "*3,000* row(s) ready: *3,000* new to the school",
        "• Row 3002, *username*: is empty; type a username.",
        "asks for *Bulk add to Spring Cohort: trainees.xlsx*: *3,000* row(s) ready",
        "Decision: ☑ Approve",
        "rows/s",
        "*3,000* created, *3,000* added to the group",
        "[file: trainees-results.xlsx]",
        "*done with errors*",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_demo_previews_a_rule_group_and_an_event_moves_a_learner_in(out: str) -> None:
    steps = [
        "== Preview of the rule for Python Club ==",
        "*1* people match. Saving adds *1* and removes *0*.",
        "[ Save rule ] [ Cancel ]",
        "Done: the rule for *Python Club* added *1* and removed *0*.",
        "s after the report)",
        "*nadia* · nadia@demo.school · _active_ · :gear: by rule",
        ":heavy_plus_sign: nadia@demo.school (course progress reported by the course player)",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_demo_grades_nadias_assignment_and_verifies_her_certificate(out: str) -> None:
    steps = [
        "Review queue in Sales Onboarding: 1 waiting",
        "You're grading",
        "type a score from 0 to 10",
        "Graded *nadia*",
        "Subject: Demo School: your grade in Essay: why tests matter",
        "Gradebook: Sales Onboarding",
        "Certificates in Sales Onboarding",
        "GET /verify/… → 200: Demo School Certificate verification Valid",
        '"status": "valid"',
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_demo_schedules_a_weekly_report_and_runs_it_now(out: str) -> None:
    steps = [
        "Scheduled report *#1*: progress of *Sales Onboarding*, weekly on mon at 09:00",
        "was posted to",
        "Progress of Sales Onboarding",
        "*Python 101* ·",
        "[file: completion-sales-onboarding.png]",
        "learners-sales-onboarding-",
        "Activity Log: scheduled reports",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_demo_opens_a_card_fixes_a_name_and_suspends_and_reactivates(out: str) -> None:
    steps = [
        "Max clicks *Card* on Nadia's row:",
        "*Username:* nadia",
        "Saved the changes to *Nadia Haddad* (nadia@demo.school)",
        "username: nadia → Nadia Haddad",
        "Suspended *lin*",
        "*Status:* *suspended*",
        "Reactivated *lin*",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_demo_shows_a_channel_following_sales_onboarding(out: str) -> None:
    steps = [
        "now follows every event in *Sales Onboarding*, as it happens.",
        "*12* people joined *Sales Onboarding* · bulk job #2 by ada@demo.school",
        "↳ trainee0000@demo.school",
        "*nadia@demo.school* completed *Onboarding* · from the course player",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
