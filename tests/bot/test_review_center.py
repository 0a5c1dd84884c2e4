"""The Review Center: a response from the course player waits in the queue, one grader
claims it for everyone to see, grades it within the maximum, and the learner hears."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from domain.entities import SlackProfile
from local_smtp import text_of
from slack_emulator.driver import Reply
from storage.models import GradeChangeRow, SubmissionRow
from tests.bot.activity import post
from tests.bot.conftest import (
    ADMIN,
    LEARNER_EMAIL,
    MANAGER,
    OTHER_MANAGER,
    Roster,
    allow_bulk,
)

REVIEW = "review.manage"


def submitted(event_id: str, **fields: Any) -> dict[str, Any]:
    """Lea's essay in Python 101, which a person grades."""
    return {
        "id": event_id,
        "type": "assessment_submitted",
        "user": {"email": LEARNER_EMAIL},
        "course": "Python 101",
        "assessment": "essay-1",
        "title": "Essay: why Python",
        "kind": "assignment",
        "max_score": 10,
        "responses": "Because it reads like prose.",
        "needs_review": True,
        **fields,
    }


@pytest.fixture
async def reviewing(school: Roster) -> Roster:
    """Lea in Sales Team (MANAGER's) and Support (OTHER_MANAGER's); both may review."""
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {LEARNER_EMAIL}')
    await allow_bulk(school, capability=REVIEW)
    other = SlackProfile(OTHER_MANAGER, "olga@school.org", "Olga")
    await allow_bulk(school, other, capability=REVIEW)
    status, answer = await post(school, submitted("sub-1"))
    assert (status, answer["accepted"]) == (200, 1), answer
    return school


async def queue(roster: Roster, user: str, text: str = "review") -> Reply:
    interaction = await roster.driver.command(user, text)
    assert interaction.status == 200, interaction.body
    return await interaction.reply()


async def grade_email(roster: Roster, subject: str) -> EmailMessage:
    """The learner's email with ``subject``, once delivered (their invitation and group
    emails come too, in no set order)."""
    for count in range(1, 6):
        message = await roster.inbox.wait_for(LEARNER_EMAIL, count)
        if message["Subject"] == subject:
            return message
    raise AssertionError(f"no email {subject!r} to {LEARNER_EMAIL}")


async def test_a_submission_from_the_player_waits_in_every_reviewers_queue(
    reviewing: Roster,
) -> None:
    shown = (await queue(reviewing, MANAGER, 'review "Sales Team"')).text
    assert "Review queue in Sales Team: 1 waiting" in shown
    assert "*lea*" in shown and "Essay: why Python" in shown and "attempt 1" in shown
    assert "nobody is grading it yet" in shown
    assert "1 waiting" in (await queue(reviewing, OTHER_MANAGER)).text
    assert "1 waiting" in (await queue(reviewing, ADMIN)).text


async def test_a_claim_by_one_manager_is_seen_by_another_who_cannot_grade_it(
    reviewing: Roster,
) -> None:
    mine = await queue(reviewing, MANAGER)
    click = await reviewing.driver.click(MANAGER, mine, "review.claim")
    assert "You're grading" in (await click.reply()).text
    theirs = await queue(reviewing, OTHER_MANAGER)
    assert f"<@{MANAGER}> is grading it" in theirs.text
    refused = await reviewing.driver.click(OTHER_MANAGER, theirs, "review.grade.open")
    answer = (await refused.reply()).text
    assert f"<@{MANAGER}> is grading this response" in answer and "nothing was changed" in answer
    again = await reviewing.driver.click(OTHER_MANAGER, theirs, "review.claim")
    assert "is grading this response" in (await again.reply()).text
    row = await SubmissionRow.get(responses="Because it reads like prose.")
    assert row.claimed_by_id is not None and row.state == "pending"


async def test_unclaim_lets_another_grader_take_it(reviewing: Roster) -> None:
    mine = await queue(reviewing, MANAGER)
    await (await reviewing.driver.click(MANAGER, mine, "review.claim")).reply()
    mine = await queue(reviewing, MANAGER)
    let_go = await reviewing.driver.click(MANAGER, mine, "review.unclaim")
    assert "anyone may grade it now" in (await let_go.reply()).text
    theirs = await queue(reviewing, OTHER_MANAGER)
    taken = await reviewing.driver.click(OTHER_MANAGER, theirs, "review.claim")
    assert "You're grading" in (await taken.reply()).text


async def test_grading_refuses_a_score_over_the_maximum_then_emails_the_learner(
    reviewing: Roster,
) -> None:
    mine = await queue(reviewing, MANAGER)
    form = await (await reviewing.driver.click(MANAGER, mine, "review.grade.open")).modal()
    assert "Because it reads like prose." in str(form.body["blocks"])
    over = await reviewing.driver.submit(MANAGER, form, {"score": "11", "feedback": "Great"})
    assert over.ack["response_action"] == "errors"
    assert "type a score from 0 to 10" in over.ack["errors"]["score"]
    assert await SubmissionRow.filter(state="pending").count() == 1
    done = await reviewing.driver.submit(
        MANAGER, form, {"score": "8.5", "feedback": "Clear and well argued."}
    )
    subject = "Example School: your grade in Essay: why Python"
    assert done.ack["response_action"] == "update"
    assert "8.5 of 10" in str(done.ack["view"]["blocks"])
    email = await grade_email(reviewing, subject)
    body = text_of(email)
    assert "8.5 of 10" in body and "Clear and well argued." in body
    row = await SubmissionRow.get(responses="Because it reads like prose.")
    assert (row.state, row.score, row.claimed_by_id) == ("released", 8.5, None)
    changes = await GradeChangeRow.filter(submission_id=row.id).order_by("id")
    assert [(c.change, c.after, c.by_name) for c in changes] == [
        ("graded", 8.5, "max"),
        ("released", 8.5, "max"),
    ]
    assert "Nothing is waiting for a grader" in (await queue(reviewing, OTHER_MANAGER)).text


async def test_a_second_submission_is_the_next_attempt_and_a_scored_one_skips_the_queue(
    reviewing: Roster,
) -> None:
    await post(reviewing, submitted("sub-2", responses="Second try"))
    await post(reviewing, submitted("quiz-1", assessment="quiz-1", needs_review=False, score=7))
    rows = await SubmissionRow.all().order_by("id").prefetch_related("assessment")
    assert [(r.assessment.key, r.attempt, r.state, r.score) for r in rows] == [
        ("essay-1", 1, "pending", None),
        ("essay-1", 2, "pending", None),
        ("quiz-1", 1, "released", 7.0),
    ]
    assert "2 waiting" in (await queue(reviewing, MANAGER)).text


async def test_a_score_above_the_maximum_from_the_player_is_refused(reviewing: Roster) -> None:
    status, answer = await post(reviewing, submitted("bad", score=12))
    assert status == 422
    assert "max_score" in str(answer)
    assert await SubmissionRow.all().count() == 1


async def test_a_manager_without_the_review_center_is_told_what_they_need(
    school: Roster,
) -> None:
    answer = await school.run(MANAGER, "review")
    assert "View and manage the review center" in answer and "nothing was changed" in answer


async def graded_by_manager(roster: Roster, score: str = "6") -> int:
    """Lea's essay graded by MANAGER (and so released), as the form would."""
    manager = await roster.services.users.actor(MANAGER)
    row = await SubmissionRow.get(state="pending")
    await roster.services.grading.grade(manager, row.id, score=score, feedback="Good start")
    return row.id


async def test_an_edit_needs_its_reason_and_is_kept_in_the_history(reviewing: Roster) -> None:
    submission_id = await graded_by_manager(reviewing)
    shown = await queue(reviewing, OTHER_MANAGER, "graded")
    assert "*6 of 10*" in shown.text and "released to the learner" in shown.text
    form = await (await reviewing.driver.click(OTHER_MANAGER, shown, "review.graded.edit")).modal()
    bare = await reviewing.driver.submit(OTHER_MANAGER, form, {"score": "7", "reason": "  "})
    assert bare.ack["response_action"] == "errors"
    assert "an edit to a grade needs its reason" in bare.ack["errors"]["reason"]
    assert (await SubmissionRow.get(id=submission_id)).score == 6
    done = await reviewing.driver.submit(
        OTHER_MANAGER,
        form,
        {"score": "7", "feedback": "Good start", "reason": "Second marker agreed a 7"},
    )
    assert "is now *7 of 10*" in str(done.ack["view"]["blocks"])
    await grade_email(reviewing, "Example School: your grade in Essay: why Python")
    history = await (
        await reviewing.driver.click(OTHER_MANAGER, shown, "review.graded.history")
    ).modal()
    lines = "\n".join(str(b) for b in history.body["blocks"])
    assert "*graded* by max: - → 6" in lines
    assert "*edited* by olga: 6 → 7" in lines and "Second marker agreed a 7" in lines


async def test_a_reset_lets_the_learner_retake_and_keeps_the_first_attempt(
    reviewing: Roster,
) -> None:
    first = await graded_by_manager(reviewing, "3")
    shown = await queue(reviewing, MANAGER, "graded")
    form = await (await reviewing.driver.click(MANAGER, shown, "review.graded.reset")).modal()
    bare = await reviewing.driver.submit(MANAGER, form, {"reason": ""})
    assert "a reset needs its reason" in bare.ack["errors"]["reason"]
    done = await reviewing.driver.submit(MANAGER, form, {"reason": "Upload was corrupted"})
    assert "may take it again" in str(done.ack["view"]["blocks"])
    assert "Nothing graded yet" in (await queue(reviewing, MANAGER, "graded")).text
    status, _ = await post(reviewing, submitted("sub-retake", responses="Take two"))
    assert status == 200
    rows = await SubmissionRow.all().order_by("attempt")
    assert [(r.attempt, r.state, r.score) for r in rows] == [
        (1, "reset", 3.0),
        (2, "pending", None),
    ]
    assert "attempt 2" in (await queue(reviewing, MANAGER)).text
    changes = await GradeChangeRow.filter(submission_id=first).order_by("id")
    assert [(c.change, c.before, c.reason) for c in changes][-1] == (
        "reset",
        3.0,
        "Upload was corrupted",
    )


async def test_grades_wait_for_release_when_the_school_releases_by_hand(
    reviewing: Roster,
) -> None:
    assert "wait until a grader clicks" in await reviewing.run(ADMIN, "grade-release manual")
    mine = await queue(reviewing, MANAGER)
    form = await (await reviewing.driver.click(MANAGER, mine, "review.grade.open")).modal()
    done = await reviewing.driver.submit(MANAGER, form, {"score": "9", "feedback": "Lovely"})
    assert "It waits for *Release grades*" in str(done.ack["view"]["blocks"])
    row = await SubmissionRow.get(responses="Because it reads like prose.")
    assert row.state == "graded"
    shown = await queue(reviewing, MANAGER, "graded")
    assert "not released yet" in shown.text
    click = await reviewing.driver.click(MANAGER, shown, "review.release")
    answer = (await click.reply()).text
    assert "Released 1 grade of *Essay: why Python*" in answer and "emailed" in answer
    email = await grade_email(reviewing, "Example School: your grade in Essay: why Python")
    assert "9 of 10" in text_of(email) and "Lovely" in text_of(email)
    assert (await SubmissionRow.get(id=row.id)).state == "released"
    again = await reviewing.driver.click(MANAGER, shown, "review.release")
    assert "Nothing of this assessment was waiting" in (await again.reply()).text
    changes = await GradeChangeRow.filter(submission_id=row.id).order_by("id")
    assert [c.change for c in changes] == ["graded", "released"]
