"""The school events log in words: ``/group log events``, its pages, App Home's latest."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from bot.ids import Action
from bot.views.blocks import (
    SECTION_CHARS,
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    fallback,
    header,
    packed,
    section,
    span_context,
    when,
)
from domain.events.model import TAKES_OBJECT, Cursor, How, LoggedEvent, Subscription
from domain.events.service import TYPE_NAMES, EventLog
from domain.events.subscriptions import Burst

BUTTON_VALUE = 2000


def sentence(logged: LoggedEvent) -> str:
    """One event as a reader says it: who, what, about what, why, and by whom."""
    event = logged.event
    subject = logged.user or logged.group or "the school"
    about = logged.course or (logged.group if logged.user else "")
    words = f"*{escape(subject)}* {event.type.words}"
    if about:
        joiner = " " if event.type in TAKES_OBJECT else ", in "
        words += f"{joiner}*{escape(about)}*"
    if event.detail:
        words += f" ({escape(event.detail)})"
    return f"{when(event.occurred_at)} · {words}{_cause(logged)}"


def _cause(logged: LoggedEvent) -> str:
    cause = logged.event.cause
    by = f" by {escape(logged.actor)}" if logged.actor else ""
    if cause.how is How.BULK:
        return f" · bulk job #{cause.job_id}{by}"
    if cause.how is How.RULE:
        return " · by the group's rule"
    if cause.how is How.PLAYER:
        return " · from the course player"
    if cause.how is not How.HAND:
        return ""
    return f" · by hand{by}" if logged.user else f" ·{by}" if by else ""


def event_log(log: EventLog) -> tuple[str, list[Block]]:
    chosen, page = log.chosen, log.page
    parts = sorted(t.value for t in chosen.types)
    if log.group:
        parts.append(f"in {log.group}")
    title = "Events" + (f" · {', '.join(parts)}" if parts else "")
    blocks: list[Block] = [header(title), *span_context(chosen.since, chosen.until)]
    if not page.items:
        blocks.append(section("No events match."))
    blocks += [section(text) for text in packed([sentence(e) for e in page.items])]
    blocks.append(
        context(
            "Filter: `/group log events [type] [since] [until] [group] [person]`, types: "
            + ", ".join(f"`{n}`" for n in sorted(n for n in TYPE_NAMES if "." not in n))
            + "; times: `7d`, `24h` or a date; a person by email."
        )
    )
    buttons = []
    if page.next is not None:
        buttons.append(button("Next ▶", Action.EVENTS_NEXT, button_value(log.words, page.next)))
    if page.items:
        buttons.append(
            button("Export to Excel", Action.EVENTS_EXPORT, button_value(log.words, None))
        )
    fits = all(len(b.get("value", "")) <= BUTTON_VALUE for b in buttons)
    if buttons and fits:
        blocks.append(actions(*buttons))
    return fallback(title), blocks


def button_value(words: tuple[str, ...], cursor: Cursor | None) -> str:
    """What a button carries: the filter as typed and where the next page starts."""
    after = [cursor.occurred_at.isoformat(), cursor.id] if cursor else None
    return json.dumps({"words": list(words), "after": after}, separators=(",", ":"))


def read_value(value: str) -> tuple[list[str], Cursor | None]:
    data = json.loads(value)
    after = data.get("after")
    cursor = Cursor(datetime.fromisoformat(after[0]), int(after[1])) if after else None
    return [str(w) for w in data.get("words", [])], cursor


def home_events(items: tuple[LoggedEvent, ...]) -> list[Block]:
    """App Home's latest events in the caller's groups; nothing without the right."""
    if not items:
        return []
    return [
        divider(),
        header("Latest events"),
        *(section(text) for text in packed([sentence(e) for e in items])),
        context("All of them: `/group log events`."),
    ]


def exported() -> str:
    return "The events, as filtered, are coming to your direct messages as a spreadsheet."


LOGS = (
    (
        "events",
        "[type] [since] [until] [group] [person]",
        "everything that happened to people, groups and courses",
    ),
    ("emails", "[trigger] [since]", "every email with its state (admins)"),
    ("actions", "[type] [since]", "bulk actions, their state and counts"),
    ("reports", "[type] [since]", "scheduled reports: in progress, upcoming, past"),
)


def logs_overview() -> tuple[str, list[Block]]:
    lines = [f"• `/group log {name} {args}`: {what}" for name, args, what in LOGS]
    return "The logs", [header("The logs"), section("\n".join(lines))]


def headline(burst: Burst) -> str:
    """A burst in one line: the event itself when alone, else how many and what."""
    if burst.people == 1:
        details = ", ".join(e.event.detail for e in burst.events if e.event.detail)
        last = burst.events[-1]
        return sentence(replace(last, event=replace(last.event, detail=details)))
    logged, count = burst.first, burst.people
    event = logged.event
    about = logged.course or logged.group
    words = f"*{count:,}* people {event.type.words}"
    if about:
        words += f" *{escape(about)}*" if event.type in TAKES_OBJECT else f", in *{escape(about)}*"
    return f"{words}{_cause(logged)}"


def feed_post(found: list[Burst]) -> tuple[str, list[Block]]:
    """One message for what arrived since the last: a line per burst."""
    lines = [headline(b) for b in found]
    texts = packed(lines)
    blocks: list[Block] = [section(t) for t in texts[:MESSAGE_SECTIONS]]
    if len(texts) > MESSAGE_SECTIONS:
        blocks.append(context("More in `/group log events`."))
    return clip("\n".join(lines), SECTION_CHARS), blocks


MESSAGE_SECTIONS = 40


def burst_details(burst: Burst) -> tuple[str, list[Block]] | None:
    """The people of a burst, for the thread under its line; None for one person."""
    if burst.people == 1:
        return None
    names = list(dict.fromkeys(escape(e.user or e.group) for e in burst.events))
    more = burst.people - len(names)
    lines = ", ".join(names)
    if more:
        lines += f" and {more:,} more: `/group log events {burst.first.event.type.value}`"
    blocks = [section(t) for t in packed(lines.split(", "), limit=2900)][:MESSAGE_SECTIONS]
    return fallback(f"Who: {burst.people:,}"), blocks


def subscribed(found: Subscription, new: bool) -> str:
    what = _following(found)
    verb = "now follows" if new else "now follows only"
    return f":white_check_mark: <#{found.channel}> {verb} {what}, as it happens."


def unsubscribed(found: Subscription) -> str:
    return f"<#{found.channel}> no longer follows {_following(found)}."


def subscriptions_message(found: list[Subscription]) -> tuple[str, list[Block]]:
    if not found:
        return "No subscriptions", [
            section(
                "No channel follows events yet. `/group subscribe #channel [group] [types]` "
                "starts one."
            )
        ]
    lines = [f"• <#{s.channel}>: {_following(s)}" for s in found]
    blocks = [header("Event subscriptions"), *(section(t) for t in packed(lines))]
    blocks.append(context("`/group unsubscribe #channel [group]` stops one."))
    return "Event subscriptions", blocks


def _following(found: Subscription) -> str:
    what = f"*{escape(found.group)}*" if found.group_id is not None else "the whole school"
    kinds = ", ".join(sorted(f"`{t.value}`" for t in found.types)) or "every event"
    return f"{kinds} in {what}"
