"""Rules for groups and segments: the form, the preview, the status and the summary."""

from __future__ import annotations

from typing import Any

from bot.ids import Action, Field, Modal
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    fallback,
    header,
    listing,
    option,
    section,
    when,
)
from bot.views.modals import View, input_block, modal, text_input
from bot.views.review import decision_blocks
from domain.entities import Group, User
from domain.rules.form import FormBlocks, FormRow
from domain.rules.model import (
    LABELS,
    MAX_TEXT,
    OP_LABELS,
    Attr,
    Op,
    Rule,
    RulePreview,
    RuleRun,
    RuleState,
    SavedRule,
)
from domain.rules.service import RuleSummary
from domain.rules.text import describe

FIRST_ROWS = 3
SECOND_ROWS = 2
SEGMENT = "segment"
"""``private_metadata`` of the form when it defines a segment rather than a group's rule."""

_ATTRIBUTES = [option(LABELS[a], a.value) for a in Attr]
_OPERATORS = [option(OP_LABELS[o], o.value) for o in Op]
_NOT = "not"
_MATCH = [option("all of these", "all"), option("any of these", "any")]
_CHANGE = {"added": ":heavy_plus_sign:", "removed": ":heavy_minus_sign:"}


def rule_words(rule: Rule | None) -> str:
    """The rule in words; a saved rule that no longer reads (None) names a course or
    group since deleted or renamed."""
    if rule is None:
        return "(it names a course or group that was deleted: set the rule again)"
    return describe(rule)


def row_fields(number: int) -> tuple[str, str, str]:
    """block_ids of a form row's attribute, operator and value inputs."""
    return (
        f"{Field.RULE_ROW}{number}.attr",
        f"{Field.RULE_ROW}{number}.op",
        f"{Field.RULE_ROW}{number}.value",
    )


def rule_modal(group: Group | None, *, text: str = "") -> View:
    """Two blocks of condition rows (each all-of or any-of, joined by and), or text."""
    blocks: list[Block] = []
    if group is None:
        blocks.append(input_block(Field.SEGMENT_NAME, "Segment name", text_input(max_length=80)))
    what = f"who is in *{escape(group.title)}*" if group else "who is in this segment"
    blocks.append(
        section(
            f"Decide {what} with condition rows, or write the rule as text at the bottom. "
            "Each row: what, how to compare, and a value (a list: comma-separated; "
            "a date: 2026-01-31; progress: course, percent)."
        )
    )
    blocks += _row_block(Field.RULE_MATCH_FIRST, "People who match", range(FIRST_ROWS))
    blocks += _row_block(
        Field.RULE_MATCH_SECOND,
        "…and who also match",
        range(FIRST_ROWS, FIRST_ROWS + SECOND_ROWS),
    )
    blocks.append(
        input_block(
            Field.RULE_TEXT,
            "Or the rule as text",
            text_input(
                text,
                max_length=MAX_TEXT,
                multiline=True,
                placeholder='email endswith "@acme.com" and (tag in ["sales", "cs"] '
                'or completed "Onboarding 101")',
            ),
            optional=True,
            hint="Used instead of the rows when filled in. Operators: equals, !=, contains, "
            "startswith, endswith, in [..], is empty, before/after 2026-01-31, within 30 days, "
            "at least/at most; combine with and, or, not and (parentheses).",
        )
    )
    title = "Group rule" if group else "New segment"
    return modal(
        Modal.RULE_FORM,
        title,
        blocks,
        submit="Preview",
        group=group,
        metadata="" if group else SEGMENT,
    )


def _row_block(match_field: Field, label: str, numbers: range) -> list[Block]:
    blocks = [
        input_block(
            match_field,
            label,
            {"type": "static_select", "options": _MATCH, "initial_option": _MATCH[0]},
        )
    ]
    for number in numbers:
        attr, op, value = row_fields(number)
        blocks += [
            input_block(
                attr,
                f"Condition {number + 1}",
                {"type": "static_select", "options": _ATTRIBUTES},
                optional=True,
            ),
            input_block(
                op,
                "compared by",
                {
                    "type": "static_select",
                    "options": [*_OPERATORS, option("does not equal", _NOT)],
                },
                optional=True,
            ),
            input_block(value, "value", text_input(max_length=500), optional=True),
        ]
    return blocks


def form_rows(
    values: dict[str, Any],
) -> FormBlocks:
    """The submitted rows, two blocks of them, each with whether it is all-of."""

    def chosen(block_id: str) -> str:
        element = values.get(block_id, {}).get(block_id, {})
        value: str = (element.get("selected_option") or {}).get("value", "")
        return value

    def typed(block_id: str) -> str:
        return values.get(block_id, {}).get(block_id, {}).get("value") or ""

    def rows(numbers: range) -> list[FormRow]:
        found = []
        for number in numbers:
            attr, op, value = row_fields(number)
            operator = chosen(op)
            negate = operator == _NOT
            found.append(
                FormRow(chosen(attr), Op.EQUALS.value if negate else operator, typed(value), negate)
            )
        return found

    return (
        (rows(range(FIRST_ROWS)), chosen(Field.RULE_MATCH_FIRST) != "any"),
        (
            rows(range(FIRST_ROWS, FIRST_ROWS + SECOND_ROWS)),
            chosen(Field.RULE_MATCH_SECOND) != "any",
        ),
    )


def form_text(values: dict[str, Any]) -> str:
    return values.get(Field.RULE_TEXT, {}).get(Field.RULE_TEXT, {}).get("value") or ""


def row_error_field(row: int) -> str:
    """Where a row's problem shows: under its value, or its attribute when none is set."""
    return row_fields(row)[2]


def _people(users: tuple[User, ...], total: int) -> str:
    names = [f"{escape(u.username)} ({escape(u.email)})" for u in users]
    return listing(names, most=len(names)) + (
        f" and {total - len(users)} more" if total > len(users) else ""
    )


def _rule_lines(text: str, rule_words: str) -> str:
    return f"*Rule:* {escape(rule_words)}\n```{escape(text)}```"


def preview_message(
    group: Group | None,
    draft: SavedRule,
    words: str,
    preview: RulePreview,
    *,
    approval: bool = False,
) -> tuple[str, list[Block]]:
    """What saving would change, with Save rule (or, for a manager's group rule,
    Send for approval) and Cancel."""
    if group is None:
        title = f"Preview of segment {draft.name}"
        lines = [f"*{preview.matching}* people match today."]
        if preview.first_added:
            lines.append(f"First ones: {_people(preview.first_added, preview.matching)}")
    else:
        title = f"Preview of the rule for {group.title}"
        lines = _changes(preview)
    until = "an admin approves" if approval else "you save"
    save = "Send for approval" if approval else "Save rule"
    blocks = [
        header(title),
        section(_rule_lines(draft.text, words)),
        section("\n".join(lines)),
        actions(
            button(save, Action.SAVE_RULE, str(draft.id), style="primary"),
            button("Cancel", Action.CANCEL_RULE, str(draft.id)),
        ),
        context(
            f"The full list is in this thread. Nothing changes until {until}."
            if preview.names_shown
            else "Names are shown to those who may view users (*View users*). "
            f"Nothing changes until {until}."
        ),
    ]
    return fallback(title), blocks


def _changes(preview: RulePreview) -> list[str]:
    """What saving a group's rule would change: the preview and the admin's review."""
    lines = [
        f"*{preview.matching}* people match. Saving adds *{preview.added}* and removes "
        f"*{preview.removed}*."
    ]
    if preview.first_added:
        lines.append(f"Added: {_people(preview.first_added, preview.added)}")
    if preview.removed:
        lines.append(
            f":warning: This rule would *remove {preview.removed}* people the current rule "
            f"added: {_people(preview.first_removed, preview.removed)}"
        )
    if preview.manual_kept:
        lines.append(
            f"{preview.manual_kept} members added by hand don't match; they stay, because "
            "a rule never removes someone added by hand."
        )
    return lines


def approval_request(group: Group, draft: SavedRule, words: str) -> tuple[str, list[Block]]:
    """What each admin gets when a manager sends a group's rule for approval."""
    who = _by(draft.created_by)
    text = f"{who} asks to set the rule of *{escape(group.title)}*."
    blocks = [
        section(text),
        section(_rule_lines(draft.text, words)),
        actions(button("Review", Action.REVIEW_RULE, str(draft.id), style="primary")),
    ]
    return fallback(f"The rule of {group.title} needs your approval"), blocks


def review_modal(group: Group, draft: SavedRule, words: str, preview: RulePreview) -> View:
    """The rule, what it would change now, and the same decision as a bulk action's."""
    summary = f"*{escape(group.title)}*, asked by {_by(draft.created_by)}:"
    blocks: list[Block] = [
        section(summary),
        section(_rule_lines(draft.text, words)),
        section("\n".join(_changes(preview))),
        *decision_blocks("manager"),
    ]
    return modal(
        Modal.REVIEW_RULE, "Review group rule", blocks, submit="Done", metadata=str(draft.id)
    )


def sent_for_approval(admins: list[str]) -> str:
    who = listing([f"<@{a}>" for a in admins], empty="the school admins")
    return (
        f":incoming_envelope: Sent to {who} for approval. Nothing changes until one of them "
        "approves; you'll hear the decision here."
    )


def reviewed(draft: SavedRule) -> str:
    """The manager's line in the preview's thread once an admin decided."""
    who = _by(draft.decided_by)
    if draft.state is RuleState.REJECTED:
        return f":no_entry: Rejected by {who}: {escape(draft.reason)}\nNothing changed."
    return f":white_check_mark: Approved by {who}. The rule runs now."


def review_recorded(draft: SavedRule, *, now_decided: bool) -> str:
    """What the deciding admin sees; a second decision is told it changed nothing."""
    if now_decided:
        return f"{reviewed(draft)} The manager has been told in their thread."
    if draft.state is RuleState.PENDING:
        return "This rule is still waiting for approval."
    by = f" by {_by(draft.decided_by)} {when(draft.decided_at)}" if draft.decided_by else ""
    return f"This rule was already *{draft.state.value}*{by}; nothing more was done."


def _by(user: User | None) -> str:
    if user is None:
        return "someone no longer in the school"
    return f"<@{user.slack_user_id}>" if user.slack_user_id else escape(user.email)


def decided_message(
    group: Group | None, draft: SavedRule, words: str, *, by: str
) -> tuple[str, list[Block]]:
    """The preview once someone chose: no buttons, and what was chosen."""
    target = f"the rule for {group.title}" if group else f"segment {draft.name}"
    outcome = {
        RuleState.CANCELLED: f"Cancelled by <@{by}>; nothing changed",
        RuleState.PENDING: f"Sent for approval by <@{by}>; nothing changes until an admin approves",
        RuleState.REJECTED: f"Rejected by {_by(draft.decided_by)}; nothing changed",
    }.get(draft.state, f"Saved by <@{by}>")
    if draft.state is not RuleState.REJECTED and draft.decided_by is not None:
        outcome = f"Approved by {_by(draft.decided_by)}"
    return f"{outcome}: {fallback(target)}", [
        header(f"Preview of {target}"[:150]),
        section(_rule_lines(draft.text, words)),
        context(f"{outcome}."),
    ]


def already_decided(draft: SavedRule) -> str:
    return (
        f"This preview was already {draft.state.value}; nothing was changed. "
        "Open the rule again to make a new preview."
    )


def evaluating(group: Group) -> str:
    return f":hourglass_flowing_sand: Evaluating the rule for *{escape(group.title)}* for everyone…"


def evaluated(group: Group, run: RuleRun) -> str:
    return (
        f":white_check_mark: Done: the rule for *{escape(group.title)}* added "
        f"*{len(run.added)}* and removed *{len(run.removed)}*."
    )


def evaluation_failed(group: Group) -> str:
    return (
        f":warning: Evaluating the rule for *{escape(group.title)}* stopped on our side. The "
        "rule is saved and what it already changed stays; press *Re-evaluate now* in "
        f'`/group rule "{escape(group.title)}"` to finish.'
    )


def segment_saved(draft: SavedRule) -> str:
    return (
        f":white_check_mark: Segment *{escape(draft.name)}* is saved. Filter a group's members "
        f'with `/group members <group> "{escape(draft.name)}"`.'
    )


def summary_message(summary: RuleSummary) -> tuple[str, list[Block]]:
    """The rule in words, when it ran and what it changed, with its buttons."""
    group, saved = summary.group, summary.rule
    title = f"Rule of {group.title}"
    if saved is None:
        return fallback(title), [
            header(title),
            section(
                f"*{escape(group.title)}* has no rule: its members are added by hand. "
                f'Set one with `/group rule "{escape(group.title)}" set <rule>` or the button.'
            ),
            actions(button("Set a rule", Action.EDIT_RULE, str(group.id))),
        ]
    words = rule_words(summary.parsed)
    by = (
        f"<@{saved.created_by.slack_user_id}>"
        if saved.created_by and saved.created_by.slack_user_id
        else "someone"
    )
    lines = [
        _rule_lines(saved.text, words),
        f"Saved {when(saved.saved_at)} by {by}. Last evaluated for everyone "
        f"{when(saved.last_run_at)}: it added {saved.last_added} and removed "
        f"{saved.last_removed}.",
    ]
    if summary.events:
        changes = [
            f"{when(e.at)} {_CHANGE[e.change]} {escape(e.email)} ({escape(e.cause)})"
            for e in summary.events
        ]
        lines.append("*Recent changes*\n" + "\n".join(changes))
    return fallback(title), [
        header(title),
        *(section(line) for line in lines),
        actions(
            button("Edit rule", Action.EDIT_RULE, str(group.id)),
            button("Re-evaluate now", Action.REFRESH_RULE, str(group.id)),
        ),
    ]


def segments_message(segments: list[SavedRule]) -> tuple[str, list[Block]]:
    title = f"User segments ({len(segments)})"
    if not segments:
        return title, [
            header(title),
            section("No segments yet. `/group segment new` opens the form to save one."),
        ]
    lines = [f"*{escape(s.name)}*: `{escape(s.text)}`" for s in segments]
    return title, [header(title), *(section(line) for line in lines)]


def rule_ended(group: Group) -> str:
    return (
        f"*{escape(group.title)}* has no rule any more. Everyone it added stays, now as a "
        "member added by hand."
    )


def refreshing(group: Group) -> str:
    return (
        f"Re-evaluating the rule for *{escape(group.title)}*; the outcome is in your direct "
        "messages with Roster."
    )


def preview_sent() -> str:
    return "The preview is in your direct messages with Roster; nothing changes until you save."
