"""Bulk add: the upload modal, the "checking" modal, and the preview of a file."""

from __future__ import annotations

from bot.ids import Field, Modal
from bot.views.blocks import Block, context, escape, header, listing, packed, section
from bot.views.modals import View, input_block, modal
from domain.entities import Group
from domain.imports import Preview, RowProblem

PROBLEMS_SHOWN = 10


def import_modal(group: Group) -> View:
    blocks = [
        section(
            f"Add many people to *{escape(group.title)}* from the filled-in Excel template. "
            "Every row is checked first; nothing is added until you have seen the preview."
        ),
        input_block(
            Field.FILE,
            "Filled-in template (.xlsx)",
            {"type": "file_input", "filetypes": ["xlsx"], "max_files": 1},
        ),
        context("No template yet? `/group template` sends one."),
    ]
    return modal(Modal.IMPORT, "Bulk add members", blocks, submit="Check file", group=group)


def checking_modal(group: Group, filename: str) -> View:
    text = (
        f":hourglass_flowing_sand: Checking *{escape(filename)}* for *{escape(group.title)}*. "
        "The preview arrives in a direct message from Roster; you can close this."
    )
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Bulk add members"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(text)],
    }


def _problem(problem: RowProblem) -> str:
    return f"• Row {problem.row}, *{problem.column}*: {escape(problem.problem)}; {problem.fix}."


def preview_message(preview: Preview) -> tuple[str, list[Block]]:
    checked = preview.checked
    title = f"Bulk add to {preview.group.title}: {escape(preview.filename)}"
    valid = len(checked.people)
    counts = (
        f"*{valid}* row(s) ready: *{preview.new_users}* new to the school, "
        f"*{preview.existing_users}* already in the school, *{preview.already_members}* "
        f"already members. *{len(checked.problems)}* row problem(s)"
        + (f"; {checked.blank_rows} blank row(s) skipped." if checked.blank_rows else ".")
    )
    blocks: list[Block] = [header(title[:150]), section(counts)]
    if checked.problems:
        lines = [_problem(p) for p in checked.problems[:PROBLEMS_SHOWN]]
        more = len(checked.problems) - PROBLEMS_SHOWN
        if more > 0:
            lines.append(f"…and {more} more.")
        blocks += [section(text) for text in packed(["*Fix these and upload again:*", *lines])]
    notes = [n for person in checked.people for n in person.notes]
    if notes:
        blocks.append(context(listing([escape(n) for n in notes], most=5)))
    blocks.append(context("Nothing has been added: this is the check of the file."))
    return f"{title}: {valid} ready, {len(checked.problems)} problem(s)", blocks


def refused_message(filename: str, problem: str) -> str:
    return f":warning: *{escape(filename)}* can't be used: {problem}"
