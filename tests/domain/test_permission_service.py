"""Who may do what, as the services decide it from what the store holds on each request."""

from __future__ import annotations

import pytest

from domain.entities import SlackProfile
from domain.errors import DenialReason, GroupNotFound, InvalidInput, NotLinkable, PermissionDenied
from domain.permissions import Capability
from tests.fakes.school import School


async def denial(school: School, slack_id: str) -> DenialReason:
    """Why this caller may not view the groups of the school."""
    with pytest.raises(PermissionDenied) as caught:
        await school.groups.dashboard(await school.users.actor(slack_id))
    return caught.value.reason


async def test_someone_unknown_to_the_school_is_told_to_link_their_account() -> None:
    assert await denial(School(), "USTRANGER") is DenialReason.UNLINKED


async def test_a_learner_who_manages_no_group_is_not_a_manager() -> None:
    school = School()
    learner = SlackProfile("ULEARN", "lea@school.org", "Lea")
    await school.users.create_learner(email="lea@school.org")
    await school.users.link_caller(learner)
    assert await denial(school, "ULEARN") is DenialReason.NOT_A_MANAGER


async def test_a_manager_without_the_grant_is_told_which_one_they_lack() -> None:
    school = School()
    group = await school.group("Sales")
    await school.manager("UM", group, Capability.VIEW_USERS)
    assert await denial(school, "UM") is DenialReason.NOT_GRANTED


async def test_school_wide_actions_are_for_admins_only_whatever_was_granted() -> None:
    school = School()
    group = await school.group("Sales")
    manager = await school.manager("UM", group, Capability.MANAGE_USERS, Capability.VIEW_GROUPS)
    with pytest.raises(PermissionDenied) as caught:
        await school.groups.delete(manager, group)
    assert caught.value.reason is DenialReason.ADMIN_ONLY
    with pytest.raises(PermissionDenied):
        school.permissions.require_can_manage(manager)


async def test_another_managers_group_is_not_found_rather_than_forbidden() -> None:
    school = School()
    mine, theirs = await school.group("Mine"), await school.group("Theirs")
    manager = await school.manager("UM", mine, Capability.BASIC_USER_ACTIONS)
    with pytest.raises(GroupNotFound) as caught:
        await school.members.add(manager, theirs, email="ada@school.org")
    assert caught.value.name == f"#{theirs.id}"
    assert await school.user("ada@school.org") is None


async def test_a_revoked_grant_ends_on_the_managers_very_next_request() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    manager = await school.manager("UM", group, Capability.VIEW_GROUPS)
    assert (await school.groups.dashboard(manager)).total == 1
    user = await school.linked("UM")
    await school.permissions.save(admin, user, [])
    assert await denial(school, "UM") is DenialReason.NOT_GRANTED


async def test_a_manager_removed_from_their_group_holds_nothing_on_the_next_request() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    await school.manager("UM", group, Capability.VIEW_GROUPS)
    group = await school.groups.resolve(admin, "Sales", Capability.VIEW_GROUPS)
    await school.groups.remove_manager(admin, group, "UM")
    assert await denial(school, "UM") is DenialReason.NOT_A_MANAGER


async def test_ticking_all_of_manage_users_with_a_part_left_out_is_refused() -> None:
    school = School()
    group = await school.group("Sales")
    await school.manager("UM", group)
    admin = await school.admin()
    user = await school.linked("UM")
    ticked = [Capability.MANAGE_USERS, Capability.CREATE_USER]
    with pytest.raises(InvalidInput, match="left out"):
        await school.permissions.save(admin, user, ticked)
    with pytest.raises(InvalidInput, match="not a capability"):
        await school.permissions.save(admin, user, ["groups.delete"])
    assert (await school.permissions.of(admin, user)).capabilities == frozenset()


async def test_each_saved_change_is_kept_newest_first_and_a_repeat_is_none() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    await school.manager("UM", group, Capability.VIEW_GROUPS)
    user = await school.linked("UM")
    change = await school.permissions.save(admin, user, [Capability.VIEW_USERS])
    assert change is not None
    assert (change.granted, change.revoked) == (("users.view",), ("groups.view",))
    assert await school.permissions.save(admin, user, [Capability.VIEW_USERS]) is None
    shown = await school.permissions.of(admin, user)
    assert [c.granted for c in shown.history] == [("users.view",), ("groups.view",)]
    assert shown.group_titles == ("Sales",)


async def test_permissions_are_only_shown_for_someone_in_the_school() -> None:
    school = School()
    with pytest.raises(NotLinkable):
        await school.permissions.subject(await school.admin(), SlackProfile("UX", "x@x.org", "X"))
    assert await school.user("x@x.org") is None
