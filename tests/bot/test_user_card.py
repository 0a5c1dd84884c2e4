"""One person's card, end to end: `/group user`, the Card button on members, edit,
suspend and reactivate, as a manager and an admin meet them and as the learner does."""

from __future__ import annotations

from storage.models import (
    CourseRow,
    EnrollmentRow,
    GroupRow,
    MembershipRow,
    OutboxRow,
    SchoolEventRow,
    UserActionRow,
    UserRow,
    UserTagRow,
    WebSessionRow,
)
from tests.bot.conftest import ADMIN, LEARNER_EMAIL, MANAGER, OTHER_MANAGER, Roster
from tests.bot.test_invitations import GOOD_PASSWORD, browser_session, invite

BOB = "bob@example.org"


async def _card_of_bob(school: Roster, who: str = MANAGER):  # type: ignore[no-untyped-def]
    """Bob added to Sales Team; the card as ``who`` opens it from the members list."""
    assert "Added" in await school.run(ADMIN, f'add "Sales Team" {BOB} Bob Builder')
    members = await (await school.driver.command(who, 'members "Sales Team"')).reply()
    bob = await UserRow.get(email=BOB)
    click = await school.driver.click(who, members, "users.card.open", value=str(bob.id))
    return await click.reply()


async def test_an_admin_sees_anyones_whole_record(school: Roster) -> None:
    text = await school.run(ADMIN, f"user {LEARNER_EMAIL}")
    assert "lea (lea@school.org)" in text
    assert "*Status:* _invited_" in text
    assert "Support (#" in text
    assert "*Last emails*" in text and "invitation" in text
    assert "*Changes*\nnone recorded" in text
    assert "Suspend" in text and "Edit" in text


async def test_a_manager_finds_only_people_in_their_groups(school: Roster) -> None:
    text = await school.run(MANAGER, f"user {LEARNER_EMAIL}")
    assert "There is no one with the email *lea@school.org* in your groups" in text
    assert "Support" not in text
    unknown = await school.run(ADMIN, "user nobody@example.org")
    assert "There is no one with the email *nobody@example.org*" in unknown


async def test_a_manager_opens_a_card_from_the_members_list(school: Roster) -> None:
    card = await _card_of_bob(school)
    assert "Bob Builder (bob@example.org)" in card.text
    assert "Sales Team (#" in card.text
    assert "Python 101: 0%" in card.text


async def test_the_card_lists_only_the_groups_the_manager_manages(school: Roster) -> None:
    assert "Added" in await school.run(ADMIN, f'add "Sales Team" {LEARNER_EMAIL}')
    text = await school.run(MANAGER, f"user {LEARNER_EMAIL}")
    assert "Sales Team (#" in text and "Support" not in text


async def test_editing_names_and_tags_updates_the_card_in_place_and_is_recorded(
    school: Roster,
) -> None:
    card = await _card_of_bob(school)
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(MANAGER, card, "users.card.edit", value=str(bob.id))
    form = await clicked.modal()
    values = {
        "username": "  Robert   Builder ",
        "first_name": "Robert",
        "last_name": "Builder",
        "tags": "sales, Sales, north",
    }
    await school.driver.submit(MANAGER, form, values)
    updated = await clicked.reply()
    assert "Saved the changes to *Robert Builder*" in updated.text
    assert "*Tags:* sales, north" in updated.text
    assert "edited by *max*" in updated.text
    assert "username: Bob Builder → Robert Builder" in updated.text
    row = await UserRow.get(email=BOB)
    assert (row.username, row.first_name, row.last_name) == ("Robert Builder", "Robert", "Builder")
    assert await UserTagRow.filter(user_id=bob.id).order_by("id").values_list("tag", flat=True) == [
        "sales",
        "north",
    ]
    logged = await UserActionRow.get(subject_id=bob.id)
    assert logged.action == "edited"
    assert logged.actor_id == (await UserRow.get(slack_user_id=MANAGER)).id


async def test_a_bad_name_is_refused_on_its_field_and_nothing_changes(school: Roster) -> None:
    card = await _card_of_bob(school)
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(MANAGER, card, "users.card.edit", value=str(bob.id))
    form = await clicked.modal()
    submitted = await school.driver.submit(
        MANAGER, form, {"username": "Bob", "first_name": "Bo\u202eb", "tags": ""}
    )
    errors = submitted.ack["errors"]
    assert "first_name" in errors and "U+202E" in errors["first_name"]
    assert (await UserRow.get(email=BOB)).first_name == ""
    assert not await UserActionRow.exists()


async def test_suspending_ends_the_learners_session_and_refuses_their_sign_in(
    school: Roster,
) -> None:
    link = await invite(school, "eve@example.org")
    async with browser_session() as browser:
        good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        async with browser.post(link, data=good) as page:
            assert page.url.path == "/me"
        eve = await UserRow.get(email="eve@example.org")
        assert await WebSessionRow.filter(user_id=eve.id).exists()

        card = await (await school.driver.command(MANAGER, "user eve@example.org")).reply()
        clicked = await school.driver.click(MANAGER, card, "users.card.suspend", value=str(eve.id))
        suspended = await clicked.reply()
        assert "Suspended *eve*" in suspended.text and "*Status:* *suspended*" in suspended.text
        assert "Reactivate" in suspended.text and "suspended by *max*" in suspended.text

        async with browser.get(f"{school.url}/me") as page:
            assert "Hello, eve" not in await page.text()
        assert not await WebSessionRow.filter(user_id=eve.id).exists()
        right = {"email": "eve@example.org", "password": GOOD_PASSWORD}
        async with browser.post(f"{school.url}/login", data=right) as page:
            assert page.status == 401
        members = await school.run(MANAGER, 'members "Sales Team"')
        assert "eve@example.org · _suspended_" in members

        clicked = await school.driver.click(
            MANAGER, suspended, "users.card.reactivate", value=str(eve.id)
        )
        back = await clicked.reply()
        assert "Reactivated *eve*" in back.text and "Their status is _active_" in back.text
        async with browser.post(f"{school.url}/login", data=right) as page:
            assert page.url.path == "/me" and "Hello, eve" in await page.text()


async def test_reactivating_someone_who_never_chose_a_password_makes_them_invited_again(
    school: Roster,
) -> None:
    card = await _card_of_bob(school, ADMIN)
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(ADMIN, card, "users.card.suspend", value=str(bob.id))
    suspended = await clicked.reply()
    again = await school.driver.click(ADMIN, suspended, "users.card.reactivate", value=str(bob.id))
    assert "Their status is _invited_" in (await again.reply()).text
    assert (await UserRow.get(email=BOB)).status == "invited"


async def test_suspending_twice_says_so_and_changes_nothing(school: Roster) -> None:
    card = await _card_of_bob(school)
    bob = await UserRow.get(email=BOB)
    await (
        await school.driver.click(MANAGER, card, "users.card.suspend", value=str(bob.id))
    ).reply()
    again = await school.driver.click(MANAGER, card, "users.card.suspend", value=str(bob.id))
    assert "*Bob Builder* is already _suspended_; nothing was changed" in (await again.reply()).text
    assert await UserActionRow.filter(subject_id=bob.id).count() == 1


async def test_a_manager_without_basic_actions_sees_no_buttons_and_a_click_is_refused(
    school: Roster,
) -> None:
    card = await _card_of_bob(school, ADMIN)
    services = school.services
    admin = await services.users.actor(ADMIN)
    manager = await services.permissions.user(admin, (await UserRow.get(slack_user_id=MANAGER)).id)
    await services.permissions.save(admin, manager, ["users.view", "groups.view"])
    own = await school.run(MANAGER, f"user {BOB}")
    assert "Bob Builder" in own and "Suspend" not in own and "Edit" not in own
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(MANAGER, card, "users.card.suspend", value=str(bob.id))
    text = (await clicked.reply()).text
    assert "it needs the *Manage users: Basic user actions* permission" in text
    assert (await UserRow.get(email=BOB)).status == "invited"


async def test_a_manager_of_another_group_cant_act_on_someone_outside_it(school: Roster) -> None:
    card = await _card_of_bob(school, ADMIN)
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(
        OTHER_MANAGER, card, "users.card.suspend", value=str(bob.id)
    )
    assert "There is no one" in (await clicked.reply()).text
    assert (await UserRow.get(email=BOB)).status == "invited"


async def test_reactivating_restores_the_status_the_suspension_ended(school: Roster) -> None:
    learner = await school.services.users.create_learner(email="sol@example.org")
    assert "Added" in await school.run(ADMIN, 'add "Sales Team" sol@example.org')
    card = await (await school.driver.command(ADMIN, "user sol@example.org")).reply()
    value = str(learner.id)
    suspended = await (
        await school.driver.click(ADMIN, card, "users.card.suspend", value=value)
    ).reply()
    assert "suspended by *ada*, " in suspended.text and "was active" in suspended.text
    back = await (
        await school.driver.click(ADMIN, suspended, "users.card.reactivate", value=value)
    ).reply()
    assert "Their status is _active_" in back.text
    assert (await UserRow.get(email="sol@example.org")).status == "active"


async def test_an_admin_creates_a_user_in_no_group_who_is_invited_by_email(
    school: Roster,
) -> None:
    text = await school.run(ADMIN, 'user new Zoe@Example.org "Zoe  Zhang"')
    assert "Created *Zoe Zhang* (zoe@example.org). They are invited by email" in text
    assert "*Status:* _invited_" in text and "created by *ada*" in text
    message = await school.inbox.wait_for("zoe@example.org")
    assert message["Subject"] == "You're invited to Example School"
    assert "/invite/" in message.get_body(preferencelist=("plain",)).get_content()
    again = await school.run(ADMIN, "user new zoe@example.org")
    assert "*zoe@example.org* already belongs to someone in the school" in again
    assert await UserRow.filter(email="zoe@example.org").count() == 1


async def test_a_manager_creates_people_by_adding_them_to_a_group(school: Roster) -> None:
    text = await school.run(MANAGER, "user new zoe@example.org")
    assert "*Create a user outside any group* is for school admins only" in text
    assert not await UserRow.filter(email="zoe@example.org").exists()


async def test_resending_an_invitation_from_the_card_emails_a_new_link(school: Roster) -> None:
    card = await _card_of_bob(school)
    await school.inbox.wait_for(BOB)
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(
        MANAGER, card, "users.card.resend_invite", value=str(bob.id)
    )
    text = (await clicked.reply()).text
    assert "Sending a new invitation to *Bob Builder*" in text
    assert "invitation resent by *max*" in text
    second = await school.inbox.wait_for(BOB, count=2)
    assert "/invite/" in second.get_body(preferencelist=("plain",)).get_content()


async def test_no_invitation_is_resent_to_someone_who_signed_in(school: Roster) -> None:
    card = await _card_of_bob(school, ADMIN)
    await school.inbox.wait_for(BOB)
    await UserRow.filter(email=BOB).update(status="active")
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(ADMIN, card, "users.card.resend_invite", value=str(bob.id))
    assert "*Bob Builder* is already _active_; nothing was changed" in (await clicked.reply()).text
    assert len(school.inbox.to(BOB)) == 1


def _offered(form) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The groups the card's Groups form offers: value → label."""
    (select,) = [b["element"] for b in form.body["blocks"] if b.get("block_id") == "card_group"]
    return {o["value"]: o["text"]["text"] for o in select["options"]}


async def test_an_admin_adds_someone_to_a_group_from_their_card_with_its_courses(
    school: Roster,
) -> None:
    card = await (await school.driver.command(ADMIN, f"user {LEARNER_EMAIL}")).reply()
    lea = await UserRow.get(email=LEARNER_EMAIL)
    clicked = await school.driver.click(ADMIN, card, "users.card.groups", value=str(lea.id))
    form = await clicked.modal()
    sales = await GroupRow.get(title="Sales Team")
    support = await GroupRow.get(title="Support")
    offered = _offered(form)
    assert offered[str(support.id)].endswith("· member")
    assert offered[str(sales.id)] == f"Sales Team (#{sales.id})"
    await school.driver.submit(ADMIN, form, {"card_group": str(sales.id), "group_change": "add"})
    updated = await clicked.reply()
    assert "Added *lea* (lea@school.org) to *Sales Team*, with its courses." in updated.text
    assert "Sales Team (#" in updated.text and "Python 101: 0%" in updated.text
    assert await MembershipRow.exists(user_id=lea.id, group_id=sales.id)

    again = await school.driver.click(ADMIN, updated, "users.card.groups", value=str(lea.id))
    await school.driver.submit(
        ADMIN, await again.modal(), {"card_group": str(sales.id), "group_change": "add"}
    )
    assert "was already in *Sales Team*; nothing changed" in (await again.reply()).text
    assert await MembershipRow.filter(user_id=lea.id).count() == 2


async def test_a_manager_removes_someone_from_their_group_and_is_offered_only_theirs(
    school: Roster,
) -> None:
    card = await _card_of_bob(school)
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(MANAGER, card, "users.card.groups", value=str(bob.id))
    form = await clicked.modal()
    sales = await GroupRow.get(title="Sales Team")
    assert list(_offered(form)) == [str(sales.id)]
    values = {"card_group": str(sales.id), "group_change": "remove"}
    await school.driver.submit(MANAGER, form, values)
    text = (await clicked.reply()).text
    assert "Removed *Bob Builder* (bob@example.org) from *Sales Team*" in text
    assert "They are no longer in any of your groups." in text
    assert not await MembershipRow.exists(user_id=bob.id)
    assert await EnrollmentRow.exists(user_id=bob.id)


async def test_a_manager_without_basic_actions_gets_no_groups_form(school: Roster) -> None:
    card = await _card_of_bob(school, ADMIN)
    services = school.services
    admin = await services.users.actor(ADMIN)
    manager = await services.permissions.user(admin, (await UserRow.get(slack_user_id=MANAGER)).id)
    await services.permissions.save(admin, manager, ["users.view", "groups.view"])
    own = await (await school.driver.command(MANAGER, f"user {BOB}")).reply()
    buttons = [e["action_id"] for b in own.blocks if b["type"] == "actions" for e in b["elements"]]
    assert "Bob Builder" in own.text and "users.card.groups" not in buttons
    bob = await UserRow.get(email=BOB)
    clicked = await school.driver.click(MANAGER, card, "users.card.groups", value=str(bob.id))
    assert "*Manage users: Basic user actions* permission" in (await clicked.reply()).text
    assert await MembershipRow.filter(user_id=bob.id).count() == 1


def _courses_offered(form) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (select,) = [b["element"] for b in form.body["blocks"] if b.get("block_id") == "card_course"]
    return {o["value"]: o["text"]["text"] for o in select["options"]}


async def test_a_manager_unenrols_and_enrols_someone_in_a_course_of_their_groups(
    school: Roster,
) -> None:
    card = await _card_of_bob(school)
    bob = await UserRow.get(email=BOB)
    python = await CourseRow.get(title="Python 101")
    clicked = await school.driver.click(MANAGER, card, "users.card.courses", value=str(bob.id))
    form = await clicked.modal()
    assert _courses_offered(form) == {str(python.id): "Python 101 · enrolled"}, "not Onboarding"
    values = {"card_course": str(python.id), "group_change": "remove"}
    await school.driver.submit(MANAGER, form, values)
    left = await clicked.reply()
    assert "Unenrolled *Bob Builder* (bob@example.org) from *Python 101*" in left.text
    assert "not enrolled in any" in left.text and "unenrolled by *max*" in left.text
    assert not await EnrollmentRow.exists(user_id=bob.id)

    again = await school.driver.click(MANAGER, left, "users.card.courses", value=str(bob.id))
    values["group_change"] = "add"
    await school.driver.submit(MANAGER, await again.modal(), values)
    back = await again.reply()
    assert "Enrolled *Bob Builder* (bob@example.org) in *Python 101*, at 0%." in back.text
    assert "Python 101: 0%" in back.text
    assert await OutboxRow.filter(trigger="course_enrollment", to_address=BOB).exists()
    kinds = await SchoolEventRow.filter(user_id=bob.id, how="hand").values_list("type", flat=True)
    assert {"course.unenrolled", "course.enrolled"} <= set(kinds)


async def test_enrolling_someone_already_enrolled_says_so_and_changes_nothing(
    school: Roster,
) -> None:
    card = await (await school.driver.command(ADMIN, f"user {LEARNER_EMAIL}")).reply()
    lea = await UserRow.get(email=LEARNER_EMAIL)
    onboarding = await CourseRow.get(title="Onboarding")
    clicked = await school.driver.click(ADMIN, card, "users.card.courses", value=str(lea.id))
    form = await clicked.modal()
    assert "Onboarding" in _courses_offered(form).values(), "an admin may use every course"
    values = {"card_course": str(onboarding.id), "group_change": "remove"}
    submitted = await school.driver.submit(ADMIN, form, values)
    assert "*lea* is not enrolled in *Onboarding*; nothing was changed." in str(submitted.ack)
    assert not await EnrollmentRow.exists(user_id=lea.id, course_id=onboarding.id)
