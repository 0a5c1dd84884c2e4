"""``roster demo`` keeps working: it is the first thing a newcomer runs."""

from __future__ import annotations

import pytest

from bot.demo import run_demo


async def test_the_demo_tour_runs_and_shows_a_grant_turning_denied_into_allowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await run_demo() == 0
    out = capsys.readouterr().out
    denied = out.index("it needs the *Manage users: Create a user* permission")
    granted = out.index("• Granted *Manage users: Bulk actions*, *Manage users: Create a user*")
    allowed = out.index("Added *nadia* (nadia@demo.school)")
    assert denied < granted < allowed


async def test_the_demo_follows_an_invitation_to_a_signed_in_learner(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await run_demo() == 0
    out = capsys.readouterr().out
    steps = [
        "Subject: You're invited to Demo School",
        "Not saved: it has 9 characters",
        "→ /me 200: Demo School Hello, nadia",
        "*nadia* · nadia@demo.school · _active_\n    │       last login: 20",
        "Python 101: 40% done",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)


async def test_the_demo_shows_a_bulk_import_from_upload_to_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await run_demo() == 0
    out = capsys.readouterr().out
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
