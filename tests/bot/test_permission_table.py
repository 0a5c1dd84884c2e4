"""Every /group subcommand and every interactive action, for every kind of caller.

Each case runs through the real bolt app over signed HTTP. An allowed caller
sees the case's outcome; a denied one sees the message that names what was
missing and who can grant it, and the database is exactly as before. New
commands and actions join ``CASES``; ``test_the_table_covers_every_command_and_action``
fails until they do.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import COMMANDS
from bot.ids import Action, Field, MenuChoice, Modal
from bot.views import modals
from bot.views.bulk import approval_request, import_modal, preview_message, review_modal
from bot.views.certificates import revoke_modal
from bot.views.emails import notifications_modal
from bot.views.event_digest import digest_message
from bot.views.grading import edit_modal as grade_edit_modal
from bot.views.grading import grade_modal, queue_message
from bot.views.grading import reset_modal as grade_reset_modal
from bot.views.permissions import DEFAULT, permissions_modal, pick_manager_modal
from bot.views.reports import NO_FILE
from bot.views.rules import approval_request as rule_request
from bot.views.rules import preview_message as rule_preview
from bot.views.rules import review_modal as rule_review
from bot.views.rules import rule_modal
from bot.views.schedules import schedule_modal
from bot.views.user_card import (
    courses_modal,
    delete_modal,
    edit_modal,
    email_modal,
    groups_modal,
    progress_modal,
    reset_modal,
)
from bot.xlsx_template import build_template
from domain.bulk.model import BulkJob
from domain.bulk.sheet import StagedRow, Tally
from domain.entities import Actor, Group, Page, PermissionSet, User, UserStatus
from domain.letters import SWITCHABLE, Trigger
from domain.permissions import GRANTABLE, LABELS, MANAGE_USERS_PARTS, Capability
from domain.rules.model import RulePreview, SavedRule
from slack_emulator.driver import HomeTab, Interaction, Reply, block_texts
from slack_emulator.state import Message
from storage import models
from tests.bot.conftest import ADMIN, LEARNER, MANAGER, OTHER_MANAGER, STRANGER, Roster
from tests.waiting import eventually

C = Capability
SEGMENTS = frozenset({Capability.MANAGE_SEGMENTS.value})
ADMIN_ONLY = "admin only"
NOT_FOUND = "There is no group called"
"""What a manager hears of a group that isn't theirs: the same as of no group."""
NO_RESPONSE = "There is no response"
"""...and of a response to grade from a learner outside their groups."""
NO_CERTIFICATE = "There is no certificate"
REVIEW_QUEUE = "Review queue in Sales "
"""Sales Team's, whatever an earlier case renamed it to."""
NO_ONE = "There is no one"
"""...and of a person outside their groups: the same as of no one."""


@dataclass
class Scene:
    """The school every case runs in, and the admin's surfaces callers click on."""

    roster: Roster
    user: str
    sales: int = 0
    spare: int = 0
    support: int = 0
    manager_user_id: int = 0
    pending: BulkJob | None = None
    """A bulk add waiting for an admin's review."""
    pending_rule: SavedRule | None = None
    """A manager's rule for Sales Team waiting for an admin's review."""
    surfaces: dict[str, Reply | HomeTab | Message] = field(default_factory=dict)
    submission: Any = None
    """The first response waiting in Sales Team's review queue."""
    graded: Any = None
    """The latest graded response in Sales Team."""
    certificate: Any = None
    """The newest certificate of a Sales Team member."""
    people: dict[str, int] = field(default_factory=dict)
    """User ids of Sales Team's members, by username."""
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Forms of member07's card, as an admin opened them, by their callback id."""
    course: str = ""
    """The id of the course member07 is enrolled in."""

    async def command(self, text: str) -> str:
        return await self.seen(await self.roster.driver.command(self.user, text))

    async def click(self, surface: str, action: str, **how: str) -> str:
        clicked = await self.roster.driver.click(self.user, self.surfaces[surface], action, **how)
        return await self.seen(clicked)

    async def submit(self, view: dict[str, Any], values: dict[str, Any]) -> str:
        """Submits a modal Roster opened for this caller earlier, when they still could."""
        client = AsyncWebClient(
            token=self.roster.slack.bot_token, base_url=self.roster.slack.api_url
        )
        opened = await client.views_open(
            trigger_id=self.roster.slack.issue_trigger(self.user), view=view
        )
        modal = self.roster.slack.views[opened["view"]["id"]]
        submitted = await self.roster.driver.submit(self.user, modal, values)
        assert submitted.status == 200, submitted.body
        return "\n".join([modal.body["title"]["text"], *block_texts(modal.body["blocks"])])

    async def upload(self, name: str) -> str:
        """Submits the upload modal and, when the file is being checked, waits for the
        check to end: its job is staged in the background, and must not land while
        the next case compares the database."""
        view = import_modal(_group(self.sales, "Sales Team"))
        mark = len(self.roster.slack.messages)
        seen = await self.submit(view, {Field.FILE: [_file(self, name)]})
        if "Checking" not in seen:
            return seen
        direct = "D" + self.user.removeprefix("U")
        messages = self.roster.slack.messages

        async def checked() -> bool:
            told = [m.text for m in messages[mark:] if m.channel == direct and name in m.text]
            if not told or "can't be used" in told[0]:
                return bool(told)
            return await models.BulkJobRow.filter(filename=name).exclude(thread_ts="").exists()

        await eventually(checked, what=f"the check of {name}", timeout=30)
        return seen

    async def seen(self, interaction: Interaction) -> str:
        """Whatever the caller saw next: a reply, a modal, or a direct message."""
        assert interaction.status == 200, interaction.body
        slack = self.roster.slack

        def shown() -> str | None:
            replies = slack.responses(interaction.response_url) if interaction.response_url else []
            if replies:
                return Reply(replies[0], "", "").text
            for call in slack.calls[interaction.call_mark :]:
                if call.method == "views.open" and call.ok:
                    body = call.args["view"]
                    return "\n".join([body["title"]["text"], *block_texts(body["blocks"])])
                if call.method == "chat.postMessage" and call.args.get("channel") == self.user:
                    return str(call.args.get("text"))
                if call.method == "chat.postMessage" and call.ok and call.args.get("thread_ts"):
                    return str(call.args.get("text"))
                if call.method == "files.completeUploadExternal" and call.ok:
                    return str(call.args.get("initial_comment"))
            return None

        return await slack.wait_for(shown)


@dataclass(frozen=True)
class Case:
    name: str
    needs: tuple[Capability, ...] | str
    """What the caller must hold (in order of checking), ADMIN_ONLY, or () for anyone."""
    allowed: str | tuple[str, ...]
    """What an allowed caller sees (any one of these, when admins and managers differ)."""
    run: Callable[[Scene], Awaitable[str]]
    scoped: bool = True
    """True: it acts on Sales Team, the group MANAGER manages."""
    hidden: str = NOT_FOUND
    """What a manager of another group hears: that what they named does not exist."""


CASES: tuple[Case, ...] = (
    Case("help", (), "Roster: /group commands", lambda s: s.command("help"), scoped=False),
    Case("whoami", (), "Who you are in Roster", lambda s: s.command("whoami"), scoped=False),
    Case("list", (C.VIEW_GROUPS,), "Your groups", lambda s: s.command("list"), scoped=False),
    Case(
        "course list",
        (C.VIEW_GROUPS,),
        "Course catalogue",
        lambda s: s.command("course list"),
        scoped=False,
    ),
    Case(
        "members",
        (C.VIEW_GROUPS,),
        "Members of Sales Team",
        lambda s: s.command('members "Sales Team"'),
    ),
    Case(
        "add (new user)",
        (C.BASIC_USER_ACTIONS, C.CREATE_USER),
        "Added *eve*",
        lambda s: s.command('add "Sales Team" eve@example.org'),
    ),
    Case(
        "add",
        (C.BASIC_USER_ACTIONS,),
        "Added *lea*",
        lambda s: s.command('add "Sales Team" lea@school.org'),
    ),
    Case(
        "remove",
        (C.BASIC_USER_ACTIONS,),
        "Removed *lea*",
        lambda s: s.command('remove "Sales Team" lea@school.org'),
    ),
    Case(
        "courses",
        ADMIN_ONLY,
        "now includes *Onboarding*",
        lambda s: s.command('courses "Sales Team" add Onboarding'),
    ),
    Case(
        "managers",
        ADMIN_ONLY,
        "now manages *Spare*",
        lambda s: s.command(f"managers Spare add @{LEARNER}"),
    ),
    Case(
        "permissions",
        ADMIN_ONLY,
        "Manager permissions",
        lambda s: s.command(f"permissions @{MANAGER}"),
        scoped=False,
    ),
    Case("course new", ADMIN_ONLY, "Added *Robotics*", lambda s: s.command("course new Robotics")),
    Case("create", ADMIN_ONLY, "Created *Marketing*", lambda s: s.command("create Marketing")),
    Case("delete", ADMIN_ONLY, "Delete *Spare*", lambda s: s.command("delete Spare")),
    Case(
        Action.GROUP_MEMBERS,
        (C.VIEW_GROUPS,),
        "Members of Sales Team",
        lambda s: s.click("list", Action.GROUP_MEMBERS, value=f"{s.sales}:0"),
    ),
    Case(
        Action.MEMBERS_PAGE,
        (C.VIEW_GROUPS,),
        "Showing 21-",
        lambda s: s.click("members", f"{Action.MEMBERS_PAGE}.next"),
    ),
    Case(
        Action.DASHBOARD_PAGE,
        (C.VIEW_GROUPS,),
        "Your groups",
        lambda s: s.click("list", f"{Action.DASHBOARD_PAGE}.next"),
        scoped=False,
    ),
    Case(
        Action.GROUP_ADD_MEMBER,
        (C.BASIC_USER_ACTIONS,),
        "Add a member",
        lambda s: s.click("list", Action.GROUP_ADD_MEMBER, value=str(s.sales)),
    ),
    Case(
        Action.GROUP_BULK_ADD,
        (C.BULK_ACTIONS,),
        "Bulk add members",
        lambda s: s.click("list", Action.GROUP_BULK_ADD, value=str(s.sales)),
    ),
    Case(
        Action.CREATE_GROUP,
        ADMIN_ONLY,
        "Create a group",
        lambda s: s.click("home", Action.CREATE_GROUP),
        scoped=False,
    ),
    *(
        Case(
            f"{Action.GROUP_MENU}:{choice}",
            ADMIN_ONLY,
            title,
            lambda s, choice=choice: s.click(
                "list", Action.GROUP_MENU, option=f"{choice}:{s.sales}"
            ),
        )
        for choice, title in (
            (MenuChoice.COURSES, "Group courses"),
            (MenuChoice.MANAGERS, "Group managers"),
            (MenuChoice.RENAME, "Rename group"),
            (MenuChoice.DELETE, "Delete group"),
        )
    ),
    Case(
        f"{Action.GROUP_MENU}:{MenuChoice.RULE}",
        (C.MANAGE_SEGMENTS,),
        "Group rule",
        lambda s: s.click("list", Action.GROUP_MENU, option=f"{MenuChoice.RULE}:{s.sales}"),
    ),
    Case(
        Action.DELETE_CANCELLED,
        (),
        "nothing was deleted",
        lambda s: s.click("delete", Action.DELETE_CANCELLED),
        scoped=False,
    ),
    Case(
        Action.OPEN_PERMISSIONS,
        ADMIN_ONLY,
        "Whose permissions?",
        lambda s: s.click("home", Action.OPEN_PERMISSIONS),
        scoped=False,
    ),
    Case(
        Action.OPEN_DEFAULT_PERMISSIONS,
        ADMIN_ONLY,
        "The *school default*",
        lambda s: s.click("home", Action.OPEN_DEFAULT_PERMISSIONS),
        scoped=False,
    ),
    Case(
        Modal.ADD_MEMBER,
        (C.BASIC_USER_ACTIONS, C.CREATE_USER),
        "Added *zoe*",
        lambda s: s.submit(
            modals.add_member_modal(_group(s.sales, "Sales Team")),
            {Field.EMAIL: "zoe@example.org"},
        ),
    ),
    Case(
        Modal.CREATE_GROUP,
        ADMIN_ONLY,
        "Created *Design*",
        lambda s: s.submit(modals.create_group_modal([]), {Field.TITLE: "Design"}),
        scoped=False,
    ),
    Case(
        Modal.RENAME,
        ADMIN_ONLY,
        "Renamed *Spare* to *Spare Room*",
        lambda s: s.submit(
            modals.rename_modal(_group(s.spare, "Spare")), {Field.TITLE: "Spare Room"}
        ),
    ),
    Case(
        Modal.COURSES,
        ADMIN_ONLY,
        "Courses saved",
        lambda s: s.submit(modals.courses_modal(_group(s.sales, "Sales Team"), []), {}),
    ),
    Case(
        Modal.MANAGERS,
        ADMIN_ONLY,
        "Managers saved",
        lambda s: s.submit(
            modals.managers_modal(_group(s.spare, "Spare")), {Field.MANAGERS: [LEARNER]}
        ),
    ),
    Case(
        Modal.PICK_MANAGER,
        ADMIN_ONLY,
        "Permissions of",
        lambda s: s.submit(pick_manager_modal(), {Field.MANAGER: MANAGER}),
        scoped=False,
    ),
    Case(
        Modal.PERMISSIONS,
        ADMIN_ONLY,
        "Saved the permissions of",
        lambda s: s.submit(
            _permissions_view(s.manager_user_id), {f"{Field.PERMISSIONS}.3": [C.GRADEBOOK]}
        ),
        scoped=False,
    ),
    Case(
        Modal.DELETE,
        ADMIN_ONLY,
        "Deleted *Spare",
        lambda s: s.submit(modals.delete_modal(_group(s.spare, "Spare")), {}),
    ),
    Case(
        Action.DELETE_CONFIRMED,
        ADMIN_ONLY,
        "Deleted *Support*",
        lambda s: s.click("delete", Action.DELETE_CONFIRMED),
        scoped=False,
    ),
    Case(
        "resend-invites",
        (C.BASIC_USER_ACTIONS,),
        "who never signed in",
        lambda s: s.command('resend-invites "Sales Team"'),
    ),
    Case(
        Action.RESEND_INVITES,
        (C.BASIC_USER_ACTIONS,),
        "who never signed in",
        lambda s: s.click("list", Action.RESEND_INVITES, value=str(s.sales)),
    ),
    Case(
        Action.RESEND_INVITE,
        (C.BASIC_USER_ACTIONS,),
        "Sending a new invitation to 1 member(s)",
        lambda s: s.click("offer", Action.RESEND_INVITE),
    ),
    Case(
        "import",
        (C.BULK_ACTIONS,),
        "Bulk add members",
        lambda s: s.command('import "Sales Team"'),
    ),
    Case(
        Modal.IMPORT,
        (C.BULK_ACTIONS,),
        "Checking *people.xlsx*",
        lambda s: s.upload("people.xlsx"),
    ),
    Case(
        "template",
        (C.BULK_ACTIONS,),
        "The bulk-add template",
        lambda s: s.command("template"),
        scoped=False,
    ),
    Case(
        "notifications",
        ADMIN_ONLY,
        "Notification emails",
        lambda s: s.command("notifications"),
        scoped=False,
    ),
    Case(
        Modal.NOTIFICATIONS,
        ADMIN_ONLY,
        "Emails saved",
        lambda s: s.submit(
            notifications_modal(frozenset(Trigger)), {Field.NOTIFICATIONS: list(SWITCHABLE)}
        ),
        scoped=False,
    ),
    Case(
        "log emails",
        ADMIN_ONLY,
        "Emails (",
        lambda s: s.command("log emails invitation 7d"),
        scoped=False,
    ),
    Case(
        "rename",
        ADMIN_ONLY,
        "Renamed *Sales Team* to *Sales Crew*",
        lambda s: s.command('rename "Sales Team" Sales Crew'),
    ),
    Case("log", (), "The logs", lambda s: s.command("log"), scoped=False),
    Case(
        "log events",
        (C.VIEW_ACTIVITY,),
        "Events",
        lambda s: s.command("log events 7d"),
        scoped=False,
    ),
    Case(
        "subscribe",
        (C.VIEW_ACTIVITY,),
        "now follows",
        lambda s: s.command(f"subscribe me #{s.sales} added"),
    ),
    Case(
        "subscriptions",
        (C.VIEW_ACTIVITY,),
        ("Event subscriptions", "No channel follows events yet"),
        lambda s: s.command("subscriptions"),
        scoped=False,
    ),
    Case(
        "unsubscribe",
        (C.VIEW_ACTIVITY,),
        ("no longer follows", "does not follow"),
        lambda s: s.command(f"unsubscribe me #{s.sales}"),
    ),
    Case(
        "webhooks",
        ADMIN_ONLY,
        ("Webhook endpoints", "No webhook endpoints"),
        lambda s: s.command("webhooks"),
        scoped=False,
    ),
    Case(
        Action.EVENTS_NEXT,
        (C.VIEW_ACTIVITY,),
        "Events",
        lambda s: s.click("events", Action.EVENTS_NEXT),
        scoped=False,
    ),
    Case(
        Action.EVENTS_EXPORT,
        (C.VIEW_ACTIVITY,),
        "coming to your direct messages",
        lambda s: _exported(s, s.click("events", Action.EVENTS_EXPORT)),
        scoped=False,
    ),
    Case(
        Action.DIGEST_REVIEW,
        (C.REVIEW_CENTER,),
        REVIEW_QUEUE,
        lambda s: s.click("digest", Action.DIGEST_REVIEW),
    ),
    Case(
        "log actions",
        (C.BULK_ACTIONS,),
        "User action log",
        lambda s: s.command("log actions add 7d"),
        scoped=False,
    ),
    Case(
        "report",
        (C.VIEW_ANALYTICS,),
        "is in our direct message",
        lambda s: _reported(s, s.command(f"report #{s.sales}")),
    ),
    Case(
        "schedule",
        (C.MANAGE_REPORTS, C.VIEW_ANALYTICS),
        "Scheduled report *#",
        lambda s: s.command(f"schedule add #{s.sales} progress weekly mon 09:00 me"),
    ),
    Case(
        Modal.SCHEDULE,
        (C.MANAGE_REPORTS, C.VIEW_ANALYTICS),
        "Scheduled report *#",
        lambda s: s.submit(
            schedule_modal("C0GENERAL"),
            {
                Field.SCHEDULE_GROUP: f"#{s.sales}",
                Field.SCHEDULE_WHEN: "daily 09:00 UTC",
                Field.SCHEDULE_WHERE: s.roster.slack.dm_id(s.user),
            },
        ),
    ),
    Case(
        "log reports",
        (C.MANAGE_REPORTS,),
        "Activity Log: scheduled reports",
        lambda s: s.command("log reports 7d"),
        scoped=False,
    ),
    Case(
        "enrol",
        (C.BULK_ACTIONS,),
        "The preview is in our direct message",
        lambda s: s.command(f"enrol #{s.sales} Onboarding"),
    ),
    Case(
        "unenrol",
        (C.BULK_ACTIONS,),
        "The preview is in our direct message",
        lambda s: s.command(f'unenrol #{s.sales} "Python 101"'),
    ),
    Case(
        "import-settings",
        ADMIN_ONLY,
        "no longer enrol",
        lambda s: s.command("import-settings enrol off"),
        scoped=False,
    ),
    Case(
        "timezone",
        ADMIN_ONLY,
        "The school's time zone is now *Europe/Madrid*",
        lambda s: s.command("timezone Europe/Madrid"),
        scoped=False,
    ),
    Case(
        Action.SEND_TEMPLATE,
        (C.BULK_ACTIONS,),
        "The bulk-add template",
        lambda s: s.click("home", Action.SEND_TEMPLATE),
        scoped=False,
    ),
    Case(
        Action.SEND_FOR_APPROVAL,
        (C.BULK_ACTIONS,),
        "for approval",
        lambda s: s.click("preview", Action.SEND_FOR_APPROVAL),
    ),
    Case(
        Action.CANCEL_IMPORT,
        (C.BULK_ACTIONS,),
        "Cancelled; nothing from",
        lambda s: s.click("doomed", Action.CANCEL_IMPORT),
    ),
    Case(
        Action.REVIEW_IMPORT,
        ADMIN_ONLY,
        "Review bulk add",
        lambda s: s.click("request", Action.REVIEW_IMPORT),
    ),
    Case(
        "rule",
        (C.VIEW_GROUPS,),
        "Rule of Sales",
        lambda s: s.command(f"rule #{s.sales}"),
    ),
    Case(
        "rule:set",
        (C.MANAGE_SEGMENTS,),
        "The preview is in your direct messages",
        lambda s: _previewed(s, s.command(f'rule #{s.sales} set username = "nobody-else"')),
    ),
    Case(
        "rule:refresh",
        (C.MANAGE_SEGMENTS,),
        "Re-evaluating the rule",
        lambda s: s.command(f"rule #{s.sales} refresh"),
    ),
    Case(
        "segment new",
        (C.MANAGE_SEGMENTS,),
        "New segment",
        lambda s: s.command("segment new"),
        scoped=False,
    ),
    Case(
        "segment list",
        (C.VIEW_GROUPS,),
        "User segments",
        lambda s: s.command("segment list"),
        scoped=False,
    ),
    Case(
        Action.EDIT_RULE,
        (C.MANAGE_SEGMENTS,),
        "Group rule",
        lambda s: s.click("rule", Action.EDIT_RULE),
    ),
    Case(
        Action.REFRESH_RULE,
        (C.MANAGE_SEGMENTS,),
        "Re-evaluating the rule",
        lambda s: s.click("rule", Action.REFRESH_RULE),
    ),
    Case(
        Action.SAVE_RULE,
        (C.MANAGE_SEGMENTS,),
        ("Evaluating the rule", "for approval. Nothing changes until"),
        lambda s: s.click("rule preview", Action.SAVE_RULE),
    ),
    Case(
        Action.REVIEW_RULE,
        ADMIN_ONLY,
        "Review group rule",
        lambda s: s.click("rule request", Action.REVIEW_RULE),
    ),
    Case(
        Action.CANCEL_RULE,
        (C.MANAGE_SEGMENTS,),
        "Cancelled by",
        lambda s: s.click("rule doomed", Action.CANCEL_RULE),
    ),
    Case(
        Modal.RULE_FORM,
        (C.MANAGE_SEGMENTS,),
        "Group rule",
        lambda s: _previewed(
            s,
            s.submit(
                rule_modal(_group(s.sales, "Sales Team")), {Field.RULE_TEXT: 'username = "nobody"'}
            ),
        ),
    ),
    Case(
        Modal.REVIEW_RULE,
        ADMIN_ONLY,
        "Approved by",
        lambda s: s.submit(_rule_review(s), {Field.DECISION: "approve"}),
    ),
    Case("review", (C.REVIEW_CENTER,), REVIEW_QUEUE, lambda s: s.command(f"review #{s.sales}")),
    Case(
        Action.REVIEW_CLAIM,
        (C.REVIEW_CENTER,),
        "You're grading",
        lambda s: s.click("review", Action.REVIEW_CLAIM),
        hidden=NO_RESPONSE,
    ),
    Case(
        Action.REVIEW_UNCLAIM,
        (C.REVIEW_CENTER,),
        "anyone may grade it now",
        lambda s: s.click("review mine", Action.REVIEW_UNCLAIM),
        hidden=NO_RESPONSE,
    ),
    Case(
        Action.REVIEW_GRADE,
        (C.REVIEW_CENTER,),
        "Grade response",
        lambda s: s.click("review", Action.REVIEW_GRADE),
        hidden=NO_RESPONSE,
    ),
    Case(
        Action.REVIEW_PAGE,
        (C.REVIEW_CENTER,),
        REVIEW_QUEUE,
        lambda s: s.click("review", f"{Action.REVIEW_PAGE}.next"),
    ),
    Case(
        Modal.GRADE,
        (C.REVIEW_CENTER,),
        "Graded",
        lambda s: s.submit(grade_modal(s.submission), {Field.SCORE: "5"}),
        hidden=NO_RESPONSE,
    ),
    Case(
        "graded", (C.REVIEW_CENTER,), "Graded in Sales ", lambda s: s.command(f"graded #{s.sales}")
    ),
    Case(
        "grade-release",
        ADMIN_ONLY,
        "Grades now",
        lambda s: s.command("grade-release manual"),
        scoped=False,
    ),
    Case(
        Action.RELEASE_GRADES,
        (C.REVIEW_CENTER,),
        "Released 1 grade",
        lambda s: s.click("graded", Action.RELEASE_GRADES),
    ),
    Case(
        Action.GRADE_EDIT,
        (C.REVIEW_CENTER,),
        "Edit grade",
        lambda s: s.click("graded", Action.GRADE_EDIT),
        hidden=NO_RESPONSE,
    ),
    Case(
        Modal.EDIT_GRADE,
        (C.REVIEW_CENTER,),
        "Grade edited",
        lambda s: s.submit(
            grade_edit_modal(s.graded), {Field.SCORE: "6", Field.REASON: "Recounted the marks"}
        ),
        hidden=NO_RESPONSE,
    ),
    Case(
        Action.GRADE_HISTORY,
        (C.REVIEW_CENTER,),
        "Grade history",
        lambda s: s.click("graded", Action.GRADE_HISTORY),
        hidden=NO_RESPONSE,
    ),
    Case(
        Action.GRADED_PAGE,
        (C.REVIEW_CENTER,),
        "Graded in Sales ",
        lambda s: s.click("graded", f"{Action.GRADED_PAGE}.next"),
    ),
    Case(
        Action.GRADE_RESET,
        (C.REVIEW_CENTER,),
        "Reset for a retake",
        lambda s: s.click("graded", Action.GRADE_RESET),
        hidden=NO_RESPONSE,
    ),
    Case(
        Modal.RESET_GRADE,
        (C.REVIEW_CENTER,),
        "may take it again",
        lambda s: s.submit(grade_reset_modal(s.graded), {Field.REASON: "Upload was corrupted"}),
        hidden=NO_RESPONSE,
    ),
    Case(
        "gradebook",
        (C.GRADEBOOK,),
        "Gradebook: Sales ",
        lambda s: s.command(f'gradebook #{s.sales} "Python 101"'),
    ),
    Case(
        Action.GRADEBOOK_PAGE,
        (C.GRADEBOOK,),
        "Gradebook: Sales ",
        lambda s: s.click("gradebook", f"{Action.GRADEBOOK_PAGE}.next"),
    ),
    Case(
        Action.GRADEBOOK_LEARNER,
        (C.GRADEBOOK,),
        "Learner grades",
        lambda s: s.click("gradebook", Action.GRADEBOOK_LEARNER),
    ),
    Case(
        Action.GRADEBOOK_EXPORT,
        (C.GRADEBOOK,),
        "coming to your direct messages",
        lambda s: _exported(s, s.click("gradebook", Action.GRADEBOOK_EXPORT)),
    ),
    Case(
        "certificates",
        (C.CERTIFICATIONS,),
        "Certificates in Sales ",
        lambda s: s.command(f"certificates #{s.sales}"),
    ),
    Case(
        "certificate-award",
        ADMIN_ONLY,
        "now earns a certificate",
        lambda s: s.command('certificate-award "Python 101" on'),
        scoped=False,
    ),
    Case(
        Action.CERTIFICATES_PAGE,
        (C.CERTIFICATIONS,),
        "Certificates in Sales ",
        lambda s: s.click("certificates", f"{Action.CERTIFICATES_PAGE}.next"),
    ),
    Case(
        Action.CERTIFICATES_EXPORT,
        (C.CERTIFICATIONS,),
        "coming to your direct messages",
        lambda s: _exported(s, s.click("certificates", Action.CERTIFICATES_EXPORT)),
    ),
    Case(
        Action.CERTIFICATE_REVOKE,
        (C.CERTIFICATIONS,),
        "Revoke certificate",
        lambda s: s.click("certificates", Action.CERTIFICATE_REVOKE),
        hidden=NO_CERTIFICATE,
    ),
    Case(
        Modal.REVOKE_CERTIFICATE,
        (C.CERTIFICATIONS,),
        "its verification page says so",
        lambda s: s.submit(revoke_modal(s.certificate), {Field.REASON: "Issued by mistake"}),
        hidden=NO_CERTIFICATE,
    ),
    Case(
        "user",
        (C.VIEW_USERS,),
        "member05 (member05@school.org)",
        lambda s: s.command("user member05@school.org"),
        hidden=NO_ONE,
    ),
    Case(
        "user new",
        ADMIN_ONLY,
        "Created *Nova*",
        lambda s: s.command('user new nova@example.org "Nova"'),
        scoped=False,
    ),
    Case(
        Action.OPEN_CARD,
        (C.VIEW_USERS,),
        "member05 (member05@school.org)",
        lambda s: s.click("members", Action.OPEN_CARD, value=str(s.people["member05"])),
        hidden=NO_ONE,
    ),
    Case(
        Action.EDIT_USER,
        (C.BASIC_USER_ACTIONS,),
        "Edit user",
        lambda s: s.click("card", Action.EDIT_USER),
        hidden=NO_ONE,
    ),
    Case(
        Modal.EDIT_USER,
        (C.BASIC_USER_ACTIONS,),
        "User saved",
        lambda s: s.submit(s.forms[Modal.EDIT_USER], {Field.USERNAME: "Member Seven"}),
        hidden=NO_ONE,
    ),
    Case(
        Action.SET_PROGRESS,
        (C.UPDATE_PROGRESS,),
        "Update progress",
        lambda s: s.click("card", Action.SET_PROGRESS),
        hidden=NO_ONE,
    ),
    Case(
        Modal.SET_PROGRESS,
        (C.UPDATE_PROGRESS,),
        "Updated the progress of",
        lambda s: s.submit(
            s.forms[Modal.SET_PROGRESS],
            {Field.COURSE: s.course, Field.PERCENT: "50", Field.REASON: "the table"},
        ),
        hidden=NO_ONE,
    ),
    Case(
        Action.RESET_PROGRESS,
        (C.ADVANCED_USER_ACTIONS,),
        "Reset progress",
        lambda s: s.click("card", Action.RESET_PROGRESS),
        hidden=NO_ONE,
    ),
    Case(
        Modal.RESET_PROGRESS,
        (C.ADVANCED_USER_ACTIONS,),
        "Reset the progress of",
        lambda s: s.submit(
            s.forms[Modal.RESET_PROGRESS], {Field.COURSE: s.course, Field.REASON: "the table"}
        ),
        hidden=NO_ONE,
    ),
    Case(
        Action.CHANGE_EMAIL,
        (C.ADVANCED_USER_ACTIONS,),
        "Change email",
        lambda s: s.click("card", Action.CHANGE_EMAIL),
        hidden=NO_ONE,
    ),
    Case(
        Modal.CHANGE_EMAIL,
        (C.ADVANCED_USER_ACTIONS,),
        "Changed the email of",
        lambda s: s.submit(s.forms[Modal.CHANGE_EMAIL], {Field.EMAIL: "seven@school.org"}),
        hidden=NO_ONE,
    ),
    Case(
        Action.DELETE_USER,
        (C.DELETE_USER,),
        "Delete user",
        lambda s: s.click("card", Action.DELETE_USER),
        hidden=NO_ONE,
    ),
    Case(
        Modal.DELETE_USER,
        (C.DELETE_USER,),
        "Deleted *member08*",
        lambda s: s.submit(s.forms[Modal.DELETE_USER], {}),
        hidden=NO_ONE,
    ),
    Case(
        Action.RESEND_USER_INVITE,
        (C.BASIC_USER_ACTIONS,),
        "Sending a new invitation to *member05*",
        lambda s: s.click("card", Action.RESEND_USER_INVITE),
        hidden=NO_ONE,
    ),
    Case(
        Action.CARD_GROUPS,
        (C.BASIC_USER_ACTIONS,),
        "gets the group's courses",
        lambda s: s.click("card", Action.CARD_GROUPS),
        hidden=NO_ONE,
    ),
    Case(
        Modal.CARD_GROUPS,
        (C.BASIC_USER_ACTIONS,),
        "was already in *Sales",
        lambda s: s.submit(
            s.forms[Modal.CARD_GROUPS],
            {Field.CARD_GROUP: str(s.sales), Field.GROUP_CHANGE: "add"},
        ),
        hidden=NO_ONE,
    ),
    Case(
        Action.CARD_COURSES,
        (C.BASIC_USER_ACTIONS,),
        "is emailed about a new course",
        lambda s: s.click("card", Action.CARD_COURSES),
        hidden=NO_ONE,
    ),
    Case(
        Modal.CARD_COURSES,
        (C.BASIC_USER_ACTIONS,),
        "is already enrolled in",
        lambda s: s.submit(
            s.forms[Modal.CARD_COURSES], {Field.CARD_COURSE: s.course, Field.GROUP_CHANGE: "add"}
        ),
        hidden=NO_ONE,
    ),
    Case(
        Action.SUSPEND_USER,
        (C.BASIC_USER_ACTIONS,),
        "Suspended *member05*",
        lambda s: s.click("card", Action.SUSPEND_USER),
        hidden=NO_ONE,
    ),
    Case(
        Action.REACTIVATE_USER,
        (C.BASIC_USER_ACTIONS,),
        "Reactivated *member06*",
        lambda s: s.click("suspended card", Action.REACTIVATE_USER),
        hidden=NO_ONE,
    ),
    # Last: an approved import starts running, and its messages would mix with others'.
    Case(
        Modal.REVIEW_IMPORT,
        ADMIN_ONLY,
        "Approved;",
        lambda s: s.submit(
            review_modal(_pending(s), enrol_allowed=False),
            {Field.DECISION: "approve", Field.IMPORT_OPTIONS: ["invite"]},
        ),
    ),
)


async def _reported(scene: Scene, act: Awaitable[str]) -> str:
    """What the caller saw, once the report's thread has its chart and, when they may
    export, its file (neither when the group has no course left by then): both are
    shared after the reply, and must not be taken for what the next case shows."""
    slack = scene.roster.slack
    uploads = len(slack.calls_to("files.completeUploadExternal"))
    posts = len(slack.calls_to("chat.postMessage"))
    seen = await act
    if ":no_entry:" in seen or NOT_FOUND in seen:
        return seen
    direct = slack.dm_id(scene.user)

    def report() -> str | None:
        return next(
            (
                json.dumps(c.args.get("blocks"), ensure_ascii=False)
                for c in slack.calls_to("chat.postMessage")[posts:]
                if c.args.get("channel") == direct
            ),
            None,
        )

    posted = await slack.wait_for(report)
    shares = 0 if "has no courses to report on" in posted else 1 if NO_FILE in posted else 2
    await slack.wait_for(
        lambda: len(slack.calls_to("files.completeUploadExternal")) >= uploads + shares
    )
    return seen


async def _previewed(scene: Scene, act: Awaitable[str]) -> str:
    """What the caller saw, once a preview it started is complete with its file: that
    work goes on after the reply, and must not be taken for what the next case shows
    or changes."""
    slack = scene.roster.slack
    uploads = len(slack.calls_to("files.completeUploadExternal"))
    posts = len(slack.calls_to("chat.postMessage"))
    seen = await act
    if ":no_entry:" in seen or NOT_FOUND in seen:
        return seen

    def preview() -> str | None:
        return next(
            (
                str(c.args["blocks"])
                for c in slack.calls_to("chat.postMessage")[posts:]
                if "rules.save" in str(c.args.get("blocks"))
            ),
            None,
        )

    if "The full list is in this thread" in await slack.wait_for(preview):
        await slack.wait_for(lambda: len(slack.calls_to("files.completeUploadExternal")) > uploads)
    return seen


async def _rules(school: Roster, group: Group, scene: Scene) -> None:
    """Sales Team gets a rule that matches nobody (so its members stay as they are),
    and two previews of another wait in the admin's direct messages."""
    services, admin = school.services, await school.services.users.actor(ADMIN)
    rule = await services.rules.read(admin, group, 'username = "nobody"')
    draft, _ = await services.rules.preview(admin, group, rule)
    saved, _ = await services.rules.decide(admin, draft.id, save=True)
    await services.rules.run(saved, "the table's scene")
    scene.surfaces["rule"] = await (await school.driver.command(ADMIN, f"rule #{group.id}")).reply()
    client = AsyncWebClient(token=school.slack.bot_token, base_url=school.slack.api_url)
    direct = (await client.conversations_open(users=ADMIN))["channel"]["id"]
    for name in ("rule preview", "rule doomed", "rule asked"):
        draft, counts = await services.rules.preview(admin, group, rule)
        text, blocks = rule_preview(group, draft, "nobody", counts)
        posted = await client.chat_postMessage(channel=direct, text=text, blocks=blocks)
        scene.surfaces[name] = next(m for m in school.slack.messages if m.ts == posted["ts"])
    asker = Actor(MANAGER, scene.manager_user_id, False, frozenset({group.id}), SEGMENTS)
    asked = scene.surfaces["rule asked"]
    scene.pending_rule, _ = await services.rules.decide(
        asker, draft.id, save=True, channel=asked.channel, thread_ts=asked.ts
    )
    text, blocks = rule_request(group, scene.pending_rule, "nobody")
    posted = await client.chat_postMessage(channel=direct, text=text, blocks=blocks)
    scene.surfaces["rule request"] = next(m for m in school.slack.messages if m.ts == posted["ts"])


async def _exported(scene: Scene, act: Awaitable[str]) -> str:
    """What the caller saw, once the workbook it asked for is shared: it is written
    after the reply, and must not be taken for what the next case shows."""
    slack = scene.roster.slack
    uploads = len(slack.calls_to("files.completeUploadExternal"))
    seen = await act
    if "coming to your direct messages" in seen:
        await slack.wait_for(lambda: len(slack.calls_to("files.completeUploadExternal")) > uploads)
    return seen


async def _submissions(school: Roster, scene: Scene) -> None:
    """Eleven of Sales Team's members hand in an essay for grading: a page and more."""
    services = school.services
    events = services.activity.parse(
        {
            "events": [
                {
                    "id": f"essay-{n}",
                    "type": "assessment_submitted",
                    "user": {"email": f"member{n:02}@school.org"},
                    "course": "Python 101",
                    "assessment": "essay",
                    "max_score": 10,
                    "needs_review": True,
                }
                for n in range(11)
            ]
            + [
                {
                    "id": f"quiz-{n}",
                    "type": "assessment_submitted",
                    "user": {"email": f"member{n:02}@school.org"},
                    "course": "Python 101",
                    "assessment": "quiz",
                    "max_score": 10,
                    "score": 5,
                }
                for n in range(11)
            ]
            + [
                {
                    "id": f"certificate-{n}",
                    "type": "certificate_issued",
                    "user": {"email": f"member{n:02}@school.org"},
                    "course": "Python 101",
                    "certificate": "Python Practitioner",
                }
                for n in range(16)
            ]
        }
    )
    await services.activity.ingest(events)
    admin = await services.users.actor(ADMIN)
    first = (
        await models.SubmissionRow.filter(state="pending").order_by("submitted_at", "id").first()
    )
    assert first is not None
    scene.submission = await services.grading.reachable(admin, first.id)
    reply = await (await school.driver.command(ADMIN, 'review "Sales Team"')).reply()
    scene.surfaces["review"] = reply
    await services.grading.set_release_at_once(admin, at_once=False)
    second = await models.SubmissionRow.filter(state="pending").order_by("id").offset(1).first()
    assert second is not None
    await services.grading.grade(admin, second.id, score="4", feedback="")
    await services.grading.set_release_at_once(admin, at_once=True)
    scene.surfaces["graded"] = await (
        await school.driver.command(ADMIN, 'graded "Sales Team"')
    ).reply()
    scene.surfaces["gradebook"] = await (
        await school.driver.command(ADMIN, 'gradebook "Sales Team" "Python 101"')
    ).reply()
    scene.surfaces["certificates"] = await (
        await school.driver.command(ADMIN, 'certificates "Sales Team"')
    ).reply()
    newest = await models.CertificateRow.all().order_by("-issued_at", "-id").first()
    assert newest is not None
    scene.certificate = await services.certificates.reachable(admin, newest.id)
    latest = (
        await models.SubmissionRow.filter(state="released").order_by("-graded_at", "-id").first()
    )
    assert latest is not None
    scene.graded = await services.grading.reachable(admin, latest.id)
    held = replace(scene.submission, claimed_by=-1)
    sales = _group(scene.sales, "Sales Team")
    text, blocks = queue_message(Page((held,), 1, 0, 10), sales, you=-1)
    client = AsyncWebClient(token=school.slack.bot_token, base_url=school.slack.api_url)
    posted = await client.chat_postMessage(channel=ADMIN, text=text, blocks=blocks)
    scene.surfaces["review mine"] = next(m for m in school.slack.messages if m.ts == posted["ts"])


def _rule_review(scene: Scene) -> dict[str, Any]:
    assert scene.pending_rule is not None
    empty = RulePreview(0, 0, 0, 0, (), ())
    return rule_review(_group(scene.sales, "Sales Team"), scene.pending_rule, "nobody", empty)


async def _cards(school: Roster, scene: Scene) -> None:
    """The admin's cards of member05 (active) and member06 (suspended), and the edit
    forms of member07's and member08's deletion."""
    services, admin = school.services, await school.services.users.actor(ADMIN)
    rows = await models.UserRow.filter(email__startswith="member").values_list("username", "id")
    scene.people = dict(rows)
    await services.user_cards.suspend(admin, scene.people["member06"])
    for name, who in (("card", "member05"), ("suspended card", "member06")):
        scene.surfaces[name] = await (
            await school.driver.command(ADMIN, f"user {who}@school.org")
        ).reply()
    member07 = await services.user_cards.editable(admin, scene.people["member07"])
    scene.course = str(member07.enrollments[0].course.id)
    for form in (edit_modal, progress_modal, reset_modal, email_modal):
        view = form(member07)
        scene.forms[view["callback_id"]] = view
    scene.forms[Modal.CARD_GROUPS] = groups_modal(member07, [_group(scene.sales, "Sales Team")])
    scene.forms[Modal.CARD_COURSES] = courses_modal(
        member07, [e.course for e in member07.enrollments]
    )
    member08 = await services.user_cards.editable(admin, scene.people["member08"])
    scene.forms[Modal.DELETE_USER] = delete_modal(member08)


def _pending(scene: Scene) -> BulkJob:
    assert scene.pending is not None
    return scene.pending


async def _staged(school: Roster, group: Group, name: str) -> tuple[Message, BulkJob]:
    """A checked one-row file for ``group``, its preview posted to the admin."""
    services = school.services
    admin = await services.users.actor(ADMIN)
    tally = Tally(("username", "email"), ready_rows=1)

    async def rows() -> AsyncIterator[list[StagedRow]]:
        yield [StagedRow(2, "newbie", f"newbie-{name}@example.org")]

    job = await services.bulk.stage(admin, group, name, tally, rows())
    client = AsyncWebClient(token=school.slack.bot_token, base_url=school.slack.api_url)
    direct = (await client.conversations_open(users=ADMIN))["channel"]["id"]
    text, blocks = preview_message(job)
    posted = await client.chat_postMessage(channel=direct, text=text, blocks=blocks)
    await services.bulk.posted(job.id, direct, posted["ts"])
    message = next(m for m in school.slack.messages if m.ts == posted["ts"])
    return message, job


def _group(group_id: int, title: str) -> Group:
    """A group as a modal builder needs it: only the id and title matter to it."""
    now = datetime.now(UTC)
    return Group(group_id, title, "", None, now, now)


def _file(scene: Scene, name: str) -> dict[str, Any]:
    stored = scene.roster.slack.user_upload(scene.user, name, build_template(("username", "email")))
    return scene.roster.slack.file_json(stored)


def _permissions_view(user_id: int) -> dict[str, Any]:
    subject = User(user_id, "max@school.org", "max", UserStatus.ACTIVE, MANAGER)
    view = permissions_modal(PermissionSet(subject, frozenset(), (), ()))
    assert view["private_metadata"] != DEFAULT
    return view


CALLERS = (
    "admin",
    *(f"manager with {c.value}" for c in GRANTABLE),
    "manager of another group",
    "linked learner",
    "unlinked Slack user",
)
SLACK_ID = {
    "admin": ADMIN,
    "manager of another group": OTHER_MANAGER,
    "linked learner": LEARNER,
    "unlinked Slack user": STRANGER,
}


def expected_denial(caller: str, case: Case) -> str | None:
    """The rule, restated from the issue: None when allowed, else what the denial says."""
    if caller == "admin" or case.needs == ():
        return None
    if caller == "unlinked Slack user":
        return "your Slack account isn't linked to a school user yet"
    if case.needs == ADMIN_ONLY:
        return "is for school admins only"
    if caller == "linked learner":
        return "you manage no group"
    if caller == "manager of another group":
        return case.hidden if case.scoped else None
    held = Capability(caller.removeprefix("manager with "))
    missing = [
        need
        for need in case.needs
        if need != held and not (held is C.MANAGE_USERS and need in MANAGE_USERS_PARTS)
    ]
    return f"it needs the *{LABELS[missing[0]]}* permission" if missing else None


TABLES = (
    models.UserRow,
    models.CourseRow,
    models.GroupRow,
    models.GroupCourseRow,
    models.GroupManagerRow,
    models.MembershipRow,
    models.EnrollmentRow,
    models.MembershipRuleRow,
    models.RuleEventRow,
    models.CapabilityGrantRow,
    models.DefaultCapabilityRow,
    models.PermissionChangeRow,
    models.SchoolSettingRow,
    models.BulkJobRow,
    models.BulkJobItemRow,
    models.SubmissionRow,
    models.GradeChangeRow,
    models.CertificateRow,
    models.UserActionRow,
    models.EmailAliasRow,
)


async def _snapshot() -> list[Any]:
    """Every table a denial could touch; of the outbox, which emails exist (the
    delivery worker changes their states meanwhile, and may)."""
    rows = [await table.all().order_by("id").values() for table in TABLES]
    return [*rows, await models.OutboxRow.all().order_by("id").values_list("id", "to_address")]


async def _scene(school: Roster, caller: str) -> Scene:
    """Sales Team (21 members, managed by MANAGER), Support, Spare, and enough
    groups for the dashboard to page; the caller holds what their name says."""
    services = school.services
    admin = await services.users.actor(ADMIN)
    assert "Created" in await school.run(ADMIN, "create Spare")
    for n in range(9):
        await services.groups.create(admin, title=f"Z Extra {n}")
    sales = await services.groups.resolve(admin, "Sales Team", C.VIEW_GROUPS)
    for n in range(21):
        await services.members.add(admin, sales, email=f"member{n:02}@school.org")
    manager = await models.UserRow.get(slack_user_id=MANAGER)
    other = await models.UserRow.get(slack_user_id=OTHER_MANAGER)
    await services.permissions.save(
        admin, await services.permissions.user(admin, other.id), GRANTABLE
    )
    if caller.startswith("manager with "):
        held = caller.removeprefix("manager with ")
        await services.permissions.save(
            admin, await services.permissions.user(admin, manager.id), [held]
        )
    ids = dict(await models.GroupRow.all().values_list("title", "id"))
    scene = Scene(
        school,
        SLACK_ID.get(caller, MANAGER),
        sales=ids["Sales Team"],
        spare=ids["Spare"],
        support=ids["Support"],
        manager_user_id=manager.id,
    )
    for name, text in (
        ("list", "list"),
        ("members", 'members "Sales Team"'),
        ("delete", "delete Support"),
        ("offer", 'add "Sales Team" member00@school.org'),
    ):
        scene.surfaces[name] = await (await school.driver.command(ADMIN, text)).reply()
    scene.surfaces["home"] = await school.driver.home(ADMIN)
    group = await services.groups.resolve(admin, "Sales Team", C.VIEW_GROUPS)
    scene.surfaces["preview"], _ = await _staged(school, group, "for-approval.xlsx")
    scene.surfaces["doomed"], _ = await _staged(school, group, "to-cancel.xlsx")
    _, job = await _staged(school, group, "to-review.xlsx")
    scene.pending, _ = await services.bulk.send_for_approval(admin, job.id)
    await _rules(school, group, scene)
    await _submissions(school, scene)
    await _cards(school, scene)
    client = AsyncWebClient(token=school.slack.bot_token, base_url=school.slack.api_url)
    text, blocks = approval_request(scene.pending)
    posted = await client.chat_postMessage(channel=ADMIN, text=text, blocks=blocks)
    scene.surfaces["request"] = next(m for m in school.slack.messages if m.ts == posted["ts"])
    scene.surfaces["events"] = await (await school.driver.command(ADMIN, "log events")).reply()
    now = datetime.now(UTC)
    digest = await services.events.digest(admin, group, since=now, until=now)
    text, blocks = digest_message(digest)
    posted = await client.chat_postMessage(channel=ADMIN, text=text, blocks=blocks)
    scene.surfaces["digest"] = next(m for m in school.slack.messages if m.ts == posted["ts"])
    return scene


@pytest.mark.parametrize("caller", CALLERS)
async def test_every_command_and_action_for_every_caller(school: Roster, caller: str) -> None:
    with school.slack.unlimited():
        scene = await _scene(school, caller)
    failures = []
    for case in CASES:
        before = await _snapshot()
        seen = await case.run(scene)
        denial = expected_denial(caller, case)
        if denial is None:
            alternatives = (case.allowed,) if isinstance(case.allowed, str) else case.allowed
            if not any(a in seen for a in alternatives):
                failures.append(f"{case.name}: should be allowed ({case.allowed!r}); saw {seen!r}")
            continue
        told = denial in seen and (
            denial == case.hidden or (f"Ask <@{ADMIN}>" in seen and "nothing was changed" in seen)
        )
        if not told:
            failures.append(f"{case.name}: should be denied ({denial!r}); saw {seen!r}")
        elif await _snapshot() != before:
            failures.append(f"{case.name}: denied, but the database changed")
    assert not failures, "\n".join(failures)


def test_the_table_covers_every_command_and_action() -> None:
    names = {case.name.split(":")[0] for case in CASES}
    missing = [c.name for c in COMMANDS if c.name not in names]
    missing += [a.value for a in Action if a not in names]
    missing += [m.value for m in Modal if m not in names]
    assert not missing, f"add these to CASES: {missing}"
