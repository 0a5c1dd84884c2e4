"""Every change is a school event, written with its cause in the change's transaction;
a refused change writes none."""

from __future__ import annotations

from domain.events.model import EventType
from storage.models import CertificateRow, SchoolEventRow, SubmissionRow, UserRow
from tests.bot.activity import post
from tests.bot.conftest import ADMIN, MANAGER, OTHER_MANAGER, Roster, allow_bulk
from tests.bot.events import details, recorded
from tests.bot.test_activity_api import LEA, event
from tests.bot.test_bulk_import import HEADER, people
from tests.bot.test_review_center import submitted
from tests.bot.test_rules import save, set_rule
from tests.bot.uploads import in_thread, review, send_for_approval, upload
from tests.workbooks import workbook

ADA = "ada@school.org"
MAX = "max@school.org"


async def test_adding_by_hand_records_who_created_added_and_enrolled_whom(school: Roster) -> None:
    assert "Added" in await school.run(MANAGER, 'add "Sales Team" new@example.org')
    assert await recorded(EventType.USER_CREATED, EventType.MEMBER_ADDED, EventType.ENROLLED) == [
        ("user.created", "hand", ADA, LEA, "Support", ""),
        ("member.added", "hand", ADA, LEA, "Support", ""),
        ("user.created", "hand", MAX, "new@example.org", "Sales Team", ""),
        ("member.added", "hand", MAX, "new@example.org", "Sales Team", ""),
        ("course.enrolled", "hand", MAX, "new@example.org", "Sales Team", "Python 101"),
    ]
    assert "Removed" in await school.run(MANAGER, 'remove "Sales Team" new@example.org')
    assert await recorded(EventType.MEMBER_REMOVED) == [
        ("member.removed", "hand", MAX, "new@example.org", "Sales Team", "")
    ]


async def test_a_refused_change_records_nothing(school: Roster) -> None:
    before = await SchoolEventRow.all().count()
    refused = await school.run(OTHER_MANAGER, 'add "Sales Team" new@example.org')
    assert "Sales Team" in refused and "Added" not in refused
    assert "not a member" in await school.run(MANAGER, 'remove "Sales Team" nobody@example.org')
    assert await SchoolEventRow.all().count() == before


async def test_the_course_player_moves_progress_past_milestones_and_completes(
    school: Roster,
) -> None:
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {LEA}')
    for n, percent in enumerate((10, 30, 80, 90)):
        answer = event(f"p{n}", "course_progress", course="Python 101", percent=percent)
        assert (await post(school, answer))[0] == 200
    assert (await post(school, event("done", "course_completed", course="Python 101")))[0] == 200
    assert (await post(school, event("in", "sign_in")))[0] == 200
    player = EventType.PROGRESS, EventType.COMPLETED, EventType.SIGNED_IN
    assert await recorded(*player) == [
        ("course.progress", "player", "", LEA, "", "Python 101"),
        ("course.progress", "player", "", LEA, "", "Python 101"),
        ("course.progress", "player", "", LEA, "", "Python 101"),
        ("course.completed", "player", "", LEA, "", "Python 101"),
        ("user.signed_in", "player", "", LEA, "", ""),
    ]
    assert await details(EventType.PROGRESS) == ["25 %", "50 %", "75 %"]


async def test_a_bulk_add_records_its_life_and_one_event_per_person(bulk: Roster) -> None:
    school = bulk
    assert "can now choose to enrol" in await school.run(ADMIN, "import-settings enrol on")
    preview = await upload(school, "team.xlsx", workbook(HEADER, *people(30)))
    request = await send_for_approval(school, preview)
    assert "Approved" in await review(school, request, options=("invite", "enrol"))
    await in_thread(school, preview, "done")
    enrolled = [e for e in await recorded(EventType.ENROLLED) if e[1] == "bulk"]
    assert {(e[2], e[4], e[5]) for e in enrolled} == {(ADA, "Sales Team", "Python 101")}
    assert len(enrolled) == 30, "a course player following Roster hears of each enrolment"
    added = await recorded(EventType.MEMBER_ADDED)
    bulk = [a for a in added if a[1] == "bulk"]
    assert len(bulk) == 30 and {a[2] for a in bulk} == {ADA}
    assert {a[3] for a in bulk} == {f"person{n}@example.org" for n in range(30)}
    assert {a[4] for a in bulk} == {"Sales Team"}
    assert set(await details(EventType.MEMBER_ADDED)) >= {"new to the school"}
    rows = await SchoolEventRow.filter(how="bulk").values_list("job_id", flat=True)
    assert len(set(rows)) == 1 and None not in rows
    life = [(e[0], e[2]) for e in await recorded() if e[0].startswith("bulk.")]
    assert life == [("bulk.requested", MAX), ("bulk.approved", ADA), ("bulk.finished", ADA)]


async def test_rules_cards_permissions_and_certificates_record_their_events(
    school: Roster,
) -> None:
    """Each kind of change, with who made it and how: a rule saved, the member it adds,
    cleared; a manager's permissions; a person suspended, reactivated, their email
    changed; a certificate issued by the player and revoked by hand."""
    preview = await set_rule(school, "Sales Team", 'email endswith "@school.org"')
    await save(school, preview)
    await school.run(ADMIN, 'rule "Sales Team" clear')
    await allow_bulk(school, capability="activity.view")
    services = school.services
    admin = await services.users.actor(ADMIN)
    lea = await UserRow.get(email=LEA)
    await services.user_cards.suspend(admin, lea.id)
    await services.user_cards.reactivate(admin, lea.id)
    await services.user_cards.change_email(admin, lea.id, email="lea.new@school.org")
    issued = event("cert", "certificate_issued", course="Python 101", certificate="Python")
    issued["user"] = {"email": "lea.new@school.org"}
    assert (await post(school, issued))[0] == 200
    certificate = await CertificateRow.get()
    await services.certificates.revoke(admin, certificate.id, reason="issued by mistake")
    kinds = (
        EventType.RULE_SAVED,
        EventType.RULE_CLEARED,
        EventType.PERMISSIONS_CHANGED,
        EventType.USER_SUSPENDED,
        EventType.USER_REACTIVATED,
        EventType.EMAIL_CHANGED,
        EventType.CERTIFICATE_ISSUED,
        EventType.CERTIFICATE_REVOKED,
    )
    seen = await recorded(*kinds)
    assert [s[:4] for s in seen[:2]] == [
        ("permissions.changed", "hand", ADA, MAX),
        ("permissions.changed", "hand", ADA, "olga@school.org"),
    ], "managers assigned in furnish() got the school default"
    seen = seen[2:]
    assert [s[:3] for s in seen] == [
        ("rule.saved", "hand", ADA),
        ("rule.cleared", "hand", ADA),
        ("permissions.changed", "hand", ADA),
        ("user.suspended", "hand", ADA),
        ("user.reactivated", "hand", ADA),
        ("user.email_changed", "hand", ADA),
        ("certificate.issued", "player", ""),
        ("certificate.revoked", "hand", ADA),
    ]
    assert {s[3] for s in seen[3:]} == {"lea.new@school.org"}
    by_rule = [s for s in await recorded(EventType.MEMBER_ADDED) if s[1] == "rule"]
    assert (MAX, "Sales Team") in {(s[3], s[4]) for s in by_rule}
    enrolled = [s for s in await recorded(EventType.ENROLLED) if s[1] == "rule"]
    assert (MAX, "Sales Team", "Python 101") in {(s[3], s[4], s[5]) for s in enrolled}
    assert await details(EventType.EMAIL_CHANGED) == ["lea@school.org → lea.new@school.org"]


async def test_an_assessment_submitted_then_graded_and_released_by_hand(school: Roster) -> None:
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {LEA}')
    assert (await post(school, submitted("sub-1")))[0] == 200
    services = school.services
    admin = await services.users.actor(ADMIN)
    submission = await SubmissionRow.get()
    await services.grading.grade(admin, submission.id, score="8", feedback="Clear.")
    graded = (
        EventType.ASSESSMENT_SUBMITTED,
        EventType.ASSESSMENT_GRADED,
        EventType.GRADE_RELEASED,
    )
    assert await recorded(*graded) == [
        ("assessment.submitted", "player", "", LEA, "", "Python 101"),
        ("assessment.graded", "hand", ADA, LEA, "", "Python 101"),
        ("grade.released", "hand", ADA, LEA, "", "Python 101"),
    ]
    assert (await details(EventType.ASSESSMENT_GRADED)) == ["Essay: why Python: 8"]


async def test_invitations_sent_again_are_events_of_each_person(school: Roster) -> None:
    assert "Added" in await school.run(ADMIN, 'add "Sales Team" new@example.org')
    assert "Sending a new invitation" in await school.run(ADMIN, 'resend-invites "Sales Team"')
    assert await recorded(EventType.USER_INVITED) == [
        ("user.invited", "hand", ADA, "new@example.org", "Sales Team", "")
    ]
