"""App Home and the modals, clicked and submitted the way a person would."""

from __future__ import annotations

from domain.permissions import Capability
from storage.models import GroupCourseRow, GroupManagerRow, GroupRow, MembershipRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, Roster


async def test_app_home_shows_the_dashboard_with_the_callers_actions(school: Roster) -> None:
    home = await school.driver.home(ADMIN)
    assert "*Sales Team*" in home.text and "*Support*" in home.text
    assert "Create group" in home.text
    manager_home = await school.driver.home(MANAGER)
    assert "*Sales Team*" in manager_home.text and "Support" not in manager_home.text
    assert "Create group" not in manager_home.text
    assert "Manager permissions" in home.text and "Manager permissions" not in manager_home.text
    row = next(b for b in manager_home.blocks if b["type"] == "actions")
    assert [e.get("text", {}).get("text") for e in row["elements"]] == [
        "Manage members",
        "Add member",
        "Resend invites",
    ]


async def test_create_group_modal_round_trip(school: Roster) -> None:
    opened = await school.driver.command(ADMIN, "create")
    modal = await opened.modal()
    python = next(
        o["value"]
        for o in modal.body["blocks"][2]["element"]["options"]
        if o["text"]["text"] == "Python 101"
    )
    submitted = await school.driver.submit(
        ADMIN,
        modal,
        {
            "title": "Marketing",
            "description": "Growth people",
            "courses": [python],
            "managers": [MANAGER],
            "seat_limit": "12",
        },
    )
    assert submitted.ack["response_action"] == "update"
    assert "Created *Marketing*" in modal.body["blocks"][0]["text"]["text"]
    group = await GroupRow.get(title="Marketing")
    assert (group.description, group.seat_limit) == ("Growth people", 12)
    assert await GroupCourseRow.filter(group_id=group.id).count() == 1
    assert await GroupManagerRow.filter(group_id=group.id).count() == 1
    await submitted.call("views.publish")


async def test_a_clashing_title_is_shown_on_the_title_field(school: Roster) -> None:
    modal = await (await school.driver.command(ADMIN, "create")).modal()
    submitted = await school.driver.submit(ADMIN, modal, {"title": "support"})
    assert submitted.ack["response_action"] == "errors"
    assert "called *Support*" in submitted.ack["errors"]["title"]
    assert await GroupRow.all().count() == 2


async def test_add_member_from_app_home(school: Roster) -> None:
    home = await school.driver.home(MANAGER)
    click = await school.driver.click(MANAGER, home, "groups.add_member")
    modal = await click.modal()
    submitted = await school.driver.submit(MANAGER, modal, {"email": "new@example.org"})
    assert "Added *new* (new@example.org)" in modal.body["blocks"][0]["text"]["text"]
    assert submitted.ack["response_action"] == "update"
    user = await UserRow.get(email="new@example.org")
    assert await MembershipRow.filter(user_id=user.id).count() == 1


async def test_an_invalid_email_in_the_modal_is_shown_on_its_field(school: Roster) -> None:
    home = await school.driver.home(MANAGER)
    modal = await (await school.driver.click(MANAGER, home, "groups.add_member")).modal()
    users = await UserRow.all().count()
    submitted = await school.driver.submit(MANAGER, modal, {"email": "not-an-email"})
    assert "not a valid email address" in submitted.ack["errors"]["email"]
    assert await UserRow.all().count() == users


async def test_rename_courses_managers_and_delete_from_the_menu(school: Roster) -> None:
    home = await school.driver.home(ADMIN)
    support = await GroupRow.get(title="Support")

    rename = await (
        await school.driver.click(ADMIN, home, "groups.menu", option=f"rename:{support.id}")
    ).modal()
    await school.driver.submit(ADMIN, rename, {"title": "Helpdesk"})
    assert "Renamed *Support* to *Helpdesk*" in rename.body["blocks"][0]["text"]["text"]

    courses = await (
        await school.driver.click(ADMIN, home, "groups.menu", option=f"courses:{support.id}")
    ).modal()
    values = [o["value"] for o in courses.body["blocks"][1]["element"]["options"]]
    await school.driver.submit(ADMIN, courses, {"courses": values})
    assert await GroupCourseRow.filter(group_id=support.id).count() == 2

    managers = await (
        await school.driver.click(ADMIN, home, "groups.menu", option=f"managers:{support.id}")
    ).modal()
    await school.driver.submit(ADMIN, managers, {"managers": [MANAGER]})
    manager = await UserRow.get(slack_user_id=MANAGER)
    assert await GroupManagerRow.filter(group_id=support.id).values_list("user_id", flat=True) == [
        manager.id
    ]

    delete = await (
        await school.driver.click(ADMIN, home, "groups.menu", option=f"delete:{support.id}")
    ).modal()
    await school.driver.submit(ADMIN, delete, {})
    assert not await GroupRow.filter(id=support.id).exists()
    assert await UserRow.filter(email="lea@school.org").exists()


async def test_members_from_app_home_open_a_paged_modal(school: Roster) -> None:
    admin = await school.services.users.actor(ADMIN)
    group = await school.services.groups.resolve(admin, "Sales Team", Capability.BASIC_USER_ACTIONS)
    for i in range(25):
        await school.services.members.add(admin, group, email=f"learner{i:02d}@example.org")
    home = await school.driver.home(MANAGER)
    modal = await (await school.driver.click(MANAGER, home, "groups.members")).modal()
    assert "Showing 1-20 of 25" in str(modal.body)
    click = await school.driver.click(MANAGER, modal, "members.page.next")
    await click.call("views.update")
    assert "Showing 21-25 of 25" in str(school.slack.views[modal.id].body)
