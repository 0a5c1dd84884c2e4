"""Deactivated and guest Slack accounts can't become managers or school admins, by any
way in: the command, the managers form, the create-group form and `roster admin add`."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

import pytest

from bot.cli import main
from slack_emulator import SlackEmulator
from storage import db
from storage.models import GroupManagerRow, GroupRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, OTHER_MANAGER, STRANGER, Roster

GONE, GUEST, SINGLE = "U0GONE0001", "U0GUEST001", "U0SINGLE01"
WHY = {
    GONE: "their Slack account is deactivated. Choose someone active, or ask a Slack admin to "
    "reactivate the account first",
    GUEST: "they are a multi-channel guest in Slack, and guests can't manage groups or be "
    "school admins. Ask a Slack admin to make them a full member first",
    SINGLE: "they are a single-channel guest in Slack, and guests can't manage groups or be "
    "school admins. Ask a Slack admin to make them a full member first",
}


def _people(slack: SlackEmulator) -> None:
    slack.add_member(GONE, "Gus Gone", "gus@school.org", deleted=True)
    slack.add_member(GUEST, "Gia Guest", "gia@partner.org", restricted=True)
    slack.add_member(SINGLE, "Sol Single", "sol@partner.org", ultra_restricted=True)


@pytest.fixture
async def accounts(school: Roster) -> Roster:
    _people(school.slack)
    return school


async def _managers_of(title: str) -> list[str]:
    group = await GroupRow.get(title=title)
    rows = await GroupManagerRow.filter(group_id=group.id).prefetch_related("user")
    return sorted(row.user.slack_user_id for row in rows)


async def _nobody_linked() -> bool:
    return not await UserRow.filter(slack_user_id__in=list(WHY)).exists()


async def test_the_managers_command_says_why_a_deactivated_or_guest_account_cant_manage(
    accounts: Roster,
) -> None:
    for who, why in WHY.items():
        said = await accounts.run(ADMIN, f'managers "Sales Team" add @{who}')
        assert f"<@{who}> can't be a manager: {why}." in said
    assert await _managers_of("Sales Team") == [MANAGER]
    assert await _nobody_linked()


async def test_the_managers_form_keeps_the_managers_when_one_chosen_is_a_guest(
    accounts: Roster,
) -> None:
    support = await GroupRow.get(title="Support")
    home = await accounts.driver.home(ADMIN)
    opened = await accounts.driver.click(
        ADMIN, home, "groups.menu", option=f"managers:{support.id}"
    )
    modal = await opened.modal()
    await accounts.driver.submit(ADMIN, modal, {"managers": [MANAGER, GUEST]})
    await accounts.slack.wait_for(lambda: "can't be a manager" in str(modal.body))
    assert f"<@{GUEST}> can't be a manager: {WHY[GUEST]}." in str(modal.body)
    assert await _managers_of("Support") == [OTHER_MANAGER]
    assert await _nobody_linked()


async def test_the_create_form_creates_nothing_with_a_deactivated_manager(
    accounts: Roster,
) -> None:
    modal = await (await accounts.driver.command(ADMIN, "create")).modal()
    chosen = {"title": "Marketing", "managers": [STRANGER, GONE]}
    await accounts.driver.submit(ADMIN, modal, chosen)
    await accounts.slack.wait_for(lambda: "can't be a manager" in str(modal.body))
    assert f"<@{GONE}> can't be a manager: {WHY[GONE]}." in str(modal.body)
    assert not await GroupRow.filter(title="Marketing").exists()
    assert await _nobody_linked()
    assert not await UserRow.filter(slack_user_id=STRANGER).exists(), "nobody is linked"


async def _roster_cli(*args: str) -> tuple[int, str]:
    """`roster …` in a thread of its own (it runs its own event loop): exit code and
    everything it printed."""
    out = io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return main(list(args))

    return await asyncio.to_thread(run), out.getvalue()


async def test_roster_admin_add_refuses_a_deactivated_or_guest_account(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = SlackEmulator()
    await slack.start()
    try:
        _people(slack)
        slack.add_member(ADMIN, "Ada Admin", "ada@slack-profile.org")
        monkeypatch.setenv("SLACK_BOT_TOKEN", slack.bot_token)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("DATABASE_URL", database_url)
        for who in (GONE, GUEST):
            code, said = await _roster_cli(
                "admin", "add", "--slack-user", who, "--email", "x@s.org"
            )
            assert (code, said.strip()) == (1, f"roster: {who}: {WHY[who]}")
        code, said = await _roster_cli(
            "admin", "add", "--slack-user", ADMIN, "--email", "ada@s.org"
        )
        assert (code, said.strip()) == (0, f"ada@s.org (<@{ADMIN}>) is a school admin.")
    finally:
        await slack.stop()
    await db.connect(database_url)
    try:
        admins = await UserRow.filter(is_admin=True).values_list("slack_user_id", "email")
        assert admins == [(ADMIN, "ada@s.org")]
        assert await _nobody_linked()
    finally:
        await db.close()


async def test_roster_admin_add_needs_the_bot_token_to_ask_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", db.sqlite_url(tmp_path / "roster.sqlite3"))
    code, said = await _roster_cli("admin", "add", "--slack-user", ADMIN, "--email", "ada@s.org")
    assert code == 2 and "SLACK_BOT_TOKEN is not set" in said
