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
    granted = out.index("• Granted *Manage users: Create a user*")
    allowed = out.index("Added *nadia* (nadia@demo.school)")
    assert denied < granted < allowed
