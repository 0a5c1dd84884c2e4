"""UserService on the fake store: who a caller is, and how Slack accounts become users."""

from __future__ import annotations

from domain.entities import SlackProfile, UserStatus
from tests.fakes.school import ADMIN, School


async def test_being_in_the_slack_workspace_does_not_make_anyone_a_school_user() -> None:
    school = School()
    actor = await school.users.link_caller(SlackProfile("UX", "x@school.org", "X"))
    assert (actor.user_id, actor.is_admin) == (None, False)
    assert await school.user("x@school.org") is None


async def test_a_learner_who_uses_slack_is_linked_by_their_email() -> None:
    school = School()
    learner = await school.users.create_learner(email="lea@school.org", username="Lea")
    actor = await school.users.link_caller(SlackProfile("ULEA", "LEA@school.org", "Lea"))
    assert actor.user_id == learner.id
    assert (await school.linked("ULEA")).status is UserStatus.ACTIVE


async def test_an_admin_named_in_settings_gets_a_school_user_but_no_admin_flag() -> None:
    school = School()
    actor = await school.users.link_caller(SlackProfile(ADMIN, "boss@school.org", "Boss"))
    user = await school.linked(ADMIN)
    assert (actor.is_admin, actor.user_id, user.is_admin) == (True, user.id, False)
    assert school.changed == [([user.id], "an admin's first request")]
    assert await school.users.admin_slack_ids() == [ADMIN]


async def test_whoami_lists_the_groups_someone_manages_by_title() -> None:
    school = School()
    for title in ("beta", "Alpha"):
        await school.manager("UM", await school.group(title))
    identity = await school.users.whoami(await school.users.actor("UM"))
    assert identity.group_titles == ("Alpha", "beta")
    assert identity.user is not None and identity.user.email == "um@school.org"
    assert not identity.admin_from_settings
