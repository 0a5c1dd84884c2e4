"""Writing user data into workbooks without letting any of it run as a formula."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.certificates.model import Certificate
from domain.entities import User
from domain.events.model import LoggedEvent
from domain.grading.model import Assessment, Gradebook

ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""What XML 1.0 can't hold: C0 controls but tab and line breaks (openpyxl refuses them
with IllegalCharacterError), U+FFFE, U+FFFF and lone surrogates (which make a file
Excel won't open)."""
REPLACEMENT = "\ufffd"


def writable(value: str) -> str:
    """The value with each character a workbook can't hold shown as U+FFFD (“�”).

    A stored value may hold one (a control character pasted into a spreadsheet
    arrives from the reader as such). One visible mark per character keeps the
    rest of the value as typed and shows where the bad character was, in every
    spreadsheet program; an escape such as ``_x0001_`` or ``\\x01`` would read as
    text someone typed, and Excel even turns ``_x0001_`` back into the invisible
    character.
    """
    return ILLEGAL.sub(REPLACEMENT, value)


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A cell stored as text, whatever it starts with or holds.

    openpyxl would store ``=SUM(...)`` (or ``=HYPERLINK(...)``) typed by a user as
    a formula that runs when the file is opened; a text cell shows it as typed.
    """
    cell = WriteOnlyCell(sheet, value=writable(value))
    cell.data_type = "s"
    return cell


def people_workbook(rows: Iterable[tuple[str, User]]) -> bytes:
    """People with what happens to each (a rule's preview), every value a text cell."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("People")
    sheet.append(["change", "email", "username", "status"])
    for change, user in rows:
        sheet.append(
            [text_cell(sheet, v) for v in (change, user.email, user.username, user.status)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel refuses in a sheet's name."""


def assessment_results_workbook(book: Gradebook) -> bytes:
    """One sheet per course: a learner a row, an assessment a column (its score, or
    its state when there is none yet); names and titles are text cells, scores numbers."""
    workbook = Workbook(write_only=True)
    by_course: dict[int, list[Assessment]] = {}
    for assessment in book.assessments:
        by_course.setdefault(assessment.course_id, []).append(assessment)
    used: set[str] = set()
    for assessments in by_course.values() or [[]]:
        sheet = workbook.create_sheet(_sheet_title(assessments, used))
        header = ["username", "email"] + [f"{a.title} (of {a.max_score:g})" for a in assessments]
        sheet.append([text_cell(sheet, h) for h in header])
        for row in book.rows.items:
            cells: list[object] = [
                text_cell(sheet, row.learner.username),
                text_cell(sheet, row.learner.email),
            ]
            for assessment in assessments:
                cell = row.cells.get(assessment.id)
                if cell is None:
                    cells.append(text_cell(sheet, "not submitted"))
                elif cell.score is None:
                    cells.append(text_cell(sheet, cell.state.value))
                else:
                    cells.append(cell.score)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(assessments: list[Assessment], used: set[str]) -> str:
    base = SHEET_TITLE.sub(" ", assessments[0].course_title if assessments else "Results")
    base = writable(base).strip()[:28] or "Course"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:25]} ({n})", n + 1
    used.add(title.lower())
    return title


def certificates_workbook(certificates: Iterable[Certificate], now: datetime, zone: str) -> bytes:
    """Issued certificates, a row each; every value a text cell but the dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Certificates")
    header = ["serial", "holder", "email", "course", "certificate"]
    header += [f"issued ({zone})", f"expires ({zone})", "status"]
    sheet.append([text_cell(sheet, h) for h in header])
    for c in certificates:
        status, _ = c.status(now)
        texts = (c.serial, c.holder_name, c.holder_email, c.course_title, c.title)
        row: list[object] = [text_cell(sheet, v) for v in texts]
        row += [wall_clock(c.issued_at, zone), wall_clock(c.expires_at, zone)]
        row.append(text_cell(sheet, status.value))
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def wall_clock(moment: datetime | None, zone: str) -> datetime | None:
    """Excel has no time zones: the moment as the school's clocks showed it, in a
    column whose header names the zone."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


EVENT_COLUMNS = ("type", "person", "group", "course", "detail", "how", "by", "job")


def events_workbook(rows: Iterable[LoggedEvent], zone: str) -> bytes:
    """The events log's view as a sheet, newest first: a row an event, text cells for
    every name and detail, the time as a date Excel sorts."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Events")
    sheet.append([f"when ({zone})", *EVENT_COLUMNS])
    for logged in rows:
        event = logged.event
        texts = (
            event.type.value,
            logged.user,
            logged.group,
            logged.course,
            event.detail,
            event.cause.how.value,
            logged.actor,
        )
        moment = wall_clock(event.occurred_at, zone)
        sheet.append([moment, *(text_cell(sheet, t) for t in texts), event.cause.job_id])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
