"""/group typed in Slack, end to end: signed HTTP in, what the user sees out."""

from __future__ import annotations

from domain.permissions import Capability
from storage.models import EnrollmentRow, GroupRow, MembershipRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, OTHER_MANAGER, Roster


async def test_help_lists_every_command_with_an_example(roster: Roster) -> None:
    text = await roster.run(ADMIN, "help")
    for command in (
        "list",
        "create",
        "add",
        "remove",
        "members",
        "courses",
        "managers",
        "rename",
        "delete",
        "course new",
        "course list",
    ):
        assert f"/group {command}" in text
    assert 'e.g. `/group add "Sales Onboarding" ana@school.org Ana García`' in text


async def test_an_unknown_subcommand_answers_with_the_nearest_usage(roster: Roster) -> None:
    text = await roster.run(ADMIN, "memebers Sales")
    assert "`memebers` is not a /group command" in text
    assert "Did you mean `/group members`?" in text
    assert "*Usage:* `/group members <group> [segment]`" in text


async def test_a_wrong_argument_count_answers_with_that_commands_usage(roster: Roster) -> None:
    text = await roster.run(ADMIN, "add Sales")
    assert "`add` needs more" in text
    assert "*Usage:* `/group add <group> <email> [name or username]`" in text


async def test_titles_are_unique_regardless_of_case(school: Roster) -> None:
    text = await school.run(ADMIN, "create SALES team")
    assert "called *Sales Team*" in text and "already exists" in text
    assert await GroupRow.all().count() == 2


async def test_adding_a_new_email_creates_an_invited_user_enrolled_in_the_courses(
    school: Roster,
) -> None:
    text = await school.run(ADMIN, 'add "Sales Team" Bob@Example.org bobby')
    assert "Added *bobby* (bob@example.org) to *Sales Team*" in text
    assert "New school user, status _invited_" in text
    assert "Enrolled in *Python 101*" in text
    user = await UserRow.get(email="bob@example.org")
    assert user.status == "invited"
    assert await EnrollmentRow.filter(user_id=user.id).count() == 1


async def test_a_name_and_surname_is_a_username_quoted_or_not(school: Roster) -> None:
    text = await school.run(ADMIN, 'add "Sales Team" ana@example.org Ana   García')
    assert "Added *Ana García* (ana@example.org)" in text
    text = await school.run(ADMIN, 'add "Sales Team" fatima@example.org "Fatima Smith-Jones"')
    assert "Added *Fatima Smith-Jones* (fatima@example.org)" in text
    names = await UserRow.filter(email__in=["ana@example.org", "fatima@example.org"]).values_list(
        "username", flat=True
    )
    assert sorted(names) == ["Ana García", "Fatima Smith-Jones"]


async def test_a_name_with_a_control_character_is_refused_and_nothing_is_stored(
    school: Roster,
) -> None:
    text = await school.run(ADMIN, 'add "Sales Team" ana@example.org "Ana\x01García"')
    assert "The username is not right" in text
    assert "invisible control character (U+0001)" in text
    assert "type the username again without it" in text
    assert not await UserRow.filter(email="ana@example.org").exists()


async def test_adding_an_existing_user_says_so_and_reports_current_enrolments(
    school: Roster,
) -> None:
    await school.run(ADMIN, 'add "Sales Team" bob@example.org')
    await school.run(ADMIN, 'remove "Sales Team" bob@example.org')
    text = await school.run(ADMIN, 'add "Sales Team" bob@example.org')
    assert "Existing school user" in text
    assert "Already enrolled in *Python 101*" in text
    assert await UserRow.filter(email="bob@example.org").count() == 1


async def test_adding_a_member_twice_changes_nothing(school: Roster) -> None:
    await school.run(ADMIN, 'add "Sales Team" bob@example.org')
    text = await school.run(ADMIN, 'add "Sales Team" BOB@example.org')
    assert "already a member of *Sales Team*; nothing changed" in text
    assert await MembershipRow.all().count() == 2  # bob here, lea in Support


async def test_an_invalid_email_is_refused_with_the_expected_form(school: Roster) -> None:
    text = await school.run(ADMIN, 'add "Sales Team" bob@@example')
    assert "not a valid email address; use the form ada@school.org" in text
    assert not await UserRow.filter(email__contains="bob").exists()


async def test_the_seat_limit_is_respected(school: Roster) -> None:
    group = await GroupRow.get(title="Sales Team")
    group.seat_limit = 1
    await group.save()
    await school.run(ADMIN, 'add "Sales Team" one@example.org')
    text = await school.run(ADMIN, 'add "Sales Team" two@example.org')
    assert "*Sales Team* is full: all 1 seats are taken" in text
    assert not await UserRow.filter(email="two@example.org").exists()


async def test_removing_a_member_keeps_the_school_user(school: Roster) -> None:
    await school.run(ADMIN, 'add "Sales Team" bob@example.org')
    text = await school.run(ADMIN, 'remove "Sales Team" bob@example.org')
    assert "Removed *bob*" in text and "stay a school user" in text
    assert await UserRow.filter(email="bob@example.org").exists()
    text = await school.run(ADMIN, 'remove "Sales Team" bob@example.org')
    assert "is not a member of this group" in text


async def test_members_show_last_login_and_current_courses(school: Roster) -> None:
    await school.run(ADMIN, 'add "Sales Team" bob@example.org')
    text = await school.run(MANAGER, 'members "Sales Team"')
    assert "Members of Sales Team (1)" in text
    assert "*bob* · bob@example.org · _invited_" in text
    assert "last login: never · courses: Python 101" in text


async def test_an_unknown_group_answers_with_the_closest_titles(school: Roster) -> None:
    text = await school.run(ADMIN, "members Sales")
    assert "There is no group called *Sales*. Did you mean *Sales Team*?" in text


async def test_a_group_can_be_named_by_id(school: Roster) -> None:
    group = await GroupRow.get(title="Support")
    text = await school.run(ADMIN, f"members #{group.id}")
    assert "Members of Support (1)" in text


async def test_courses_managers_and_rename(school: Roster) -> None:
    assert "now includes *Onboarding*" in await school.run(ADMIN, "courses Support add onboarding")
    assert "already includes" in await school.run(ADMIN, "courses Support add Onboarding")
    assert "no longer includes *Onboarding*" in await school.run(
        ADMIN, "courses Support remove Onboarding"
    )
    assert f"<@{MANAGER}> does not manage *Support*" in await school.run(
        ADMIN, f"managers Support remove @{MANAGER}"
    )
    assert f"<@{OTHER_MANAGER}> no longer manages *Support*" in await school.run(
        ADMIN, f"managers Support remove @{OTHER_MANAGER}"
    )
    assert "Renamed *Support* to *Customer Support*" in await school.run(
        ADMIN, "rename Support Customer Support"
    )
    assert await GroupRow.filter(title="Customer Support").exists()


async def test_managers_must_be_mentioned(school: Roster) -> None:
    text = await school.run(ADMIN, "managers Support add max")
    assert "Mention the person with @" in text


async def test_a_bot_cannot_be_a_manager(school: Roster) -> None:
    text = await school.run(ADMIN, f"managers Support add @{school.slack.bot_user_id}")
    assert "can't be a manager: it is a bot" in text


async def test_delete_asks_first_and_keeps_the_members_as_users(school: Roster) -> None:
    interaction = await school.driver.command(ADMIN, "delete Support")
    question = await interaction.reply()
    assert "Delete *Support*" in question.text
    assert await GroupRow.filter(title="Support").exists()
    click = await school.driver.click(ADMIN, question, "groups.delete.confirmed")
    assert "Deleted *Support*" in (await click.reply()).text
    assert not await GroupRow.filter(title="Support").exists()
    assert await UserRow.filter(email="lea@school.org").exists()


async def test_cancelling_a_delete_keeps_the_group(school: Roster) -> None:
    question = await (await school.driver.command(ADMIN, "delete Support")).reply()
    click = await school.driver.click(ADMIN, question, "groups.delete.cancelled")
    assert "nothing was deleted" in (await click.reply()).text
    assert await GroupRow.filter(title="Support").exists()


async def test_the_catalogue(school: Roster) -> None:
    text = await school.run(ADMIN, "course list")
    assert "Course catalogue (2)" in text
    assert "*Onboarding*" in text and "*Python 101*" in text
    assert "already exists" in await school.run(ADMIN, "course new python 101")


async def test_list_shows_the_dashboard_of_the_callers_groups(school: Roster) -> None:
    text = await school.run(ADMIN, "list")
    assert "Your groups (2)" in text
    assert "*Sales Team*" in text and "*Support*" in text
    assert "*Courses*\nPython 101" in text
    assert f"*Managers*\n<@{MANAGER}>" in text
    manager_view = await school.run(MANAGER, "list")
    assert "Your groups (1)" in manager_view and "Support" not in manager_view


async def test_an_unexpected_failure_shows_a_reference_and_no_stack_trace(
    roster: Roster,
) -> None:
    roster.slack.rate_limit("views.open", times=10, retry_after=0)
    text = await roster.run(ADMIN, "create")
    assert "Something went wrong on our side (reference `" in text
    assert "Traceback" not in text and "SlackApiError" not in text
    assert len(roster.slack.calls_to("views.open")) == 6  # the first try and five retries


async def test_members_are_paged_in_place(school: Roster) -> None:
    admin = await school.services.users.actor(ADMIN)
    group = await school.services.groups.resolve(admin, "Sales Team", Capability.BASIC_USER_ACTIONS)
    for i in range(45):
        await school.services.members.add(admin, group, email=f"p{i:02d}@example.org")
    first = await (await school.driver.command(MANAGER, 'members "Sales Team"')).reply()
    assert "Showing 1-20 of 45" in first.text and "*p00*" in first.text
    click = await school.driver.click(MANAGER, first, "members.page.next")
    second = await click.reply()
    assert second.payload["replace_original"] is True
    assert "Showing 21-40 of 45" in second.text and "*p20*" in second.text
    third = await (await school.driver.click(MANAGER, second, "members.page.next")).reply()
    assert "Showing 41-45 of 45" in third.text
    assert "members.page.next" not in str(third.blocks)
