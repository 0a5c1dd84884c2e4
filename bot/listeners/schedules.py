"""``/group schedule``: add, list, edit, pause, resume, delete and run scheduled reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import BY_NAME, UsageError
from bot.report_schedules import ScheduledReports
from bot.services import Services
from bot.slack_channels import reachable_channel
from bot.views import schedules as words
from domain.clock import utc_now
from domain.entities import Actor
from domain.permissions import Capability
from domain.schedules import (
    Focus,
    ReportKind,
    ReportSchedule,
    ScheduleSettings,
    parse_kind,
    parse_timing,
)

Say = Callable[..., Awaitable[None]]
_FILE_WORDS = {"file", "with-file", "xlsx"}
_QUIET_WORDS = {"quiet", "only-news"}
"""Post nothing in a period with nothing to report (the log still records it)."""
_FOCUS_WORDS = {"course", "segment"}


async def schedule_command(
    services: Services,
    client: AsyncWebClient,
    actor: Actor,
    here: str,
    args: list[str],
    say: Say,
    *,
    trigger_id: str,
    channels: Mapping[str, str],
) -> None:
    """``channels``: the ``#name`` of each channel Slack recognised in the text, to its id."""
    schedules = services.schedules
    if not args:
        schedules.require_can_manage(actor)
        await client.views_open(trigger_id=trigger_id, view=words.schedule_modal(here))
        return
    verb = args[0].lower()
    now = utc_now()
    if verb == "list":
        await say(*words.schedule_list(await schedules.listed(actor), now))
        return
    if verb == "add":
        await _add(services, client, actor, here, args[1:], say, channels)
        return
    if verb not in {"edit", "pause", "resume", "delete", "run"} or len(args) != 2:
        raise UsageError(
            "Say `add`, `list`, or `edit`, `pause`, `resume`, `delete` or `run` with a "
            "schedule's number.",
            BY_NAME["schedule"],
        )
    schedule = await schedules.mine(actor, args[1].lstrip("#"))
    if verb == "edit":
        await client.views_open(trigger_id=trigger_id, view=words.schedule_modal(here, schedule))
    elif verb == "pause":
        await schedules.pause(schedule, now=now, reason=f"paused by <@{actor.slack_user_id}>")
        await say(words.changed(schedule, "is paused"))
    elif verb == "resume":
        await schedules.resume(schedule)
        await say(words.changed(schedule, "is running again"))
    elif verb == "delete":
        await schedules.delete(schedule)
        await say(words.changed(schedule, "is deleted"))
    else:
        done = await ScheduledReports(client, services).run_now(schedule, now=now)
        await say(words.ran(schedule, done))


async def _add(
    services: Services,
    client: AsyncWebClient,
    actor: Actor,
    here: str,
    args: list[str],
    say: Say,
    channels: Mapping[str, str],
) -> None:
    """``<group> <kind> [course <name>] [segment <name>] <when> <where> [file] [quiet]``."""
    usage = BY_NAME["schedule"]
    if len(args) < 5:
        raise UsageError(
            'Say `add "<group>" progress weekly mon 09:00 here` (or `me`, or a channel).', usage
        )
    kind = parse_kind(args[1])
    rest = args[2:]
    narrowed: dict[str, str] = {}
    while len(rest) > 1 and rest[0].lower() in _FOCUS_WORDS:
        narrowed[rest[0].lower()] = rest[1]
        rest = rest[2:]
    flags = set()
    while rest and rest[-1].lower() in _FILE_WORDS | _QUIET_WORDS:
        flags.add("file" if rest[-1].lower() in _FILE_WORDS else "quiet")
        rest = rest[:-1]
    if len(rest) < 2:
        raise UsageError("Say when and where, e.g. `weekly mon 09:00 here`.", usage)
    schedule = await create_schedule(
        services,
        client,
        actor,
        ScheduleRequest(
            kind,
            args[0],
            rest[:-1],
            channels.get(rest[-1], rest[-1]),
            with_file="file" in flags,
            post_empty="quiet" not in flags,
            course=narrowed.get("course", ""),
            segment=narrowed.get("segment", ""),
        ),
        here=here,
    )
    await say(words.created(schedule, utc_now()))


@dataclass(frozen=True)
class ScheduleRequest:
    """A schedule as typed in the command or filled in the form, not yet checked."""

    kind: ReportKind
    group: str
    when: list[str]
    where: str
    with_file: bool = False
    post_empty: bool = True
    course: str = ""
    segment: str = ""
    editing: int | None = None
    """The number of the schedule the form edits; None makes a new one."""


async def create_schedule(
    services: Services,
    client: AsyncWebClient,
    actor: Actor,
    request: ScheduleRequest,
    *,
    here: str,
) -> ReportSchedule:
    """What the command and the form both do: check everything, then save (a new
    schedule, or the edited one, which the caller must still be allowed to manage)."""
    group = await services.groups.resolve(actor, request.group, Capability.MANAGE_REPORTS)
    zone = await _zone(client, actor.slack_user_id) or await services.school_time.zone()
    timing = parse_timing(request.when, zone=zone)
    channel = await reachable_channel(client, actor, here, request.where, usage=BY_NAME["schedule"])
    course = await services.courses.resolve(request.course) if request.course else None
    segment = ""
    if request.segment:
        saved, _ = await services.rules.segment(actor, request.segment)
        segment = saved.name
    settings = ScheduleSettings(
        request.kind,
        timing,
        channel,
        request.with_file,
        Focus(course, segment),
        request.post_empty,
    )
    if request.editing is None:
        return await services.schedules.add(actor, group, settings, now=utc_now())
    editing = await services.schedules.mine(actor, str(request.editing))
    return await services.schedules.edit(actor, editing, group, settings, now=utc_now())


async def _zone(client: AsyncWebClient, slack_user_id: str) -> str:
    """The person's own Slack time zone; empty when Slack doesn't say (then the
    school's is used)."""
    try:
        answer = await client.users_info(user=slack_user_id)
    except SlackApiError:
        return ""
    return str(answer["user"].get("tz") or "")
