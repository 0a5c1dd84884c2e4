"""GroupService on the fake store: titles, finding groups, courses and managers."""

from __future__ import annotations

import pytest

from domain.entities import SlackProfile
from domain.errors import GroupNotFound, InvalidInput, NotLinkable, PermissionDenied, TitleTaken
from domain.permissions import Capability
from tests.fakes.school import School


async def test_an_admin_creates_a_group_with_its_courses_and_seat_limit() -> None:
    school = School()
    python, sql = await school.course("Python"), await school.course("SQL")
    group = await school.groups.create(
        await school.admin(),
        title="  Sales   Team ",
        description="Q3 cohort",
        seat_limit="30",
        courses=[sql, python],
    )
    assert (group.title, group.description, group.seat_limit) == ("Sales Team", "Q3 cohort", 30)
    assert group.courses == (python, sql)
    assert await school.store.groups.find_by_key("sales team") == group


@pytest.mark.parametrize("clash", ["sales", "SALES", "\uff33ALES"])
async def test_a_title_is_taken_whatever_its_case_or_width(clash: str) -> None:
    school = School()
    sales = await school.group("Sales")
    with pytest.raises(TitleTaken) as caught:
        await school.group(clash)
    assert (caught.value.existing_title, caught.value.existing_id) == ("Sales", sales.id)
    assert await school.store.groups.titles(None) == ["Sales"]


async def test_a_bad_seat_limit_is_refused_before_anything_is_stored() -> None:
    school = School()
    with pytest.raises(InvalidInput, match="whole number"):
        await school.group("Sales", seats="thirty")
    assert await school.store.groups.titles(None) == []


async def test_a_group_is_found_by_its_title_in_any_case_or_by_its_id() -> None:
    school = School()
    sales = await school.group("Sales")
    admin = await school.admin()
    for name in ("sales", "SALES", f"#{sales.id}", str(sales.id)):
        assert await school.groups.resolve(admin, name, Capability.VIEW_GROUPS) == sales


async def test_a_misspelt_title_suggests_only_groups_the_manager_may_see() -> None:
    school = School()
    mine = await school.group("Sales North")
    await school.group("Sales South")
    manager = await school.manager("UM", mine, Capability.VIEW_GROUPS)
    with pytest.raises(GroupNotFound) as caught:
        await school.groups.resolve(manager, "Sales", Capability.VIEW_GROUPS)
    assert caught.value.suggestions == ("Sales North",)


async def test_a_group_the_manager_does_not_manage_answers_as_one_that_does_not_exist() -> None:
    school = School()
    mine, theirs = await school.group("Mine"), await school.group("Theirs")
    manager = await school.manager("UM", mine, Capability.VIEW_GROUPS)
    for name in ("Theirs", f"#{theirs.id}"):
        with pytest.raises(GroupNotFound) as caught:
            await school.groups.resolve(manager, name, Capability.VIEW_GROUPS)
        assert (caught.value.name, caught.value.suggestions) == (name, ())
    with pytest.raises(GroupNotFound) as missing:
        await school.groups.resolve(manager, "Nowhere", Capability.VIEW_GROUPS)
    assert missing.value.suggestions == ()


async def test_the_dashboard_shows_a_manager_only_their_groups() -> None:
    school = School()
    mine = await school.group("Mine")
    await school.group("Theirs")
    manager = await school.manager("UM", mine, Capability.VIEW_GROUPS)
    assert [g.title for g in (await school.groups.dashboard(manager)).items] == ["Mine"]
    everyone = await school.groups.dashboard(await school.admin())
    assert [g.title for g in everyone.items] == ["Mine", "Theirs"]


async def test_renaming_checks_the_title_and_tells_the_rules() -> None:
    school = School()
    admin = await school.admin()
    sales, support = await school.group("Sales"), await school.group("Support")
    with pytest.raises(TitleTaken):
        await school.groups.rename(admin, support, title="SALES")
    renamed = await school.groups.rename(admin, sales, title="SALES")
    assert renamed.title == "SALES"
    assert school.renamed == [("Sales", "SALES")]


async def test_a_course_included_twice_or_dropped_twice_changes_nothing() -> None:
    school = School()
    admin = await school.admin()
    python = await school.course("Python")
    group = await school.group("Sales")
    group, added = await school.groups.add_course(admin, group, python)
    assert (group.courses, added) == ((python,), True)
    assert (await school.groups.add_course(admin, group, python))[1] is False
    group, dropped = await school.groups.remove_course(admin, group, python)
    assert (group.courses, dropped) == ((), True)
    assert (await school.groups.remove_course(admin, group, python))[1] is False


async def test_a_new_manager_gets_the_school_default_once() -> None:
    school = School()
    admin = await school.admin()
    await school.permissions.save(admin, None, [Capability.VIEW_GROUPS, Capability.VIEW_USERS])
    first, second = await school.group("First"), await school.group("Second")
    ana = SlackProfile("UANA", "ana@school.org", "Ana")
    await school.groups.add_manager(admin, first, ana)
    assert (await school.users.actor("UANA")).capabilities == {"groups.view", "users.view"}
    user = await school.permissions.subject(admin, ana)
    await school.permissions.save(admin, user, [Capability.VIEW_GROUPS])
    await school.groups.add_manager(admin, second, ana)
    actor = await school.users.actor("UANA")
    assert actor.capabilities == {"groups.view"}
    assert actor.managed_group_ids == {first.id, second.id}
    notes = [c.note for c in (await school.permissions.of(admin, user)).history]
    assert notes == ["edited by an admin", "school default on assignment to First"]


async def test_a_bot_or_an_account_without_an_email_cannot_manage_a_group() -> None:
    school = School()
    group = await school.group("Sales")
    for profile in (
        SlackProfile("UBOT", "bot@school.org", "Bot", is_bot=True),
        SlackProfile("UX", None, "X"),
    ):
        with pytest.raises(NotLinkable):
            await school.groups.add_manager(await school.admin(), group, profile)
    assert await school.user("bot@school.org") is None
    assert await school.store.groups.get(group.id) == group


async def test_only_admins_create_groups() -> None:
    school = School()
    mine = await school.group("Mine")
    manager = await school.manager("UM", mine, Capability.VIEW_GROUPS)
    with pytest.raises(PermissionDenied):
        school.groups.require_can_create(manager)
    with pytest.raises(PermissionDenied):
        await school.groups.create(manager, title="Another")
    assert await school.store.groups.titles(None) == ["Mine"]


async def test_deleting_a_group_keeps_its_members_in_the_school() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    await school.members.add(admin, group, email="ada@school.org")
    await school.groups.delete(admin, group)
    assert await school.store.groups.get(group.id) is None
    assert await school.user("ada@school.org") is not None
