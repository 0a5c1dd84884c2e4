"""Admins grant and revoke managers' capabilities; managers see what they hold."""

from __future__ import annotations

from typing import Any

from slack_emulator.driver import block_texts
from slack_emulator.state import View
from storage.models import CapabilityGrantRow, PermissionChangeRow, UserRow
from tests.bot.conftest import ADMIN, LEARNER, MANAGER, Roster

USERS, GROUPS, ANALYTICS, LEARNING = (f"permissions.{i}" for i in range(4))
SEEDED = {"groups.view", "users.view", "users.manage.basic", "users.manage.create"}


def ticked(view: View) -> dict[str, list[str]]:
    """What the modal shows ticked, per checkbox input."""
    return {
        b["block_id"]: [o["value"] for o in b["element"].get("initial_options", [])]
        for b in view.body["blocks"]
        if b["type"] == "input"
    }


def only(view: View, **picked: list[str]) -> dict[str, list[str]]:
    """A submission that unticks every box but ``picked``, as an admin clicking them off
    would: Slack submits an untouched box with what it showed ticked."""
    return {field: picked.get(field, []) for field in ticked(view)}


def text(view: View) -> str:
    return "\n".join(block_texts(view.body["blocks"]))


async def open_permissions(roster: Roster, whose: str) -> View:
    interaction = await roster.driver.command(ADMIN, f"permissions {whose}")
    return await interaction.modal()


async def grants(slack_user_id: str) -> set[str]:
    user = await UserRow.get(slack_user_id=slack_user_id)
    return set(await CapabilityGrantRow.filter(user=user).values_list("capability", flat=True))


async def test_the_modal_round_trips_and_the_change_applies_at_once(school: Roster) -> None:
    modal = await open_permissions(school, f"@{MANAGER}")
    assert "Manages *Sales Team*" in text(modal)
    assert set(ticked(modal)[USERS]) == {"users.view", "users.manage.basic", "users.manage.create"}
    assert "groups.view" in ticked(modal)[GROUPS]
    assert await school.run(MANAGER, "members Support")  # warm: the manager is linked
    values: dict[str, Any] = {
        USERS: ["users.view", "users.manage.basic"],
        GROUPS: ["groups.view"],
        LEARNING: ["gradebook.manage"],
    }
    await school.driver.submit(ADMIN, modal, values)
    saved = text(modal)
    assert "Granted *View and manage gradebook*" in saved
    assert "Revoked *Manage users: Create a user*" in saved
    assert "applies from their next request" in saved

    again = await open_permissions(school, f"@{MANAGER}")
    assert ticked(again) == {
        USERS: ["users.manage.basic", "users.view"],
        GROUPS: ["groups.view"],
        ANALYTICS: [],
        LEARNING: ["gradebook.manage"],
    }
    assert f"by <@{ADMIN}>" in text(again) and "granted View and manage gradebook" in text(again)
    denied = await school.run(MANAGER, 'add "Sales Team" eve@example.org')
    assert "it needs the *Manage users: Create a user* permission" in denied
    assert "Added *lea*" in await school.run(MANAGER, 'add "Sales Team" lea@school.org')
    assert ":white_check_mark: View and manage gradebook" in await school.run(MANAGER, "whoami")


async def test_granting_manage_users_whole_ticks_every_part(school: Roster) -> None:
    modal = await open_permissions(school, f"@{MANAGER}")
    await school.driver.submit(ADMIN, modal, {USERS: ["users.manage"], GROUPS: ["groups.view"]})
    assert await grants(MANAGER) == {"users.manage", "groups.view"}
    again = await open_permissions(school, f"@{MANAGER}")
    assert len(ticked(again)[USERS]) == 7
    assert "Added *eve*" in await school.run(MANAGER, 'add "Sales Team" eve@example.org')


async def test_the_whole_with_parts_left_out_is_refused_on_the_field(school: Roster) -> None:
    modal = await open_permissions(school, f"@{MANAGER}")
    before = await grants(MANAGER)
    submitted = await school.driver.submit(
        ADMIN, modal, {USERS: ["users.manage", "users.manage.basic"]}
    )
    error = submitted.ack["errors"][USERS]
    assert "left out Manage users: Create a user" in error and "Untick" in error
    assert modal.open and await grants(MANAGER) == before


async def test_the_school_default_applies_to_managers_assigned_afterwards(school: Roster) -> None:
    modal = await open_permissions(school, "default")
    assert {key for keys in ticked(modal).values() for key in keys} == SEEDED
    await school.driver.submit(
        ADMIN, modal, only(modal, **{ANALYTICS: ["analytics.view", "analytics.export"]})
    )
    assert "It applies to new managers from now on" in text(modal)
    assert "now manages" in await school.run(ADMIN, f"managers Support add @{LEARNER}")
    assert await grants(LEARNER) == {"analytics.view", "analytics.export"}
    assert await grants(MANAGER) == SEEDED
    note = await PermissionChangeRow.filter(subject__slack_user_id=LEARNER).first()
    assert note is not None and note.note == "school default on assignment to Support"


async def test_app_home_leads_an_admin_to_any_managers_permissions(school: Roster) -> None:
    home = await school.driver.home(ADMIN)
    picked = await school.driver.click(ADMIN, home, "permissions.open")
    picker = await picked.modal()
    await school.driver.submit(ADMIN, picker, {"manager": MANAGER})
    assert "Permissions of <@U0MANAGER> (max@school.org)" in text(picker)
    assert picker.body["callback_id"] == "permissions.edit"


async def test_help_marks_what_the_caller_cannot_use(school: Roster) -> None:
    modal = await open_permissions(school, f"@{MANAGER}")
    await school.driver.submit(ADMIN, modal, only(modal, **{GROUPS: ["groups.view"]}))
    lines = (await school.run(MANAGER, "help")).splitlines()
    locked = {line.split("`")[1].split()[1] for line in lines if line.startswith(":lock:")}
    assert locked == {
        "create",
        "user",
        "add",
        "remove",
        "courses",
        "managers",
        "rename",
        "delete",
        "course",
        "permissions",
        "resend-invites",
        "import",
        "template",
        "notifications",
        "log",
        "import-settings",
        "enrol",
        "unenrol",
        "segment",
        "review",
        "graded",
        "gradebook",
        "grade-release",
        "certificates",
        "certificate-award",
        "report",
        "schedule",
        "subscribe",
        "subscriptions",
        "unsubscribe",
        "webhooks",
    }
    assert "_needs Manage users: Basic user actions_" in "\n".join(lines)
    assert not any(
        line.startswith(":lock:") for line in (await school.run(ADMIN, "help")).splitlines()
    )
