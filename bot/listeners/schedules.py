"""``/group schedule``: add, list, pause, resume, delete and run scheduled reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
from domain.schedules import ReportKind, ReportSchedule, parse_timing

Say = Callable[..., Awaitable[None]]
_FILE_WORDS = {"file", "with-file", "xlsx"}


async def schedule_command(
    services: Services,
    client: AsyncWebClient,
    actor: Actor,
    here: str,
    args: list[str],
    say: Say,
    *,
    trigger_id: str,
) -> None:
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
        await _add(services, client, actor, here, args[1:], say)
        return
    if verb not in {"pause", "resume", "delete", "run"} or len(args) != 2:
        raise UsageError(
            "Say `add`, `list`, or `pause`, `resume`, `delete` or `run` with a schedule's number.",
            BY_NAME["schedule"],
        )
    schedule = await schedules.mine(actor, args[1].lstrip("#"))
    if verb == "pause":
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
) -> None:
    """``<group> progress <when> <where> [file]``."""
    usage = BY_NAME["schedule"]
    if len(args) < 5:
        raise UsageError(
            'Say `add "<group>" progress weekly mon 09:00 here` (or `me`, or a channel).', usage
        )
    kinds = {k.value: k for k in ReportKind}
    if args[1].lower() not in kinds:
        raise UsageError(
            f"`{args[1]}` is not a report to schedule; say `progress` or `events` (a digest).",
            usage,
        )
    rest = args[2:]
    with_file = rest[-1].lower() in _FILE_WORDS
    if with_file:
        rest = rest[:-1]
    schedule = await create_schedule(
        services,
        client,
        actor,
        args[0],
        rest[:-1],
        rest[-1],
        here=here,
        with_file=with_file,
        kind=kinds[args[1].lower()],
    )
    await say(words.created(schedule, utc_now()))


async def create_schedule(
    services: Services,
    client: AsyncWebClient,
    actor: Actor,
    group_name: str,
    when: list[str],
    where: str,
    *,
    here: str,
    with_file: bool,
    kind: ReportKind,
) -> ReportSchedule:
    """What the command and the form both do: check everything, then save."""
    group = await services.groups.resolve(actor, group_name, Capability.MANAGE_REPORTS)
    timing = parse_timing(when, zone=await _zone(client, actor.slack_user_id))
    channel = await reachable_channel(client, actor, here, where, usage=BY_NAME["schedule"])
    return await services.schedules.add(
        actor,
        group,
        kind=kind,
        timing=timing,
        channel=channel,
        with_file=with_file,
        now=utc_now(),
    )


async def _zone(client: AsyncWebClient, slack_user_id: str) -> str:
    """The person's own Slack time zone; UTC when Slack doesn't say."""
    try:
        answer = await client.users_info(user=slack_user_id)
    except SlackApiError:
        return "UTC"
    return str(answer["user"].get("tz") or "UTC")
