"""MemberService on the fake store: adding, emailing, seat limits and rule members."""

from __future__ import annotations

import pytest

from domain.entities import UserStatus
from domain.errors import (
    DenialReason,
    InvalidInput,
    KeptByRule,
    MemberNotFound,
    PermissionDenied,
    SeatLimitReached,
)
from domain.letters import INVITE_LINK
from domain.permissions import Capability
from tests.fakes.school import School


async def test_someone_new_becomes_an_invited_user_enrolled_in_the_groups_courses() -> None:
    school = School()
    python, sql = await school.course("Python"), await school.course("SQL")
    group = await school.group("Sales", sql, python)
    school.changed.clear()
    added = await school.members.add(
        await school.admin(), group, email=" Ada@School.org ", username="Ada Lovelace"
    )
    assert (added.user.email, added.user.username) == ("ada@school.org", "Ada Lovelace")
    assert added.user.status is UserStatus.INVITED
    assert (added.created_user, added.enrolled, added.already_enrolled) == (True, (python, sql), ())
    assert school.changed == [([added.user.id], "added to Sales by hand")]


async def test_someone_new_gets_one_invitation_naming_the_group_and_its_courses() -> None:
    school = School()
    group = await school.group("Sales", await school.course("Python"))
    await school.members.add(await school.admin(), group, email="ada@school.org")
    [email] = await school.outbox()
    assert (email.to, email.trigger, email.subject) == (
        "ada@school.org",
        "invitation",
        "You're invited to Demo School",
    )
    assert "added to Sales" in email.text and "Your courses: Python." in email.text
    assert INVITE_LINK in email.text


async def test_someone_in_the_school_keeps_their_username_and_hears_of_the_new_courses() -> None:
    school = School()
    admin = await school.admin()
    python, sql = await school.course("Python"), await school.course("SQL")
    await school.members.add(admin, await school.group("First", python), email="ada@school.org")
    group = await school.group("Second", python, sql)
    added = await school.members.add(admin, group, email="ada@school.org", username="Someone")
    assert (added.user.username, added.created_user) == ("ada", False)
    assert (added.enrolled, added.already_enrolled) == ((sql,), (python,))
    emails = [(e.trigger, e.subject) for e in await school.outbox()][1:]
    assert emails == [
        ("membership_added", "Demo School: Second"),
        ("course_enrollment", "Demo School: new courses for you"),
    ]


async def test_joining_a_group_with_a_seat_limit_sends_the_seat_email() -> None:
    school = School()
    admin = await school.admin()
    await school.members.add(admin, await school.group("First"), email="ada@school.org")
    await school.members.add(admin, await school.group("Seats", seats=5), email="ada@school.org")
    assert [e.trigger for e in await school.outbox()] == ["invitation", "seat_enrollment"]


async def test_a_full_group_is_refused_and_nobody_is_created() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Tiny", seats=1)
    await school.members.add(admin, group, email="first@school.org")
    with pytest.raises(SeatLimitReached) as caught:
        await school.members.add(admin, group, email="second@school.org")
    assert (caught.value.group_title, caught.value.seat_limit) == ("Tiny", 1)
    assert await school.user("second@school.org") is None
    assert [e.to for e in await school.outbox()] == ["first@school.org"]


async def test_adding_a_member_twice_says_so_and_sends_nothing_more() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales", await school.course("Python"))
    school.changed.clear()
    await school.members.add(admin, group, email="ada@school.org")
    again = await school.members.add(admin, group, email="ada@school.org")
    assert (again.already_member, again.created_user, again.enrolled) == (True, False, ())
    assert len(await school.outbox()) == 1
    assert len(school.changed) == 1


async def test_a_member_the_rule_added_cannot_be_removed_by_hand() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    user = await school.users.create_learner(email="ada@school.org")
    school.store.add_by_rule(group.id, user)
    with pytest.raises(KeptByRule) as caught:
        await school.members.remove(admin, group, email="ada@school.org")
    assert (caught.value.email, caught.value.group_title) == ("ada@school.org", "Sales")
    [row] = (await school.members.page(admin, group)).items
    assert (row.user, row.by_rule) == (user, True)


async def test_removing_ends_the_membership_and_keeps_the_user() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    await school.members.add(admin, group, email="ada@school.org")
    removed = await school.members.remove(admin, group, email="ADA@school.org")
    assert removed.email == "ada@school.org"
    assert (await school.members.page(admin, group)).total == 0
    assert await school.user("ada@school.org") == removed
    with pytest.raises(MemberNotFound):
        await school.members.remove(admin, group, email="ada@school.org")


@pytest.mark.parametrize(
    ("username", "problem"),
    [
        ("Ada\nLovelace", "a line break"),
        ("Ada\u202eecalevoL", "U+202E"),
        ("Ada\x00", "U+0000"),
        ("A" * 65, "65 characters"),
    ],
)
async def test_an_unsafe_username_is_refused_before_anything_is_stored(
    username: str, problem: str
) -> None:
    school = School()
    group = await school.group("Sales")
    school.changed.clear()
    with pytest.raises(InvalidInput) as caught:
        await school.members.add(
            await school.admin(), group, email="a@school.org", username=username
        )
    assert (caught.value.field, problem in caught.value.message) == ("username", True)
    assert await school.user("a@school.org") is None
    assert await school.outbox() == []
    assert school.changed == []


@pytest.mark.parametrize("email", ["", "ada", "ada@school", "<mailto:ada@school.org|ada>"])
async def test_an_address_that_is_not_one_is_refused(email: str) -> None:
    school = School()
    group = await school.group("Sales")
    with pytest.raises(InvalidInput) as caught:
        await school.members.add(await school.admin(), group, email=email)
    assert caught.value.field == "email"
    assert (await school.store.groups.get(group.id)) == group


async def test_a_manager_needs_create_a_user_to_add_someone_new_to_the_school() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    await school.members.add(admin, await school.group("Other"), email="known@school.org")
    manager = await school.manager("UM", group, Capability.BASIC_USER_ACTIONS)
    added = await school.members.add(manager, group, email="known@school.org")
    assert not added.created_user
    with pytest.raises(PermissionDenied) as caught:
        await school.members.add(manager, group, email="new@school.org")
    assert caught.value.reason is DenialReason.NOT_GRANTED
    assert caught.value.capability == "Manage users: Create a user"
    assert await school.user("new@school.org") is None
