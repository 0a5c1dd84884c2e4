"""The Gradebook: a group's learners against its assessments, paged, with each
learner's history and an export that opens as text, never as formulas."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.entities import SlackProfile
from domain.permissions import Capability
from slack_emulator.driver import Reply
from tests.bot.activity import post
from tests.bot.conftest import ADMIN, LEARNER_EMAIL, MANAGER, Roster, allow_bulk

GRADEBOOK = "gradebook.manage"


def event(event_id: str, email: str, assessment: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "assessment_submitted",
        "user": {"email": email},
        "course": "Python 101",
        "assessment": assessment,
        "max_score": 10,
        "pass_mark": 6,
        **fields,
    }


@pytest.fixture
async def graded(school: Roster) -> Roster:
    """Sales Team: Lea and 24 others (one named like a formula); a quiz the player
    scored for some, an essay waiting for a grader from Lea."""
    services = school.services
    admin = await services.users.actor(ADMIN)
    sales = await services.groups.resolve(admin, "Sales Team", Capability.VIEW_GROUPS)
    await services.members.add(admin, sales, email=LEARNER_EMAIL)
    await services.members.add(admin, sales, email="formula@school.org", username="=1+2")
    for n in range(23):
        await services.members.add(admin, sales, email=f"p{n:02}@school.org")
    events = [
        event("q-lea", LEARNER_EMAIL, "quiz", title="Quiz", score=7),
        event("q-f", "formula@school.org", "quiz", score=4),
        event("e-lea", LEARNER_EMAIL, "essay", title="Essay", needs_review=True),
    ]
    status, answer = await post(school, {"events": events})
    assert status == 200, answer
    await allow_bulk(school, SlackProfile(MANAGER, "max@school.org", "Max"), GRADEBOOK)
    return school


async def shown(roster: Roster, text: str) -> Reply:
    interaction = await roster.driver.command(MANAGER, text)
    assert interaction.status == 200
    return await interaction.reply()


async def test_the_gradebook_shows_scores_pass_fail_pending_and_missing_a_page_at_a_time(
    graded: Roster,
) -> None:
    first = await shown(graded, 'gradebook "Sales Team"')
    text = first.text
    assert "Gradebook: Sales Team" in text and "25 learners, 2 assessments" in text
    assert "Showing 1-20 of 25" in text
    lea = next(b["text"]["text"] for b in first.blocks if "*lea*" in str(b))
    assert "Quiz: *7/10* :white_check_mark:" in lea and "Essay: :hourglass:" in lea
    formula = next(b["text"]["text"] for b in first.blocks if "formula@school.org" in str(b))
    assert "Quiz: *4/10* :x:" in formula and "Essay: —" in formula
    more = await graded.driver.click(MANAGER, first, "gradebook.page.next")
    assert "Showing 21-25 of 25" in (await more.reply()).text


async def test_a_learners_row_opens_their_attempts_with_history(graded: Roster) -> None:
    first = await shown(graded, 'gradebook "Sales Team" "Python 101"')
    lea = next(b["accessory"]["value"] for b in first.blocks if "*lea*" in str(b.get("text", "")))
    record = await (
        await graded.driver.click(MANAGER, first, "gradebook.learner", value=lea)
    ).modal()
    body = str(record.body["blocks"])
    assert "Learner grades" in record.body["title"]["text"]
    assert "*Quiz*, attempt 1: *7 of 10 (passed)*" in body and "*scored* by course player" in body
    assert "*Essay*, attempt 1: *not graded* · pending" in body


async def test_the_export_has_a_sheet_per_course_and_names_stay_text(graded: Roster) -> None:
    first = await shown(graded, 'gradebook "Sales Team"')
    click = await graded.driver.click(MANAGER, first, "gradebook.export")
    assert "coming to your direct messages" in (await click.reply()).text
    slack = graded.slack

    def shared() -> list[str]:
        return [f for m in slack.messages if m.channel == "D0MANAGER" for f in m.files]

    content = slack.files[(await slack.wait_for(shared))[0]].content
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Python 101"]
    rows = [[c.value for c in r] for r in workbook["Python 101"].iter_rows()]
    assert rows[0] == ["username", "email", "Quiz (of 10)", "Essay (of 10)"]
    assert ["lea", LEARNER_EMAIL, 7, "pending"] in rows
    formula = next(r for r in workbook["Python 101"].iter_rows() if r[1].value.startswith("form"))
    assert formula[0].value == "=1+2" and formula[0].data_type == "s"
    assert len(rows) == 26


async def test_a_manager_without_the_gradebook_is_told_what_they_need(school: Roster) -> None:
    answer = await school.run(MANAGER, 'gradebook "Sales Team"')
    assert "View and manage gradebook" in answer and "nothing was changed" in answer
