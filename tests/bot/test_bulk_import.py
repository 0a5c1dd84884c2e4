"""A bulk add from upload to summary: approval, progress, results, the action log."""

from __future__ import annotations

import asyncio
import copy
import io
from dataclasses import replace

from openpyxl import load_workbook

from domain.entities import SlackProfile
from slack_emulator.state import Message
from storage.models import (
    BulkJobRow,
    EnrollmentRow,
    MembershipRow,
    OutboxRow,
    UserRow,
    UserTagRow,
)
from tests.bot.conftest import ADMIN, MANAGER, OTHER_MANAGER, Roster, allow_bulk
from tests.bot.uploads import (
    direct_messages,
    in_thread,
    review,
    send_for_approval,
    text_of,
    thread,
    upload,
)
from tests.workbooks import workbook

HEADER = ["username", "email", "first name", "last name", "tags"]


def people(count: int, *, start: int = 0) -> list[list[object]]:
    return [
        [f"person{n}", f"person{n}@example.org", "Pat", f"No{n}", "sales, emea"]
        for n in range(start, start + count)
    ]


async def members_of(group: str) -> set[str]:
    rows = await MembershipRow.filter(group__title=group).prefetch_related("user")
    return {r.user.email for r in rows}


async def result_rows(roster: Roster, preview: Message, name: str) -> list[list[object]]:
    """The rows of the file called ``name`` shared in the preview's thread."""

    def shared() -> list[str]:
        ids = [f for m in thread(roster, preview) for f in m.files]
        return [f for f in ids if roster.slack.files[f].name == name]

    content = roster.slack.files[(await roster.slack.wait_for(shared))[0]].content
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(content))["Users"].iter_rows()]


async def test_an_approved_import_adds_everyone_and_reports_in_its_thread(bulk: Roster) -> None:
    assert "Say `enrol on` or `enrol off`." in await bulk.run(ADMIN, "import-settings enrol maybe")
    assert "can now choose to enrol" in await bulk.run(ADMIN, "import-settings enrol on")
    data = workbook(
        HEADER,
        *people(25),
        ["lea", "lea@school.org", "", "", ""],
        ["", "nameless@example.org", "", "", ""],
    )
    preview = await upload(bulk, "team.xlsx", data)
    assert "*26* row(s) ready: *25* new to the school, *1* already in the school" in text_of(
        preview
    )
    request = await send_for_approval(bulk, preview)
    assert (
        "<@U0MANAGER> asks for *Bulk add to Sales Team: team.xlsx*: *26* row(s) ready: *25* "
        "new to the school, *1* already in the school, *0* already members. *1* row(s) with "
        "problems." in text_of(request)
    )
    sent = await in_thread(bulk, preview, "Sent to")
    assert "Sent to <@U0THEADMIN> for approval" in text_of(sent)
    assert await UserRow.filter(email__startswith="person").count() == 0

    refused = await review(bulk, request, options=("invite",))
    assert "1 row(s) have problems. Tick “Apply the valid rows and skip the bad one(s)”" in refused
    closing = await review(bulk, request, options=("invite", "enrol", "skip_bad"))
    assert "Approved; <@U0MANAGER> has been told" in closing
    assert "Approved by <@U0THEADMIN>" in text_of(await in_thread(bulk, preview, "Approved by"))
    summary = await in_thread(bulk, preview, "Bulk add to Sales Team: team.xlsx* done")
    assert (
        "done with errors: *25* created, *26* added to the group, *0* already members, "
        "*26* course enrolments, *25* invited, *1* skipped, *0* failed." in text_of(summary)
    )
    progress = [m for m in thread(bulk, preview) if m.text.startswith("Importing")]
    assert len(progress) == 1 and "100%" in text_of(progress[0])
    rows = await result_rows(bulk, preview, "team-results.xlsx")
    assert rows[0] == [*HEADER, "result"]
    assert rows[1] == [
        "person0",
        "person0@example.org",
        "Pat",
        "No0",
        "sales, emea",
        "created and added",
    ]
    assert rows[26][1:2] + rows[26][5:] == ["lea@school.org", "added (already in the school)"]
    assert rows[27][5].startswith("skipped: username: is empty")
    assert {f"person{n}@example.org" for n in range(25)} | {"lea@school.org"} <= await members_of(
        "Sales Team"
    )
    created = await UserRow.get(email="person3@example.org")
    assert (created.first_name, created.last_name) == ("Pat", "No3")
    tags = await UserTagRow.filter(user_id=created.id).order_by("tag").values_list("tag", flat=True)
    assert tags == ["emea", "sales"]
    assert (
        await OutboxRow.filter(trigger="invitation", to_address__startswith="person").count() == 25
    )
    assert await EnrollmentRow.filter(user__email__startswith="person").count() == 25

    log = await bulk.run(MANAGER, "log actions")
    assert (
        "add members · *Sales Team* · team.xlsx · by <@U0MANAGER> · "
        "approved by <@U0THEADMIN>" in log
    )
    assert (
        "*done with errors*" in log and "27/27 rows: *25* created, *26* added to the group" in log
    )
    job = await BulkJobRow.get()
    assert job.started_at is not None and job.finished_at is not None


async def test_a_rejection_needs_a_reason_tells_the_uploader_and_adds_nobody(bulk: Roster) -> None:
    preview = await upload(bulk, "wrong.xlsx", workbook(HEADER, *people(3)))
    request = await send_for_approval(bulk, preview)
    refused = await review(bulk, request, decision="reject")
    assert "reason" in refused and "Say why, so the uploader knows what to change." in refused
    closing = await review(bulk, request, decision="reject", reason="Wrong group: use Support")
    assert "Rejected; <@U0MANAGER> has been told" in closing
    told = await in_thread(bulk, preview, "Rejected by")
    assert "Rejected by <@U0THEADMIN>: Wrong group: use Support\nNothing was added." in told.text
    assert await UserRow.filter(email__startswith="person").count() == 0
    again = await review(bulk, request)
    assert "already rejected by <@U0THEADMIN>" in again and "nothing more was done" in again
    assert "*rejected*" in await bulk.run(MANAGER, "log actions add")
    assert "No bulk actions match" in await bulk.run(MANAGER, "log actions add 2099-01-01")


async def test_approving_twice_and_double_clicks_start_one_job(bulk: Roster) -> None:
    preview = await upload(bulk, "twice.xlsx", workbook(HEADER, *people(40)))
    as_first_seen = replace(preview, blocks=copy.deepcopy(preview.blocks))
    request = await send_for_approval(bulk, preview)
    again = await bulk.driver.click(MANAGER, as_first_seen, "imports.send_for_approval")
    assert again.status == 200
    first = await (await bulk.driver.click(ADMIN, request, "imports.review.open")).modal()
    second = await (await bulk.driver.click(ADMIN, request, "imports.review.open")).modal()
    values = {"import_options": ["invite"], "decision": "approve", "reason": None}
    await bulk.driver.submit(ADMIN, first, values)
    await bulk.driver.submit(ADMIN, second, values)
    assert "already approved by <@U0THEADMIN>" in str(second.body["blocks"])
    await in_thread(bulk, preview, "Bulk add to Sales Team: twice.xlsx* done")
    replies = [m.text for m in thread(bulk, preview)]
    assert sum("Sent to" in r for r in replies) == 1
    assert sum("Approved by" in r for r in replies) == 1
    assert sum(r.startswith("Importing") for r in replies) == 1
    assert sum("twice.xlsx* done:" in r for r in replies) == 1
    assert await BulkJobRow.all().count() == 1
    assert await UserRow.filter(email__startswith="person").count() == 40
    assert await OutboxRow.filter(to_address__startswith="person").count() == 40


async def test_cancelling_a_preview_adds_nobody_and_the_buttons_go(bulk: Roster) -> None:
    preview = await upload(bulk, "oops.xlsx", workbook(HEADER, *people(2)))
    await bulk.driver.click(MANAGER, preview, "imports.cancel")
    await in_thread(bulk, preview, "Cancelled; nothing from *oops.xlsx* was added.")
    assert "imports.send_for_approval" not in str(preview.blocks)
    assert "*Cancelled*" in text_of(preview)
    assert await UserRow.filter(email__startswith="person").count() == 0


async def test_a_manager_of_another_group_cannot_send_the_file_for_approval(
    bulk: Roster,
) -> None:
    await allow_bulk(bulk, SlackProfile(OTHER_MANAGER, "olga@school.org", "Olga"))
    preview = await upload(bulk, "mine.xlsx", workbook(HEADER, *people(2)))
    clicked = await bulk.driver.click(OTHER_MANAGER, preview, "imports.send_for_approval")
    answer = (await clicked.reply()).text
    assert "There is no group called" in answer and "Sales Team" not in answer
    assert await BulkJobRow.filter(state="checked").count() == 1


async def test_the_seat_limit_holds_and_the_rows_that_did_not_fit_are_named(
    bulk: Roster,
) -> None:
    admin = await bulk.services.users.actor(ADMIN)
    await bulk.services.groups.create(admin, title="Pilot", seat_limit=3)
    assert "now manages" in await bulk.run(ADMIN, f"managers Pilot add @{MANAGER}")
    preview = await upload(bulk, "pilot.xlsx", workbook(HEADER, *people(5)), group="Pilot")
    warning = ":warning: *Pilot* has 3 free seat(s), so 2 row(s) would not be added."
    assert warning in text_of(preview)
    await review(bulk, await send_for_approval(bulk, preview))
    summary = await in_thread(bulk, preview, "Bulk add to Pilot: pilot.xlsx* done")
    assert "*3* created, *3* added to the group" in summary.text and "*2* failed" in summary.text
    rows = await result_rows(bulk, preview, "pilot-results.xlsx")
    assert [r[5] for r in rows[4:]] == ["not added: the group is full (3 seats)"] * 2
    assert await UserRow.filter(email__startswith="person").count() == 3


async def test_a_file_dropped_in_the_direct_message_naming_the_group_is_checked(
    bulk: Roster,
) -> None:
    def previews() -> list[Message]:
        return [m for m in bulk.slack.messages if "imports.send_for_approval" in str(m.blocks)]

    stored = bulk.slack.user_upload(MANAGER, "dropped.xlsx", workbook(HEADER, *people(3)))
    first = await bulk.driver.share_in_dm(MANAGER, '"Sales Team"', stored, event_id="Ev1")
    again = await bulk.driver.share_in_dm(MANAGER, '"Sales Team"', stored, event_id="Ev1")
    assert first.status == again.status == 200
    await bulk.slack.wait_for(previews, timeout=30)
    assert "*3* row(s) ready: *3* new to the school" in text_of(previews()[0])
    checking = [m.text for m in bulk.slack.messages if m.text.startswith(":hourglass")]
    assert checking == [
        ":hourglass_flowing_sand: Checking *dropped.xlsx* for *Sales Team*. "
        "The preview arrives in a direct message from Roster."
    ]

    unnamed = await bulk.driver.share_in_dm(MANAGER, "", stored)
    told = await unnamed.call("chat.postMessage")
    assert "with the group's name as the message" in str(told.args["text"])
    elsewhere = await bulk.driver.share_in_dm(MANAGER, "Support", stored)
    denied = await elsewhere.call("chat.postMessage")
    assert "There is no group called *Support*" in str(denied.args["text"])
    await asyncio.sleep(0.2)
    assert len(previews()) == 1


async def test_people_listed_in_a_file_can_be_removed_from_the_group(bulk: Roster) -> None:
    for n in range(3):
        assert "Added" in await bulk.run(ADMIN, f'add "Sales Team" person{n}@example.org')
    data = workbook(
        ["username", "email"],
        ["p0", "person0@example.org"],
        ["p1", "PERSON1@example.org"],
        ["lea", "lea@school.org"],
        ["", "nameless@example.org"],
    )
    preview = await upload(bulk, "leavers.xlsx", data, kind="remove members")
    assert (
        "*3* row(s) ready: *2* member(s) to remove, *1* not in the group (nothing to do). "
        "*1* row(s) with problems." in text_of(preview)
    )
    request = await send_for_approval(bulk, preview)
    assert (
        "asks for *Bulk remove from Sales Team: leavers.xlsx*: *3* row(s) ready: *2* member(s) "
        "to remove, *1* not in the group (nothing to do). *1* row(s) with problems."
        in text_of(request)
    )
    await review(bulk, request, options=("skip_bad",))
    summary = await in_thread(bulk, preview, "Bulk remove from Sales Team: leavers.xlsx* done")
    assert "*2* removed, *1* were not members, *1* skipped." in summary.text
    assert await members_of("Sales Team") == {"person2@example.org"}
    assert await UserRow.filter(email__startswith="person").count() == 3
    rows = await result_rows(bulk, preview, "leavers-results.xlsx")
    assert [r[2] for r in rows[1:4]] == [
        "removed from the group",
        "removed from the group",
        "not a member; nothing to do",
    ]
    assert "remove members · *Sales Team*" in await bulk.run(MANAGER, "log actions remove")


async def test_a_group_is_enrolled_in_a_course_and_unenrolled_after_approval(
    bulk: Roster,
) -> None:
    for n in range(3):
        assert "Added" in await bulk.run(ADMIN, f'add "Sales Team" person{n}@example.org')
    assert "Added" in await bulk.run(ADMIN, 'add "Sales Team" lea@school.org')
    told = await bulk.run(MANAGER, 'enrol "Sales Team" Onboarding')
    assert "The preview is in our direct message" in told
    preview = await bulk.slack.wait_for(
        lambda: next((m for m in bulk.slack.messages if "Enrol the members" in m.text), None)
    )
    assert "*4* member(s): *4* to enrol, *0* already enrolled." in text_of(preview)
    await review(bulk, await send_for_approval(bulk, preview), options=())
    summary = await in_thread(bulk, preview, "Enrol the members of Sales Team in Onboarding")
    assert "*4* enrolled, *0* already enrolled" in text_of(summary)
    onboarding = EnrollmentRow.filter(
        course__title="Onboarding", user__memberships__group__title="Sales Team"
    )
    assert await onboarding.count() == 4
    letters = OutboxRow.filter(trigger="course_enrollment", to_address="lea@school.org")
    assert await letters.filter(letter_values__contains="Onboarding").count() == 1

    await bulk.run(MANAGER, 'unenrol "Sales Team" Onboarding')
    preview = await bulk.slack.wait_for(
        lambda: next((m for m in bulk.slack.messages if "Unenrol the members" in m.text), None)
    )
    assert "*4* to unenrol (their progress in the course goes with it)" in text_of(preview)
    await review(bulk, await send_for_approval(bulk, preview), options=())
    summary = await in_thread(bulk, preview, "Unenrol the members of Sales Team")
    assert "*4* unenrolled, *0* were not enrolled." in text_of(summary)
    assert await onboarding.count() == 0
    log = await bulk.run(MANAGER, "log actions enrol")
    assert "enrol in course · *Sales Team* · Onboarding" in log and "4/4 rows: *4* enrolled" in log


async def test_people_listed_in_a_file_can_be_deleted_from_the_school_but_never_admins(
    bulk: Roster,
) -> None:
    for n in range(2):
        assert "Added" in await bulk.run(ADMIN, f'add "Sales Team" person{n}@example.org')
    modal = await (await bulk.driver.command(MANAGER, 'import "Sales Team"')).modal()
    stored = bulk.slack.user_upload(MANAGER, "x.xlsx", workbook(HEADER, *people(1)))
    values = {"file": [bulk.slack.file_json(stored)], "import_kind": "delete users"}
    await bulk.driver.submit(MANAGER, modal, values)
    assert "it needs the *Manage users: Delete a user* permission" in str(modal.body["blocks"])
    assert await BulkJobRow.all().count() == 0

    data = workbook(
        ["username", "email"],
        ["p0", "person0@example.org"],
        ["p1", "person1@example.org"],
        ["ada", "ada@school.org"],
        ["ghost", "ghost@example.org"],
    )
    preview = await upload(bulk, "leavers.xlsx", data, user=ADMIN, kind="delete users")
    assert "*3* school user(s) to delete for good" in text_of(preview)
    await review(bulk, await send_for_approval(bulk, preview, user=ADMIN))
    summary = await in_thread(bulk, preview, "leavers.xlsx* done")
    assert (
        "*2* deleted, *1* were not school users, *1* admins kept, *0* outside the uploader's "
        "groups kept, *0* skipped." in summary.text
    )
    assert await UserRow.filter(email__startswith="person").count() == 0
    assert await MembershipRow.filter(user__email__startswith="person").count() == 0
    assert await UserRow.filter(email="ada@school.org").exists()


async def test_a_managers_bulk_delete_reaches_only_people_whose_every_group_is_theirs(
    bulk: Roster,
) -> None:
    await allow_bulk(bulk, capability="users.manage.delete")
    for n in range(3):
        assert "Added" in await bulk.run(ADMIN, f'add "Sales Team" person{n}@example.org')
    assert "Added" in await bulk.run(ADMIN, "add Support person1@example.org")
    data = workbook(
        ["username", "email"],
        ["p0", "person0@example.org"],
        ["p1", "person1@example.org"],
        ["p2", "person2@example.org"],
        ["lea", "lea@school.org"],
        ["ghost", "ghost@example.org"],
    )
    preview = await upload(bulk, "leavers.xlsx", data, kind="delete users")
    shown = text_of(preview)
    assert "*2* school user(s) to delete for good" in shown
    assert (
        "*2* not in the uploader's groups only (in no group they manage, or also in another) "
        "will *not* be deleted; an admin must delete them: person1@example.org, "
        "lea@school.org." in shown
    )
    request = await send_for_approval(bulk, preview)
    assert "*2* not in the uploader's groups only" in text_of(request)
    assert "Added" in await bulk.run(ADMIN, "add Support person2@example.org")
    await review(bulk, request)
    summary = await in_thread(bulk, preview, "leavers.xlsx* done")
    assert (
        "*1* deleted, *1* were not school users, *0* admins kept, *1* outside the uploader's "
        "groups kept, *2* skipped." in summary.text
    )
    left = await UserRow.filter(email__startswith="person").values_list("email", flat=True)
    assert sorted(left) == ["person1@example.org", "person2@example.org"]
    assert await UserRow.filter(email="lea@school.org").exists()
    results = await result_rows(bulk, preview, "leavers-results.xlsx")
    assert results[2][-1].startswith("skipped: not in your groups only")
    assert results[3][-1] == "not deleted: no longer only in the uploader's groups"


async def test_progress_is_set_from_the_progress_template_for_enrolled_members(
    bulk: Roster,
) -> None:
    await allow_bulk(bulk, capability="users.manage.progress")
    assert "Added" in await bulk.run(ADMIN, 'add "Sales Team" eve@example.org')
    assert "template is in" in await bulk.run(MANAGER, "template progress")
    await bulk.slack.wait_for(lambda: [m for m in direct_messages(bulk, MANAGER) if m.files])
    shared = bulk.slack.calls_to("files.completeUploadExternal")[-1]
    assert "Columns: email, course, progress." in str(shared.args["initial_comment"])
    data = workbook(
        ["email", "course", "progress"],
        ["eve@example.org", "python 101", "40%"],
        ["eve@example.org", "Onboarding", 80],
        ["lea@school.org", "Python 101", 50],
        ["eve@example.org", "Python 101", 100],
        ["eve@example.org", "Cooking", "abc"],
    )
    preview = await upload(bulk, "progress.xlsx", data, kind="update progress")
    assert "*3* progress update(s) ready." in text_of(preview)
    assert "Row 5, *email*: eve@example.org and Python 101 are also on row 2" in text_of(preview)
    assert "Row 6, *progress*: `abc` is not a percentage" in text_of(preview)
    await review(bulk, await send_for_approval(bulk, preview))
    summary = await in_thread(bulk, preview, "Progress updates for Sales Team: progress.xlsx* done")
    assert "*1* set, *2* not changed, *2* skipped." in summary.text
    enrolment = await EnrollmentRow.get(user__email="eve@example.org", course__title="Python 101")
    assert enrolment.progress == 40 and enrolment.completed_at is None
    rows = await result_rows(bulk, preview, "progress-results.xlsx")
    assert [r[3] for r in rows[1:4]] == [
        "progress set to 40%",
        "not changed: not enrolled in Onboarding",
        "not changed: not a member of the group",
    ]
