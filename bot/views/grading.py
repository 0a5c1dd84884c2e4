"""The Review Center in Slack: the queue, its Claim and Grade buttons, the grading form."""

from __future__ import annotations

from bot.ids import Action, Field, Modal
from bot.views.blocks import (
    Block,
    actions,
    button,
    clip,
    context,
    escape,
    fallback,
    header,
    packed,
    plain,
    section,
    when,
)
from bot.views.modals import View, input_block, modal, text_input
from bot.views.paging import pager
from domain.entities import Group, Page
from domain.grading.model import (
    MAX_FEEDBACK,
    MAX_REASON,
    Assessment,
    Cell,
    Gradebook,
    GradeChange,
    Submission,
    SubmissionState,
    score_words,
)

RESPONSES_SHOWN = 2800
"""Of a section's 3000 characters, with room for the words around them."""


def _who(submission: Submission) -> str:
    learner = submission.learner
    return f"*{escape(learner.username)}* ({escape(learner.email)})"


def _what(submission: Submission) -> str:
    return (
        f"{escape(submission.course_title)}: *{escape(submission.assessment_title)}*, "
        f"attempt {submission.attempt}"
    )


def claim_words(submission: Submission) -> str:
    """Who is grading it, as every grader's queue shows it."""
    if submission.claimed_by is None:
        return "nobody is grading it yet"
    who = (
        f"<@{submission.claimed_by_slack}>"
        if submission.claimed_by_slack
        else f"*{escape(submission.claimed_by_name)}*"
    )
    return f":pencil2: {who} is grading it"


def _queue_item(submission: Submission, you: int | None) -> list[Block]:
    auto = "" if submission.auto_score is None else f" · automatic score {submission.auto_score:g}"
    text = (
        f"{_who(submission)}: {_what(submission)}\n"
        f"submitted {when(submission.submitted_at)}{auto} · {claim_words(submission)}"
    )
    value = str(submission.id)
    mine = submission.claimed_by is not None and submission.claimed_by == you
    claim = (
        button("Unclaim", Action.REVIEW_UNCLAIM, value)
        if mine
        else button("Claim", Action.REVIEW_CLAIM, value)
    )
    return [
        section(text),
        actions(claim, button("Grade", Action.REVIEW_GRADE, value, style="primary")),
    ]


def queue_message(
    page: Page[Submission], group: Group | None, *, you: int | None
) -> tuple[str, list[Block]]:
    """Responses waiting for a grader, oldest first; ``you``: the caller's school user."""
    where = f" in {group.title}" if group else ""
    if page.total == 0:
        text = f"Nothing is waiting for a grader{where}."
        return fallback(text), [section(f":white_check_mark: {escape(text)}")]
    title = f"Review queue{where}: {page.total} waiting"
    blocks: list[Block] = [header(title)]
    for submission in page.items:
        blocks.extend(_queue_item(submission, you))
    blocks.extend(pager(page, Action.REVIEW_PAGE, str(group.id) if group else ""))
    blocks.append(context("*Claim* shows every grader you're on it; *Grade* opens the response."))
    return fallback(title), blocks


def claimed(submission: Submission, *, mine: bool) -> str:
    if mine:
        return (
            f":pencil2: You're grading {_who(submission)}'s {_what(submission)}; every "
            "other grader sees it. *Grade* when you're ready, or *Unclaim* to let it go."
        )
    return f"{_who(submission)}'s {_what(submission)}: {claim_words(submission)}."


def unclaimed(submission: Submission) -> str:
    return f"You let go of {_who(submission)}'s {_what(submission)}; anyone may grade it now."


def grade_modal(submission: Submission) -> View:
    """The responses (or their link), the score checked against the maximum, feedback."""
    responses = submission.responses.strip() or "_The player sent no responses._"
    mark = f"; pass mark {submission.pass_mark:g}" if submission.pass_mark is not None else ""
    auto = (
        f"Automatic score: {submission.auto_score:g}. " if submission.auto_score is not None else ""
    )
    blocks: list[Block] = [
        section(f"{_who(submission)}\n{_what(submission)}"),
        section(f"*Responses*\n{clip(escape(responses), RESPONSES_SHOWN)}"),
        input_block(
            Field.SCORE,
            f"Score (0 to {submission.max_score:g})",
            text_input(max_length=12),
            hint=f"{auto}Maximum {submission.max_score:g}{mark}.",
        ),
        input_block(
            Field.FEEDBACK,
            "Feedback for the learner",
            text_input(max_length=MAX_FEEDBACK, multiline=True),
            optional=True,
        ),
    ]
    return modal(Modal.GRADE, "Grade response", blocks, submit="Grade", metadata=str(submission.id))


def graded(submission: Submission) -> str:
    """The form's last word: the grade, and whether the learner has it yet."""
    told = (
        "It's released: the learner was emailed their score and feedback."
        if submission.state is SubmissionState.RELEASED
        else "It waits for *Release grades* in `/group graded` before the learner sees it."
    )
    return f":white_check_mark: Graded {_who(submission)}'s {_what(submission)}: " + (
        f"*{score_words(submission)}*. {told}"
    )


def _graded_item(submission: Submission, group: Group | None) -> list[Block]:
    state = (
        "released to the learner"
        if submission.state is SubmissionState.RELEASED
        else "not released yet"
    )
    text = (
        f"{_who(submission)}: {_what(submission)}\n*{score_words(submission)}* · "
        f"graded {when(submission.graded_at)} · {state}"
    )
    value = str(submission.id)
    buttons = [
        button("Edit", Action.GRADE_EDIT, value),
        button("Reset for a retake", Action.GRADE_RESET, value),
        button("History", Action.GRADE_HISTORY, value),
    ]
    if submission.state is SubmissionState.GRADED:
        where = str(group.id) if group else ""
        release = f"{where}:{submission.assessment_id}"
        buttons.append(button("Release grades", Action.RELEASE_GRADES, release, style="primary"))
    return [section(text), actions(*buttons)]


def graded_message(page: Page[Submission], group: Group | None) -> tuple[str, list[Block]]:
    """The graded tab: latest first, each with Edit, Reset and History."""
    where = f" in {group.title}" if group else ""
    if page.total == 0:
        text = f"Nothing graded yet{where}."
        return fallback(text), [section(escape(text))]
    title = f"Graded{where}: {page.total}"
    blocks: list[Block] = [header(title)]
    for submission in page.items:
        blocks.extend(_graded_item(submission, group))
    blocks.extend(pager(page, Action.GRADED_PAGE, str(group.id) if group else ""))
    blocks.append(context("An edit or a reset needs its reason; *History* shows every change."))
    return fallback(title), blocks


def _reason_input(hint: str) -> Block:
    return input_block(
        Field.REASON,
        "Reason",
        text_input(max_length=MAX_REASON, multiline=True),
        hint=hint,
    )


def edit_modal(submission: Submission) -> View:
    """The score and feedback as they are, and the reason an edit needs."""
    blocks: list[Block] = [
        section(f"{_who(submission)}\n{_what(submission)}: *{score_words(submission)}*"),
        section(f"*Responses*\n{clip(escape(submission.responses or '-'), RESPONSES_SHOWN)}"),
        input_block(
            Field.SCORE,
            f"Score (0 to {submission.max_score:g})",
            text_input(_score(submission.score), max_length=12),
        ),
        input_block(
            Field.FEEDBACK,
            "Feedback for the learner",
            text_input(submission.feedback, max_length=MAX_FEEDBACK, multiline=True),
            optional=True,
        ),
        _reason_input("Kept in the grade's history with your name."),
    ]
    return modal(Modal.EDIT_GRADE, "Edit grade", blocks, submit="Save", metadata=str(submission.id))


def _score(score: float | None) -> str:
    return "" if score is None else f"{score:g}"


def reset_modal(submission: Submission) -> View:
    """Setting an attempt aside so the learner may retake it."""
    blocks: list[Block] = [
        section(
            f"{_who(submission)}\n{_what(submission)}: *{score_words(submission)}*\n"
            "The learner may take it again; this attempt and its grade stay in the history."
        ),
        _reason_input("Kept in the grade's history with your name."),
    ]
    return modal(
        Modal.RESET_GRADE, "Reset for a retake", blocks, submit="Reset", metadata=str(submission.id)
    )


def edited(submission: Submission) -> str:
    told = (
        " The learner was emailed the new grade."
        if submission.state is SubmissionState.RELEASED
        else ""
    )
    return (
        f":white_check_mark: Grade edited: {_who(submission)}'s {_what(submission)} is now "
        f"*{score_words(submission)}*.{told} The reason is in its history."
    )


def was_reset(submission: Submission) -> str:
    return (
        f":leftwards_arrow_with_hook: Reset {_who(submission)}'s {_what(submission)}: they "
        "may take it again, and this attempt stays in the history."
    )


def _change_line(change: GradeChange) -> str:
    before, after = _score(change.before) or "-", _score(change.after) or "-"
    who = escape(change.by_name) if change.by_name else "someone"
    line = f"{when(change.at)} · *{change.kind.value}* by {who}: {before} → {after}"
    return line + (f"\n_{escape(change.reason)}_" if change.reason else "")


def history_modal(submission: Submission, changes: list[GradeChange]) -> View:
    """Every change to one attempt's grade, oldest first."""
    lines = [_change_line(c) for c in changes] or ["No changes yet."]
    blocks: list[Block] = [
        section(f"{_who(submission)}\n{_what(submission)}: *{score_words(submission)}*"),
        *(section(chunk) for chunk in packed(lines)[:90]),
    ]
    return {
        "type": "modal",
        "title": plain("Grade history", 24),
        "close": plain("Close", 24),
        "blocks": blocks,
    }


LEGEND = (
    ":white_check_mark: passed · :x: not passed · :hourglass: waiting for a grader · "
    "— not submitted"
)


def _cell(assessment: Assessment, cell: Cell | None) -> str:
    name = escape(assessment.title)
    if cell is None:
        return f"{name}: —"
    if cell.state is SubmissionState.PENDING:
        return f"{name}: :hourglass:"
    score = "-" if cell.score is None else f"{cell.score:g}/{assessment.max_score:g}"
    mark = (
        {True: " :white_check_mark:", False: " :x:"}.get(cell.passed, "")
        if cell.passed is not None
        else ""
    )
    return f"{name}: *{score}*{mark}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def gradebook_message(
    group: Group, course: str, book: Gradebook, key: str
) -> tuple[str, list[Block]]:
    """Learners by assessments, a page of learners; ``key`` names the group and course
    for the pager and the export."""
    where = f"{group.title}" + (f" · {course}" if course else "")
    title = f"Gradebook: {where}"
    rows = book.rows
    if not book.assessments:
        text = (
            f"No assessments yet in {where}: they appear once the course player reports "
            "a submission."
        )
        return fallback(text), [section(escape(text))]
    sizes = f"{_count(rows.total, 'learner')}, {_count(len(book.assessments), 'assessment')}"
    blocks: list[Block] = [
        header(title),
        context(f"{sizes}. {LEGEND}"),
    ]
    for row in rows.items:
        cells = " · ".join(_cell(a, row.cells.get(a.id)) for a in book.assessments)
        learner = row.learner
        blocks.append(
            section(
                clip(f"*{escape(learner.username)}* ({escape(learner.email)})\n{cells}", 2900),
                accessory=button("History", Action.GRADEBOOK_LEARNER, f"{group.id}:{learner.id}"),
            )
        )
    blocks.extend(pager(rows, Action.GRADEBOOK_PAGE, key))
    blocks.append(actions(button("Export assessment results", Action.GRADEBOOK_EXPORT, key)))
    return fallback(title), blocks


def learner_record_modal(attempts: list[Submission], changes: dict[int, list[GradeChange]]) -> View:
    """Every attempt of one learner, each with its history: what *History* opens."""
    blocks: list[Block] = []
    if attempts:
        blocks.append(section(_who(attempts[0])))
    for attempt in attempts[-40:]:
        lines = [
            f"{_what(attempt)}: *{score_words(attempt)}* · {attempt.state.value}",
            *(_change_line(c) for c in changes.get(attempt.id, [])),
        ]
        blocks.append(section(clip("\n".join(lines), 2900)))
        blocks.append(actions(*_attempt_buttons(attempt)))
    if not attempts:
        blocks.append(section("Nothing submitted yet."))
    return {
        "type": "modal",
        "title": plain("Learner grades", 24),
        "close": plain("Close", 24),
        "blocks": blocks[:100],
    }


def _attempt_buttons(attempt: Submission) -> list[dict[str, object]]:
    value = str(attempt.id)
    if attempt.state in (SubmissionState.GRADED, SubmissionState.RELEASED):
        return [
            button("Edit", Action.GRADE_EDIT, value),
            button("Reset for a retake", Action.GRADE_RESET, value),
        ]
    return [button("History", Action.GRADE_HISTORY, value)]


def exported(group: Group) -> str:
    return (
        f"The assessment results of *{escape(group.title)}* are coming to your direct "
        "messages as a workbook, one sheet per course."
    )


def released(group: Group | None, submissions: list[Submission], *, emailed: bool) -> str:
    where = f" in {escape(group.title)}" if group else ""
    if not submissions:
        return f"Nothing of this assessment was waiting for release{where}."
    told = " Each learner was emailed their grade." if emailed else ""
    title = escape(submissions[0].assessment_title)
    count = len(submissions)
    return (
        f":outbox_tray: Released {count} grade{'s' if count != 1 else ''} of *{title}*"
        f"{where}.{told}"
    )


def release_setting(at_once: bool) -> str:
    if at_once:
        return (
            "Grades now reach learners as soon as they're given (with the grade email, "
            "when it's on in `/group notifications`)."
        )
    return (
        "Grades now wait until a grader clicks *Release grades* in `/group graded`; "
        "learners hear nothing before that."
    )
