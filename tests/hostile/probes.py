"""The same hostile values, sent down every path people and systems use to reach Roster.

Each probe sends one value the way its path would carry it (a typed command, a
modal, a spreadsheet row, a course player's event), then reads what came back
and whether anything was stored. The tests assert on every outcome; the
``benchmarks/hostile_inputs.py`` script counts them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import xlsxwriter

from bot.web.activity_api import signed_headers
from slack_emulator import SlackDriver, SlackEmulator
from slack_emulator.state import Message
from storage.models import (
    ActivityEventRow,
    BulkJobItemRow,
    GroupRow,
    OutboxRow,
    UserRow,
    WebSessionRow,
)

UNSAFE: dict[str, str] = {
    "NUL": "Ana\x00García",
    "start of heading": "Ana\x01García",
    "line break": "Ana\nGarcía",
    "carriage return": "Ana\rGarcía",
    "tab": "Ana\tGarcía",
    "record separator (the letters' link placeholder)": "Ana\x1eGarcía",
    "DEL": "Ana\x7fGarcía",
    "next line (C1)": "Ana\x85García",
    "right-to-left override": "Ana \u202eaícraG",
    "zero-width space": "Ana\u200bGarcía",
    "byte-order mark inside": "Ana\ufeffGarcía",
    "line separator": "Ana\u2028García",
    "private use": "Ana\ue000",
    "noncharacter": "Ana\ufdd0",
    "too long": "Ana García " * 25,
}
"""Values no name may hold: each is refused, on every path, with the fix."""

JSON_ONLY: dict[str, str] = {"lone surrogate": "Ana\ud800"}
"""What only JSON can carry (UTF-8 forms and files cannot encode it)."""

BAD_EMAILS: dict[str, str] = {
    "header injection": "ana@example.org\r\nBcc: eve@evil.example",
    "NUL": "ana@example.org\x00",
    "mention": "<!channel>@example.org",
    "space": "ana garcía@example.org",
    "no domain": "ana@",
    "too long": "a" * 250 + "@example.org",
}

SPREADSHEET_COLUMNS = ("username", "first name", "last name", "tags")
CRASHED = "went wrong on our side"


@dataclass(frozen=True)
class Target:
    """A running Roster: its Slack, the admin who acts, a group, the course player's secret."""

    slack: SlackEmulator
    driver: SlackDriver
    url: str
    admin: str
    group: str
    activity_secret: str


@dataclass(frozen=True)
class Outcome:
    path: str
    value: str
    answer: str
    refused: bool
    """The answer refused the value and said what to do instead."""
    crashed: bool
    """A 5xx, or the reply for unexpected errors."""
    stored: bool
    """Something of the refused value reached the database."""


async def _users() -> int:
    return await UserRow.all().count()


async def command(target: Target, name: str, value: str, index: int) -> Outcome:
    """``/group add <group> <email> "<value>"``: the name as typed in Slack."""
    before = await _users()
    email = f"cmd{index}@example.org"
    interaction = await target.driver.command(
        target.admin, f'add "{target.group}" {email} "{value}"'
    )
    answer = (await interaction.reply()).text if interaction.status == 200 else interaction.body
    return Outcome(
        "command",
        name,
        answer,
        "is not right" in answer and ("again without it" in answer or "keep it to" in answer),
        interaction.status >= 500 or CRASHED in answer,
        await _users() != before or await UserRow.filter(email=email).exists(),
    )


async def add_by_email(target: Target, name: str, value: str, index: int) -> Outcome:
    """``/group add <group> "<address>" Ana``: a malformed address, typed."""
    before = await _users()
    interaction = await target.driver.command(
        target.admin, f'add "{target.group}" "{value}" Ana{index}'
    )
    answer = (await interaction.reply()).text if interaction.status == 200 else interaction.body
    return Outcome(
        "command (email)",
        name,
        answer,
        "The email is not right" in answer and "ada@school.org" in answer,
        interaction.status >= 500 or CRASHED in answer,
        await _users() != before,
    )


async def modal(target: Target, name: str, value: str, index: int) -> Outcome:
    """The add-member form, its username field holding the value."""
    before = await _users()
    group = await GroupRow.get(title=target.group)
    opened = await target.driver.command(target.admin, "list")
    listing = await opened.reply()
    clicked = await target.driver.click(
        target.admin, listing, "groups.add_member", value=str(group.id)
    )
    form = await clicked.modal()
    email = f"form{index}@example.org"
    submitted = await target.driver.submit(target.admin, form, {"email": email, "username": value})
    errors = submitted.ack.get("errors") or {} if submitted.status == 200 else {}
    answer = str(errors.get("username", submitted.body))
    return Outcome(
        "modal",
        name,
        answer,
        "again without it" in answer or "keep it to" in answer,
        submitted.status >= 500 or CRASHED in str(form.body),
        await _users() != before or await UserRow.filter(email=email).exists(),
    )


def hostile_workbook(values: dict[str, str]) -> bytes:
    """One row per value and column, as Excel stores it (control characters escaped
    as ``_xHHHH_``, which readers turn back into the characters)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Users")
    header = ["username", "email", "first name", "last name", "tags"]
    sheet.write_row(0, 0, header)
    row = 1
    for index, value in enumerate(values.values()):
        for column in SPREADSHEET_COLUMNS:
            cells = {c: "" for c in header}
            cells.update({"username": "Ana", "email": f"row{index}-{column[:3]}@example.org"})
            cells[column] = value if column != "tags" else f"sales, {value}"
            sheet.write_row(row, 0, [cells[c] for c in header])
            row += 1
    book.close()
    return out.getvalue()


async def spreadsheet(
    target: Target, values: dict[str, str], upload: Any
) -> tuple[list[Outcome], Message]:
    """Every value in every name column of one file; ``upload`` sends it as a person
    would and returns the preview. Every row must come back as a problem."""
    before = await _users()
    preview = await upload(hostile_workbook(values))
    shown = "\n".join([preview.text, *(str(b) for b in preview.blocks)])
    rows = len(values) * len(SPREADSHEET_COLUMNS)
    ready = await BulkJobItemRow.filter(problem="").count()
    outcomes = []
    for index, name in enumerate(values):
        for column in SPREADSHEET_COLUMNS:
            email = f"row{index}-{column[:3]}@example.org"
            item = await BulkJobItemRow.filter(email=email).order_by("-id").first()
            problem = item.problem if item else ""
            outcomes.append(
                Outcome(
                    f"spreadsheet ({column})",
                    name,
                    problem,
                    problem.startswith(f"{column}:")
                    and ("again without it" in problem or "keep" in problem),
                    CRASHED in shown or "can't be used" in shown,
                    ready > 0 or await _users() != before,
                )
            )
    assert f"*{rows}* row(s) with problems" in shown, shown
    return outcomes, preview


async def activity(target: Target, name: str, value: str, field: str) -> Outcome:
    """A course player's event whose ``field`` holds the value; the whole request is
    refused with 422 naming the field."""
    before = await ActivityEventRow.all().count()
    event: dict[str, Any] = {
        "id": f"hostile-{field}-{name}",
        "type": "assessment_submitted",
        "user": {"email": "lea@school.org"},
        "course": "Python 101",
        "assessment": "Quiz 1",
    }
    if field == "user.email":
        event["user"] = {"email": value}
    else:
        event[field] = value
    raw = json.dumps(event).encode()
    headers = signed_headers(target.activity_secret, raw)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{target.url}/api/activity", data=raw, headers=headers) as response,
    ):
        status, text = response.status, await response.text()
    problems = json.loads(text).get("problems", []) if status == 422 else []
    return Outcome(
        f"activity API ({field})",
        name,
        text,
        any(p.get("field") == field and p.get("message") for p in problems),
        status >= 500,
        await ActivityEventRow.all().count() != before,
    )


async def web_form(target: Target, name: str, value: str, page: str) -> Outcome:
    """A learner's form (``/login`` or ``/forgot``) posted with a malformed address:
    refused with what to do, no email queued, no session opened."""
    before = (await OutboxRow.all().count(), await WebSessionRow.all().count())
    form = {"email": value, "password": "a long enough password"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{target.url}{page}", data=form, allow_redirects=False) as response,
    ):
        status, text = response.status, await response.text()
    told = {
        "/login": "Forgot your password?",
        "/forgot": "use the form ada@school.org",
    }[page]
    after = (await OutboxRow.all().count(), await WebSessionRow.all().count())
    return Outcome(
        f"web form ({page})",
        name,
        text,
        status in {400, 401} and told in text,
        status >= 500,
        after != before,
    )


async def still_serving(target: Target) -> bool:
    """After all of it, Roster answers both Slack and the web."""
    async with aiohttp.ClientSession() as session, session.get(f"{target.url}/healthz") as health:
        healthy = health.status == 200
    listing = await target.driver.command(target.admin, "list")
    return healthy and "Your groups" in (await listing.reply()).text
