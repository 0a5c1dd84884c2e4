"""``/group schedule``: add, list, pause, resume, delete and run scheduled reports."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import BY_NAME, UsageError
from bot.report_schedules import ScheduledReports
from bot.services import Services
from bot.views import schedules as words
from domain.clock import utc_now
from domain.entities import Actor
from domain.permissions import Capability
from domain.schedules import ChannelUnreachable, ReportKind, ReportSchedule, parse_timing

Say = Callable[..., Awaitable[None]]
_CHANNEL_ID = re.compile(r"^<?#?([CGD][A-Z0-9]{8,})(?:\|[^>]*)?>?$")
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
    if args[1].lower() != ReportKind.PROGRESS.value:
        raise UsageError(f"`{args[1]}` is not a report to schedule; say `progress`.", usage)
    rest = args[2:]
    with_file = rest[-1].lower() in _FILE_WORDS
    if with_file:
        rest = rest[:-1]
    schedule = await create_schedule(
        services, client, actor, args[0], rest[:-1], rest[-1], here=here, with_file=with_file
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
) -> ReportSchedule:
    """What the command and the form both do: check everything, then save."""
    group = await services.groups.resolve(actor, group_name, Capability.MANAGE_REPORTS)
    timing = parse_timing(when, zone=await _zone(client, actor.slack_user_id))
    channel = await _channel(client, actor, here, where)
    return await services.schedules.add(
        actor, group, timing=timing, channel=channel, with_file=with_file, now=utc_now()
    )


async def _channel(client: AsyncWebClient, actor: Actor, here: str, word: str) -> str:
    """Where to post: ``here``, ``me`` (our direct message) or a channel Roster is in."""
    if word.lower() in {"me", "dm"}:
        opened = await client.conversations_open(users=actor.slack_user_id)
        return str(opened["channel"]["id"])
    match = _CHANNEL_ID.match(word)
    channel = here if word.lower() == "here" else (match.group(1) if match else "")
    if not channel:
        raise UsageError(
            f"Say where the report goes: `here` (this channel), `me` (our direct message) "
            f"or a channel's id, not `{word}`.",
            BY_NAME["schedule"],
        )
    if channel.startswith("D"):
        return channel
    try:
        info: dict[str, Any] = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError:
        raise ChannelUnreachable(channel) from None
    if not info.get("is_member"):
        raise ChannelUnreachable(channel)
    return channel


async def _zone(client: AsyncWebClient, slack_user_id: str) -> str:
    """The person's own Slack time zone; UTC when Slack doesn't say."""
    try:
        answer = await client.users_info(user=slack_user_id)
    except SlackApiError:
        return "UTC"
    return str(answer["user"].get("tz") or "UTC")
