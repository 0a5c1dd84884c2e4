"""Reports in Slack: the figures in the person's direct message, the chart and the
file in its thread.

A report names people, so it goes to the person who asked rather than into the
channel they typed in, where others could read it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from bot.report_chart import completion_png
from bot.report_export import write_exports
from bot.services import Services
from bot.views.reports import chart_comment, export_comment, report_message, report_title
from domain.entities import Actor, Course, Group
from domain.errors import CourseNotFound
from domain.permissions import Capability
from domain.reports import GroupReport, completion_series
from domain.rules.model import Rule


async def read_report(services: Services, actor: Actor, name: str, extra: list[str]) -> GroupReport:
    """The report a person typed: ``<group> [course] [segment]``. A second word that
    names no course but a segment filters by that segment."""
    group = await services.groups.resolve(actor, name, Capability.VIEW_ANALYTICS)
    course: Course | None = None
    segment = ""
    only: Rule | None = None
    if extra:
        try:
            course = await services.courses.resolve(extra[0])
        except CourseNotFound:
            if len(extra) > 1:
                raise
            segment = extra[0]
    if len(extra) > 1:
        segment = extra[1]
    if segment:
        saved, only = await services.rules.segment(actor, segment)
        segment = saved.name
    return await services.reports.group_report(
        actor, group, course=course, only=only, segment=segment
    )


async def post_report(
    client: AsyncWebClient, services: Services, actor: Actor, report: GroupReport
) -> str:
    """Posts the report in the person's direct message with its chart and, when they
    may export, the file of everyone in the thread; returns the report's title."""
    direct = (await client.conversations_open(users=actor.slack_user_id))["channel"]["id"]
    exporting = services.reports.may_export(actor, report.group)
    ts = await post_figures(client, direct, report, exporting=exporting)
    await post_thread(client, services, actor, direct, ts, report, exporting=exporting)
    return report_title(report)


async def post_figures(
    client: AsyncWebClient, channel: str, report: GroupReport, *, exporting: bool
) -> str:
    """The report's message; returns its ts, where the thread goes."""
    text, blocks = report_message(report, exporting=exporting)
    posted = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    return str(posted["ts"])


async def post_thread(
    client: AsyncWebClient,
    services: Services,
    actor: Actor,
    channel: str,
    ts: str,
    report: GroupReport,
    *,
    exporting: bool,
    chart: bool = True,
) -> None:
    """The chart, and with ``exporting`` the XLSX and CSV, in the report's thread."""
    if not report.courses:
        return
    if chart:
        await _share_chart(client, channel, ts, report)
    if exporting:
        await _share_export(client, services, actor, channel, ts, report)


async def _share_export(
    client: AsyncWebClient,
    services: Services,
    actor: Actor,
    channel: str,
    thread_ts: str,
    report: GroupReport,
) -> None:
    """Both files in one share, written to a temporary folder and sent from disk."""
    zone = await services.school_time.zone()
    stem = f"learners-{_slug(report.group)}-{report.at.astimezone(ZoneInfo(zone)):%Y-%m-%d}"
    with tempfile.TemporaryDirectory(prefix="roster-export-") as folder:
        pages = services.reports.learners(actor, report)
        files = await write_exports(pages, report, Path(folder), stem, zone=zone)
        title = report_title(report)
        await client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file_uploads=[
                {"file": str(files.xlsx), "filename": files.xlsx.name, "title": title},
                {"file": str(files.csv), "filename": files.csv.name, "title": title},
            ],
            initial_comment=export_comment(files.rows),
        )


async def _share_chart(
    client: AsyncWebClient, channel: str, thread_ts: str, report: GroupReport
) -> None:
    title = report_title(report)
    chart = await completion_png(completion_series(report.courses), title)
    await client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        content=chart,
        filename=f"completion-{_slug(report.group)}.png",
        title=f"Completion: {title}",
        initial_comment=chart_comment(report),
    )


def _slug(group: Group) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in group.title.lower())
    return "-".join(part for part in kept.split("-") if part)[:40] or f"group-{group.id}"
