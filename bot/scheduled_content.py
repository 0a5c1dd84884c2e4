"""What each kind of scheduled report posts, read as its owner may read it now.

A schedule's owner may have lost a right, a group, a course or a segment since
they made it: each is looked up afresh here, and a domain error pauses the
schedule (see :mod:`bot.report_schedules`). Whether a period had anything to
report is decided here too, so a schedule that posts only news can skip it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.reports import post_thread
from bot.services import Services
from bot.views.action_log import bulk_report
from bot.views.blocks import Block
from bot.views.emails import email_report
from bot.views.event_digest import digest_message
from bot.views.reports import attention_message, completion_message, report_message
from domain.entities import Actor, Course, Group
from domain.reports import GroupReport
from domain.rules.model import Rule
from domain.schedules import READS, ReportKind, ReportSchedule

Thread = Callable[[str], Awaitable[None]]
"""What follows in the message's thread once it is posted, given its ts."""


@dataclass(frozen=True)
class Composed:
    text: str
    blocks: list[Block]
    empty: bool
    """Nothing happened or nobody is concerned in the period."""
    thread: Thread | None = None


@dataclass(frozen=True)
class _Reader:
    """A schedule as its owner reads it at one delivery."""

    client: AsyncWebClient
    services: Services
    schedule: ReportSchedule
    actor: Actor
    group: Group
    since: datetime
    """Where the period began: the schedule's previous due moment."""
    now: datetime


async def compose(
    client: AsyncWebClient,
    services: Services,
    schedule: ReportSchedule,
    period: datetime,
    *,
    now: datetime,
) -> Composed:
    actor = await services.users.actor(schedule.owner_slack_id)
    group = await services.groups.resolve(actor, f"#{schedule.group_id}", READS[schedule.kind])
    since = schedule.timing.previous(period)
    reader = _Reader(client, services, schedule, actor, group, since, now)
    return await _KINDS[schedule.kind](reader)


async def _progress(r: _Reader) -> Composed:
    report = await _group_report(r)
    exporting = _exporting(r, report)
    text, blocks = report_message(report, exporting=exporting)
    return Composed(text, blocks, not _enrolled(report), _thread(r, report, exporting=exporting))


async def _completion(r: _Reader) -> Composed:
    course, only = await _focus(r)
    done = await r.services.reports.completions(
        r.actor, r.group, since=r.since, course=course, only=only, segment=r.schedule.focus.segment
    )
    exporting = _exporting(r, done.report)
    text, blocks = completion_message(done, exporting=exporting)
    return Composed(text, blocks, not done.total, _thread(r, done.report, exporting=exporting))


async def _attention(r: _Reader) -> Composed:
    report = await _group_report(r)
    exporting = _exporting(r, report)
    text, blocks = attention_message(report, exporting=exporting)
    thread = _thread(r, report, exporting=exporting, chart=False) if exporting else None
    return Composed(text, blocks, not report.attention_total, thread)


async def _bulk(r: _Reader) -> Composed:
    jobs = await r.services.bulk.on_group(r.actor, r.group, since=r.since)
    text, blocks = bulk_report(r.group, jobs, since=r.since, until=r.now)
    return Composed(text, blocks, not jobs)


async def _emails(r: _Reader) -> Composed:
    emails = await r.services.emails.to_group(r.actor, r.group, since=r.since, until=r.now)
    text, blocks = email_report(emails)
    return Composed(text, blocks, not emails.total)


async def _events(r: _Reader) -> Composed:
    digest = await r.services.events.digest(r.actor, r.group, since=r.since, until=r.now)
    text, blocks = digest_message(digest)
    return Composed(text, blocks, not digest.counts)


_KINDS: dict[ReportKind, Callable[[_Reader], Awaitable[Composed]]] = {
    ReportKind.PROGRESS: _progress,
    ReportKind.COMPLETION: _completion,
    ReportKind.ATTENTION: _attention,
    ReportKind.BULK: _bulk,
    ReportKind.EMAILS: _emails,
    ReportKind.EVENTS: _events,
}


async def _focus(r: _Reader) -> tuple[Course | None, Rule | None]:
    """The schedule's course and segment as they are now: one deleted since is a
    domain error, which pauses the schedule rather than widening it."""
    focus = r.schedule.focus
    course = await r.services.courses.resolve(f"#{focus.course.id}") if focus.course else None
    only = None
    if focus.segment:
        _, only = await r.services.rules.segment(r.actor, focus.segment)
    return course, only


async def _group_report(r: _Reader) -> GroupReport:
    course, only = await _focus(r)
    return await r.services.reports.group_report(
        r.actor, r.group, course=course, only=only, segment=r.schedule.focus.segment
    )


def _enrolled(report: GroupReport) -> bool:
    return any(s.enrolled for s in report.courses)


def _exporting(r: _Reader, report: GroupReport) -> bool:
    return r.schedule.with_file and r.services.reports.may_export(r.actor, report.group)


def _thread(r: _Reader, report: GroupReport, *, exporting: bool, chart: bool = True) -> Thread:
    async def follow(ts: str) -> None:
        await post_thread(
            r.client,
            r.services,
            r.actor,
            r.schedule.channel,
            ts,
            report,
            exporting=exporting,
            chart=chart,
        )

    return follow
