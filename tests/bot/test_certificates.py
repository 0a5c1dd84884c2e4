"""Certificates: from the course player or on completion, listed and revoked in Slack,
and verified by anyone on a public page that tells valid, expired and revoked apart."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import pytest
from openpyxl import load_workbook

from domain.entities import SlackProfile
from slack_emulator.driver import Reply
from storage.models import CertificateRow
from tests.bot.activity import post
from tests.bot.conftest import ADMIN, LEARNER_EMAIL, MANAGER, Roster, allow_bulk
from tests.bot.test_invitations import browser_session
from tests.bot.test_sign_in_limits import joined


def issued(event_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "certificate_issued",
        "user": {"email": LEARNER_EMAIL},
        "course": "Python 101",
        "certificate": "Python Practitioner",
        **fields,
    }


@pytest.fixture
async def certified(school: Roster) -> Roster:
    """Lea in Sales Team, which MANAGER manages with *View and manage certifications*."""
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {LEARNER_EMAIL}')
    profile = SlackProfile(MANAGER, "max@school.org", "Max")
    await allow_bulk(school, profile, "certifications.manage")
    return school


async def listing(roster: Roster, text: str = 'certificates "Sales Team"') -> Reply:
    interaction = await roster.driver.command(MANAGER, text)
    assert interaction.status == 200
    return await interaction.reply()


async def page(roster: Roster, code: str, suffix: str = "") -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{roster.url}/verify/{code}{suffix}") as answer,
    ):
        return answer.status, await answer.text()


async def verified(roster: Roster, code: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{roster.url}/verify/{code}.json") as answer,
    ):
        assert answer.status == 200
        body: dict[str, Any] = await answer.json()
        return body


async def test_a_certificate_from_the_player_is_listed_and_verifiable_by_anyone(
    certified: Roster,
) -> None:
    status, answer = await post(certified, issued("c1"))
    assert (status, answer["accepted"]) == (200, 1), answer
    row = await CertificateRow.get(user__email=LEARNER_EMAIL)
    assert len(row.code) >= 20 and row.serial.startswith("RC-")
    shown = (await listing(certified)).text
    assert f"*{row.serial}*" in shown and "Python Practitioner" in shown and "*valid*" in shown
    assert f"/verify/{row.code}|verification page>" in shown
    status, html = await page(certified, row.code)
    assert status == 200 and "<strong>Valid</strong>" in html
    assert "lea" in html and row.serial in html and "Python 101" in html
    body = await verified(certified, row.code)
    assert (body["status"], body["serial"], body["holder"]) == ("valid", row.serial, "lea")
    found = (await listing(certified, f'certificates "Sales Team" {row.serial}')).text
    assert "Certificates in Sales Team matching" in found and row.serial in found


async def test_an_expired_certificate_says_since_when(certified: Roster) -> None:
    await post(certified, issued("c1", expires_at="2026-01-31T00:00:00Z"))
    row = await CertificateRow.get(user__email=LEARNER_EMAIL)
    status, html = await page(certified, row.code)
    assert status == 200 and "Expired since 2026-01-31 00:00 UTC" in html
    body = await verified(certified, row.code)
    assert (body["status"], body["since"]) == ("expired", "2026-01-31T00:00:00+00:00")


async def test_revoking_needs_a_reason_and_the_public_page_says_so(certified: Roster) -> None:
    await post(certified, issued("c1"))
    row = await CertificateRow.get(user__email=LEARNER_EMAIL)
    shown = await listing(certified)
    form = await (await certified.driver.click(MANAGER, shown, "certificates.revoke.open")).modal()
    bare = await certified.driver.submit(MANAGER, form, {"reason": ""})
    assert "revoking a certificate needs its reason" in bare.ack["errors"]["reason"]
    assert (await CertificateRow.get(id=row.id)).revoked_at is None
    done = await certified.driver.submit(MANAGER, form, {"reason": "Exam taken by someone else"})
    assert "Revoked" in str(done.ack["view"])
    _, html = await page(certified, row.code)
    assert "<strong>Revoked since" in html and "Exam taken by someone else" in html
    body = await verified(certified, row.code)
    assert body["status"] == "revoked" and body["revoked_reason"] == "Exam taken by someone else"
    assert "*revoked since" in (await listing(certified)).text


async def test_completing_a_course_set_to_award_one_earns_a_certificate_once(
    certified: Roster,
) -> None:
    answer = await certified.run(ADMIN, 'certificate-award "Python 101" on')
    assert "now earns a certificate" in answer
    done = {
        "id": "done-1",
        "type": "course_completed",
        "user": {"email": LEARNER_EMAIL},
        "course": "Python 101",
    }
    assert (await post(certified, done))[0] == 200
    assert (await post(certified, {**done, "id": "done-2"}))[0] == 200
    rows = await CertificateRow.filter(user__email=LEARNER_EMAIL)
    assert [(r.source, r.title) for r in rows] == [("completion", "Python 101")]
    assert "*valid*" in (await listing(certified)).text


async def test_an_unknown_code_is_not_found_and_lookups_are_rate_limited(
    certified: Roster,
) -> None:
    status, html = await page(certified, "x" * 22)
    assert status == 404 and "No certificate has this verification link" in html
    for _ in range(60):
        await page(certified, "y" * 22)
    status, text = await page(certified, "z" * 22)
    assert status == 429 and "Too many certificate lookups from your network. Wait" in text


async def test_the_export_lists_every_certificate_with_its_status(certified: Roster) -> None:
    await post(certified, issued("c1"))
    shown = await listing(certified)
    click = await certified.driver.click(MANAGER, shown, "certificates.export")
    assert "coming to your direct messages" in (await click.reply()).text
    slack = certified.slack

    def shared() -> list[str]:
        return [f for m in slack.messages if m.channel == "D0MANAGER" for f in m.files]

    content = slack.files[(await slack.wait_for(shared))[0]].content
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(content))["Certificates"].rows]
    assert rows[0][:5] == ["serial", "holder", "email", "course", "certificate"]
    assert rows[1][1:5] == ["lea", LEARNER_EMAIL, "Python 101", "Python Practitioner"]
    assert rows[1][7] == "valid"


async def test_a_manager_without_certifications_is_told_what_they_need(school: Roster) -> None:
    answer = await school.run(MANAGER, 'certificates "Sales Team"')
    assert "View and manage certifications" in answer and "nothing was changed" in answer


async def test_a_learner_sees_their_grades_and_certificates_on_their_page(
    school: Roster,
) -> None:
    async with browser_session() as browser:
        await joined(school, browser, "eve@example.org")
        quiz = {
            "id": "q1",
            "type": "assessment_submitted",
            "user": {"email": "eve@example.org"},
            "course": "Python 101",
            "assessment": "quiz",
            "title": "Quiz 1",
            "max_score": 10,
            "pass_mark": 5,
            "score": 9,
        }
        certificate = {**issued("c1"), "user": {"email": "eve@example.org"}}
        status, answer = await post(school, {"events": [quiz, certificate]})
        assert status == 200, answer
        row = await CertificateRow.get(user__email="eve@example.org")
        async with browser.get(f"{school.url}/me") as page:
            html = await page.text()
    assert "Your grades" in html and "Quiz 1 (attempt 1): 9 of 10 (passed)" in html
    assert "Your certificates" in html and f"serial {row.serial}: valid" in html
    assert f'href="{school.url}/verify/{row.code}"' in html
