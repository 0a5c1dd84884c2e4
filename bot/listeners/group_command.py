"""``/group``: ack at once, parse, run one domain service, answer ephemerally."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.commands import BY_NAME, UsageError, mentioned_user, parse, rule_call
from bot.listeners.bulk import post_preview, share_template
from bot.listeners.certificates import listing_key, show_certificates
from bot.listeners.errors import guard
from bot.listeners.grading import show_gradebook, show_graded, show_queue
from bot.listeners.reports import post_report, read_report
from bot.listeners.rules import open_form, refresh, send_preview
from bot.listeners.schedules import schedule_command
from bot.services import Services
from bot.slack_channels import reachable_channel
from bot.slack_text import named_channels, plain
from bot.views import replies
from bot.views import rules as rule_views
from bot.views.action_log import action_log
from bot.views.blocks import section
from bot.views.bulk import import_modal, preview_sent
from bot.views.dashboard import GROUPS_PER_MESSAGE, list_message
from bot.views.emails import email_log, notifications_modal, resend_offer, resent
from bot.views.events import (
    event_log,
    logs_overview,
    subscribed,
    subscriptions_message,
    unsubscribed,
)
from bot.views.grading import release_setting
from bot.views.help import help_message
from bot.views.members import members_message
from bot.views.modals import create_group_modal
from bot.views.permissions import permissions_modal, pick_manager_modal, whoami_message
from bot.views.reports import learner_message, report_sent, report_title, school_message
from bot.views.schedules import report_log
from bot.views.user_card import card_done, card_message
from bot.views.webhooks import webhooks_message
from domain.bulk.model import JobKind, parse_job_filter
from domain.entities import Actor
from domain.permissions import Capability


@dataclass(frozen=True)
class Call:
    """One /group invocation: who, with what, and where to answer."""

    actor: Actor
    services: Services
    respond: AsyncRespond
    client: AsyncWebClient
    trigger_id: str
    channel_id: str
    text: str
    """As the person typed it (Slack's escaping undone)."""
    channels: dict[str, str]
    """The channels the text named, ``#name`` to id, as Slack sent them."""

    async def say(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        await self.respond(text=text, blocks=blocks, response_type="ephemeral")


Handler = Callable[[Call, list[str]], Awaitable[None]]


async def _help(call: Call, args: list[str]) -> None:
    await call.say(*help_message(call.actor))


async def _list(call: Call, args: list[str]) -> None:
    page = await call.services.groups.dashboard(call.actor, limit=GROUPS_PER_MESSAGE)
    await call.say(*list_message(call.actor, page))


async def _create(call: Call, args: list[str]) -> None:
    if not args:
        call.services.groups.require_can_create(call.actor)
        catalogue = await call.services.courses.catalogue(call.actor)
        await call.client.views_open(trigger_id=call.trigger_id, view=create_group_modal(catalogue))
        return
    group = await call.services.groups.create(call.actor, title=args[0])
    await call.say(replies.group_created(group))


async def _add(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.BASIC_USER_ACTIONS)
    username = args[2] if len(args) > 2 else None
    outcome = await call.services.members.add(call.actor, group, email=args[1], username=username)
    text = replies.member_added(outcome)
    offer = resend_offer(outcome)
    await call.say(text, [section(text), *offer] if offer else None)


async def _remove(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.BASIC_USER_ACTIONS)
    user = await call.services.members.remove(call.actor, group, email=args[1])
    await call.say(replies.member_removed(group, user))


async def _members(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.VIEW_GROUPS)
    segment, only = (
        await call.services.rules.segment(call.actor, args[1]) if len(args) > 1 else (None, None)
    )
    page = await call.services.members.page(call.actor, group, only=only)
    await call.say(*members_message(group, page, segment=segment.name if segment else ""))


async def _rule(call: Call, args: list[str]) -> None:
    """Show the rule, preview a typed one, open the form, re-evaluate or remove it."""
    name, verb, text = rule_call(call.text)
    rules = call.services.rules
    if verb == "edit":
        await open_form(call.client, call.services, call.actor, name, call.trigger_id)
        return
    group = await call.services.groups.resolve(
        call.actor, name, Capability.MANAGE_SEGMENTS if verb else Capability.VIEW_GROUPS
    )
    if verb == "set":
        rule = await rules.read(call.actor, group, text)
        await call.say(rule_views.preview_sent())
        await send_preview(call.client, call.services, call.actor, group, rule)
    elif verb == "refresh":
        await refresh(call.client, call.services, call.actor, group, call.say)
    elif verb == "clear":
        await rules.end(call.actor, group)
        await call.say(rule_views.rule_ended(group))
    else:
        await call.say(*rule_views.summary_message(await rules.summary(call.actor, group)))


async def _segment_new(call: Call, args: list[str]) -> None:
    call.services.rules.require_segments(call.actor)
    await call.client.views_open(trigger_id=call.trigger_id, view=rule_views.rule_modal(None))


async def _segment_list(call: Call, args: list[str]) -> None:
    segments = await call.services.rules.segments(call.actor)
    await call.say(*rule_views.segments_message(segments))


def _verb(args: list[str], what: str) -> bool:
    """True for add, False for remove; anything else is a usage error naming both."""
    verb = args[1].lower()
    if verb not in {"add", "remove"}:
        raise UsageError(f"Say `add` or `remove` after the group, not `{args[1]}`.", BY_NAME[what])
    return verb == "add"


async def _courses(call: Call, args: list[str]) -> None:
    adding = _verb(args, "courses")
    group = await call.services.groups.resolve(call.actor, args[0], Capability.EDIT_GROUP)
    course = await call.services.courses.resolve(args[2])
    change = call.services.groups.add_course if adding else call.services.groups.remove_course
    group, changed = await change(call.actor, group, course)
    await call.say(replies.courses_changed(group, course, added=adding, changed=changed))


async def _managers(call: Call, args: list[str]) -> None:
    adding = _verb(args, "managers")
    slack_user_id = mentioned_user(args[2])
    if slack_user_id is None:
        raise UsageError(
            f"Mention the person with @ (e.g. @ada), not `{args[2]}`.", BY_NAME["managers"]
        )
    group = await call.services.groups.resolve(call.actor, args[0], Capability.ASSIGN_MANAGERS)
    if adding:
        profile = await slack_people.profile(call.client, slack_user_id)
        group, changed = await call.services.groups.add_manager(call.actor, group, profile)
    else:
        group, changed = await call.services.groups.remove_manager(call.actor, group, slack_user_id)
    await call.say(replies.managers_changed(group, slack_user_id, added=adding, changed=changed))


async def _rename(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.EDIT_GROUP)
    renamed = await call.services.groups.rename(call.actor, group, title=args[1])
    await call.say(replies.renamed(group.title, renamed))


async def _delete(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.DELETE_GROUP)
    await call.say(*replies.delete_question(group))


async def _course_new(call: Call, args: list[str]) -> None:
    course = await call.services.courses.create(call.actor, title=args[0])
    await call.say(replies.course_created(course))


async def _whoami(call: Call, args: list[str]) -> None:
    identity = await call.services.users.whoami(call.actor)
    admins = await call.services.users.admin_slack_ids()
    await call.say(*whoami_message(identity, admins))


async def _permissions(call: Call, args: list[str]) -> None:
    """No argument: pick a manager; ``default``: the school default; ``@user``: theirs."""
    permissions = call.services.permissions
    permissions.require_can_manage(call.actor)
    if not args:
        view = pick_manager_modal()
    elif args[0].lower() == "default":
        view = permissions_modal(await permissions.defaults(call.actor))
    else:
        slack_user_id = mentioned_user(args[0])
        if slack_user_id is None:
            raise UsageError(
                f"Mention the manager with @ (e.g. @ada) or say `default`, not `{args[0]}`.",
                BY_NAME["permissions"],
            )
        profile = await slack_people.profile(call.client, slack_user_id)
        user = await permissions.subject(call.actor, profile)
        view = permissions_modal(await permissions.of(call.actor, user))
    await call.client.views_open(trigger_id=call.trigger_id, view=view)


async def _resend_invites(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.BASIC_USER_ACTIONS)
    users = await call.services.emails.resend_invitations(call.actor, group)
    await call.say(resent(group, users))


async def _import(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.BULK_ACTIONS)
    await call.client.views_open(trigger_id=call.trigger_id, view=import_modal(group))


async def _template(call: Call, args: list[str]) -> None:
    chosen = [c for c in args[0].replace(";", ",").split(",") if c.strip()] if args else None
    columns = call.services.sheets.template(call.actor, chosen)
    where = await share_template(call.client, call.actor, call.channel_id, columns)
    await call.say(replies.template_shared(where, call.channel_id))


async def _enrol(call: Call, args: list[str]) -> None:
    await _course_job(call, args, JobKind.ENROL)


async def _unenrol(call: Call, args: list[str]) -> None:
    await _course_job(call, args, JobKind.UNENROL)


async def _course_job(call: Call, args: list[str], kind: JobKind) -> None:
    """Enrolling or unenrolling a whole group is a bulk action: previewed, then approved."""
    group = await call.services.groups.resolve(call.actor, args[0], Capability.BULK_ACTIONS)
    course = await call.services.courses.resolve(args[1])
    job = await call.services.bulk.stage_members(call.actor, group, course, kind)
    direct = await slack_people.direct_message(call.client, call.actor.slack_user_id)
    await post_preview(call.client, call.services, job, direct)
    await call.say(preview_sent())


async def _log_actions(call: Call, args: list[str]) -> None:
    wanted = parse_job_filter(args, now=await call.services.school_time.now())
    jobs = await call.services.bulk.log(call.actor, wanted)
    await call.say(*action_log(jobs, wanted))


async def _import_settings(call: Call, args: list[str]) -> None:
    if args[0].lower() != "enrol" or args[1].lower() not in ("on", "off"):
        raise UsageError("Say `enrol on` or `enrol off`.", BY_NAME["import-settings"])
    allowed = args[1].lower() == "on"
    await call.services.bulk.set_enrol_allowed(call.actor, allowed)
    await call.say(replies.import_enrol_setting(allowed))


async def _timezone(call: Call, args: list[str]) -> None:
    school_time = call.services.school_time
    if args:
        await call.say(
            replies.school_zone(await school_time.set_zone(call.actor, args[0]), changed=True)
        )
    else:
        await call.say(replies.school_zone(await school_time.zone(), changed=False))


async def _notifications(call: Call, args: list[str]) -> None:
    enabled = await call.services.emails.switches(call.actor)
    await call.client.views_open(trigger_id=call.trigger_id, view=notifications_modal(enabled))


async def _log(call: Call, args: list[str]) -> None:
    await call.say(*logs_overview())


async def _log_events(call: Call, args: list[str]) -> None:
    await call.say(*event_log(await call.services.events.log(call.actor, args)))


async def _subscribe(call: Call, args: list[str]) -> None:
    channel = await _channel(call, args[0], "subscribe")
    found, new = await call.services.subscriptions.subscribe(call.actor, channel, args[1:])
    await call.say(subscribed(found, new))


async def _subscriptions(call: Call, args: list[str]) -> None:
    await call.say(*subscriptions_message(await call.services.subscriptions.listing(call.actor)))


async def _unsubscribe(call: Call, args: list[str]) -> None:
    channel = await _channel(call, args[0], "unsubscribe")
    await call.say(
        unsubscribed(await call.services.subscriptions.unsubscribe(call.actor, channel, args[1:]))
    )


async def _channel(call: Call, word: str, command: str) -> str:
    """A ``#channel`` typed reads back as its name; Slack sent its id alongside."""
    named = call.channels.get(word, word)
    return await reachable_channel(
        call.client, call.actor, call.channel_id, named, usage=BY_NAME[command]
    )


async def _webhooks(call: Call, args: list[str]) -> None:
    await call.say(*webhooks_message(await call.services.webhooks.listing(call.actor)))


async def _log_emails(call: Call, args: list[str]) -> None:
    mail = call.services.emails
    page, chosen = await mail.log(call.actor, args)
    waiting = await mail.waiting()
    await call.say(*email_log(page, chosen, waiting=waiting, smtp=mail.delivering))


async def _course_list(call: Call, args: list[str]) -> None:
    await call.say(*replies.catalogue(await call.services.courses.catalogue(call.actor)))


async def _review(call: Call, args: list[str]) -> None:
    group = (
        await call.services.groups.resolve(call.actor, args[0], Capability.REVIEW_CENTER)
        if args
        else None
    )
    await call.say(*await show_queue(call.services, call.actor, group))


async def _graded(call: Call, args: list[str]) -> None:
    group = (
        await call.services.groups.resolve(call.actor, args[0], Capability.REVIEW_CENTER)
        if args
        else None
    )
    await call.say(*await show_graded(call.services, call.actor, group))


async def _gradebook(call: Call, args: list[str]) -> None:
    group = await call.services.groups.resolve(call.actor, args[0], Capability.GRADEBOOK)
    course = await call.services.courses.resolve(args[1]) if len(args) > 1 else None
    key = f"{group.id}/{course.id if course else ''}"
    await call.say(*await show_gradebook(call.services, call.actor, key))


async def _grade_release(call: Call, args: list[str]) -> None:
    choice = args[0].lower()
    if choice not in ("at-once", "manual"):
        raise UsageError("Say `at-once` or `manual`.", BY_NAME["grade-release"])
    at_once = await call.services.grading.set_release_at_once(
        call.actor, at_once=choice == "at-once"
    )
    await call.say(release_setting(at_once))


async def _certificates(call: Call, args: list[str]) -> None:
    key = await listing_key(call.services, call.actor, args)
    await call.say(*await show_certificates(call.services, call.actor, key))


async def _certificate_award(call: Call, args: list[str]) -> None:
    if args[1].lower() not in ("on", "off"):
        raise UsageError("Say `on` or `off` after the course.", BY_NAME["certificate-award"])
    course = await call.services.courses.resolve(args[0])
    award = await call.services.certificates.set_award(
        call.actor, course, award=args[1].lower() == "on"
    )
    await call.say(replies.certificate_award(course, award))


async def _report(call: Call, args: list[str]) -> None:
    """``all``: a line per group; ``<group> learner <email>``: one person; else a group."""
    reports = call.services.reports
    if args[0].lower() == "all" and len(args) == 1:
        await call.say(*school_message(await reports.school_report(call.actor)))
        return
    if len(args) > 1 and args[1].lower() == "learner":
        if len(args) < 3:
            raise UsageError("Name the learner: `learner ana@school.org`.", BY_NAME["report"])
        group = await call.services.groups.resolve(call.actor, args[0], Capability.VIEW_ANALYTICS)
        await call.say(*learner_message(await reports.learner_report(call.actor, group, args[2])))
        return
    report = await read_report(call.services, call.actor, args[0], args[1:])
    await call.say(report_sent(report_title(report)))
    await post_report(call.client, call.services, call.actor, report)


async def _schedule(call: Call, args: list[str]) -> None:
    await schedule_command(
        call.services,
        call.client,
        call.actor,
        call.channel_id,
        args,
        call.say,
        trigger_id=call.trigger_id,
        channels=call.channels,
    )


async def _log_reports(call: Call, args: list[str]) -> None:
    now = await call.services.school_time.now()
    log = await call.services.schedules.log(call.actor, args, now=now)
    await call.say(*report_log(log))


async def _user(call: Call, args: list[str]) -> None:
    card = await call.services.user_cards.by_email(call.actor, args[0])
    await call.say(*card_message(card))


async def _user_new(call: Call, args: list[str]) -> None:
    username = args[1] if len(args) > 1 else None
    card = await call.services.user_cards.create(call.actor, email=args[0], username=username)
    note = card_done(card, "Created") + " They are invited by email and in no group yet."
    await call.say(*card_message(card, note=note))


ROUTES: dict[str, Handler] = {
    "help": _help,
    "list": _list,
    "create": _create,
    "add": _add,
    "remove": _remove,
    "members": _members,
    "courses": _courses,
    "managers": _managers,
    "rename": _rename,
    "delete": _delete,
    "course new": _course_new,
    "course list": _course_list,
    "permissions": _permissions,
    "whoami": _whoami,
    "resend-invites": _resend_invites,
    "import": _import,
    "template": _template,
    "notifications": _notifications,
    "log": _log,
    "log events": _log_events,
    "subscribe": _subscribe,
    "subscriptions": _subscriptions,
    "unsubscribe": _unsubscribe,
    "webhooks": _webhooks,
    "log emails": _log_emails,
    "log actions": _log_actions,
    "enrol": _enrol,
    "unenrol": _unenrol,
    "import-settings": _import_settings,
    "timezone": _timezone,
    "rule": _rule,
    "segment new": _segment_new,
    "segment list": _segment_list,
    "review": _review,
    "graded": _graded,
    "gradebook": _gradebook,
    "grade-release": _grade_release,
    "certificates": _certificates,
    "certificate-award": _certificate_award,
    "report": _report,
    "schedule": _schedule,
    "log reports": _log_reports,
    "user": _user,
    "user new": _user_new,
}


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    @app.command("/group")
    @guarded
    async def group_command(
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        text = plain(command.get("text", ""))
        parsed = parse(text)
        call = Call(
            context["actor"],
            services,
            respond,
            client,
            command["trigger_id"],
            command["channel_id"],
            text,
            named_channels(command.get("text", "")),
        )
        await ROUTES[parsed.command.name](call, parsed.args)
