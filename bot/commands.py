"""The grammar of ``/group``: subcommands, their usage, and parsing typed text."""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass

from domain.permissions import Capability

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    example: str
    summary: str
    min_args: int
    max_args: int | None
    """None: the last argument takes the rest of the text (titles with spaces)."""
    needs: Capability | None = None
    """What `/group help` checks to mark the command as out of the caller's reach;
    the service behind the command enforces it."""
    rest_at: int | None = None
    """With ``max_args`` None: the argument that takes the rest of the text (by
    default the last required one, e.g. a title with spaces)."""

    @property
    def usage(self) -> str:
        return f"/group {self.name} {self.args}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("help", "", "/group help", "list every command", 0, 0),
    Command(
        "list", "", "/group list", "your groups, with their actions", 0, 0, Capability.VIEW_GROUPS
    ),
    Command(
        "create",
        "[title]",
        "/group create Sales Onboarding",
        "create a group (no title opens a form)",
        0,
        None,
        Capability.CREATE_GROUP,
    ),
    Command(
        "add",
        "<group> <email> [name or username]",
        '/group add "Sales Onboarding" ana@school.org Ana García',
        "add one member, creating the user if new (the name is their username)",
        2,
        None,
        Capability.BASIC_USER_ACTIONS,
        rest_at=2,
    ),
    Command(
        "remove",
        "<group> <email>",
        '/group remove "Sales Onboarding" ada@school.org',
        "remove a member (they stay a school user)",
        2,
        2,
        Capability.BASIC_USER_ACTIONS,
    ),
    Command(
        "members",
        "<group> [segment]",
        '/group members "Sales Onboarding" "Acme people"',
        "members with last login and courses; with a segment, only those in it",
        1,
        2,
        Capability.VIEW_GROUPS,
    ),
    Command(
        "courses",
        "<group> add|remove <course>",
        '/group courses "Sales Onboarding" add "Python 101"',
        "include or drop a course",
        3,
        3,
        Capability.EDIT_GROUP,
    ),
    Command(
        "managers",
        "<group> add|remove @user",
        '/group managers "Sales Onboarding" add @ada',
        "assign or unassign a manager",
        3,
        3,
        Capability.ASSIGN_MANAGERS,
    ),
    Command(
        "rename",
        "<group> <new title>",
        '/group rename "Sales Onboarding" Sales 2027',
        "give a group a new title",
        2,
        None,
        Capability.EDIT_GROUP,
    ),
    Command(
        "delete",
        "<group>",
        '/group delete "Sales Onboarding"',
        "delete a group after you confirm",
        1,
        1,
        Capability.DELETE_GROUP,
    ),
    Command(
        "course new",
        "<title>",
        "/group course new Python 101",
        "add a course to the catalogue",
        1,
        None,
        Capability.MANAGE_CATALOGUE,
    ),
    Command(
        "course list",
        "",
        "/group course list",
        "the course catalogue",
        0,
        0,
        Capability.VIEW_GROUPS,
    ),
    Command(
        "permissions",
        "[@user|default]",
        "/group permissions @ada",
        "see and change what a manager may do (admins)",
        0,
        1,
        Capability.MANAGE_PERMISSIONS,
    ),
    Command("whoami", "", "/group whoami", "your role, groups and permissions", 0, 0),
    Command(
        "resend-invites",
        "<group>",
        '/group resend-invites "Sales Onboarding"',
        "email a new invitation to members who never signed in",
        1,
        1,
        Capability.BASIC_USER_ACTIONS,
    ),
    Command(
        "import",
        "<group>",
        '/group import "Sales Onboarding"',
        "check a filled-in template before adding everyone in it",
        1,
        1,
        Capability.BULK_ACTIONS,
    ),
    Command(
        "template",
        "[first name, last name, tags | progress]",
        "/group template first name, tags",
        "the Excel template for bulk adds (no columns named: all of them), or `progress` "
        "for progress updates",
        0,
        None,
        Capability.BULK_ACTIONS,
    ),
    Command(
        "notifications",
        "",
        "/group notifications",
        "switch the school's notification emails on or off (admins)",
        0,
        0,
        Capability.MANAGE_NOTIFICATIONS,
    ),
    Command("log", "", "/group log", "the logs: events, emails, actions, reports", 0, 0),
    Command(
        "log events",
        "[type] [since] [until] [group] [person]",
        '/group log events completed 7d "Sales Onboarding"',
        "everything that happened to people, groups and courses, with an Excel export",
        0,
        5,
        Capability.VIEW_ACTIVITY,
    ),
    Command(
        "subscribe",
        "<#channel> [group] [event types]",
        '/group subscribe #sales-team "Sales Onboarding" added completed',
        "post a group's events in a channel as they happen (no group: the whole school, admins)",
        1,
        6,
        Capability.VIEW_ACTIVITY,
    ),
    Command(
        "subscriptions",
        "",
        "/group subscriptions",
        "the channels following events",
        0,
        0,
        Capability.VIEW_ACTIVITY,
    ),
    Command(
        "unsubscribe",
        "<#channel> [group]",
        '/group unsubscribe #sales-team "Sales Onboarding"',
        "stop posting a group's events in a channel",
        1,
        2,
        Capability.VIEW_ACTIVITY,
    ),
    Command(
        "webhooks",
        "",
        "/group webhooks",
        "the school's webhook endpoints and whether they work (admins)",
        0,
        0,
        Capability.MANAGE_PERMISSIONS,
    ),
    Command(
        "log emails",
        "[trigger] [since]",
        "/group log emails invitation 7d",
        "every email with its state; filter by trigger and time (admins)",
        0,
        2,
        Capability.MANAGE_NOTIFICATIONS,
    ),
    Command(
        "log actions",
        "[type] [since]",
        "/group log actions add 7d",
        "the User action log: bulk actions, their state and counts; filter by type and time",
        0,
        3,
        Capability.BULK_ACTIONS,
    ),
    Command(
        "enrol",
        "<group> <course>",
        '/group enrol "Sales Onboarding" "Python 101"',
        "enrol every member of a group in a course (a bulk action: previewed, then approved)",
        2,
        2,
        Capability.BULK_ACTIONS,
    ),
    Command(
        "unenrol",
        "<group> <course>",
        '/group unenrol "Sales Onboarding" "Python 101"',
        "end every member's enrolment in a course, with its progress (previewed, then approved)",
        2,
        2,
        Capability.BULK_ACTIONS,
    ),
    Command(
        "import-settings",
        "enrol on|off",
        "/group import-settings enrol on",
        "whether approved imports may enrol people in the group's courses (admins)",
        2,
        2,
        Capability.APPROVE_BULK,
    ),
    Command(
        "timezone",
        "[<zone>]",
        "/group timezone Europe/Madrid",
        "the school's time zone: where days start for `7d` and dates, the times in files, "
        "schedules whose creator's zone Slack doesn't know (admins set it)",
        0,
        1,
    ),
    Command(
        "rule",
        "<group> [set <rule> | edit | refresh | clear]",
        '/group rule "Sales Onboarding" set email endswith "@acme.com"',
        "the rule that decides a group's members: show it, preview a new one, re-evaluate it",
        1,
        None,
        Capability.VIEW_GROUPS,
    ),
    Command(
        "segment new",
        "",
        "/group segment new",
        "save a user segment: a rule without a group, to filter lists by",
        0,
        0,
        Capability.MANAGE_SEGMENTS,
    ),
    Command(
        "segment list",
        "",
        "/group segment list",
        "the saved user segments and their rules",
        0,
        0,
        Capability.VIEW_GROUPS,
    ),
    Command(
        "review",
        "[group]",
        '/group review "Sales Team"',
        "responses waiting for a grader, oldest first: claim one, grade it",
        0,
        1,
        Capability.REVIEW_CENTER,
    ),
    Command(
        "graded",
        "[group]",
        '/group graded "Sales Team"',
        "graded responses, latest first: edit (with a reason), reset for a retake, history",
        0,
        1,
        Capability.REVIEW_CENTER,
    ),
    Command(
        "gradebook",
        "<group> [course]",
        '/group gradebook "Sales Team" "Python 101"',
        "learners by assessments: scores, pass/fail, pending, missing; history and export",
        1,
        2,
        Capability.GRADEBOOK,
    ),
    Command(
        "grade-release",
        "at-once|manual",
        "/group grade-release manual",
        "whether grades reach learners when given, or on *Release grades* (admins)",
        1,
        1,
        Capability.MANAGE_NOTIFICATIONS,
    ),
    Command(
        "certificates",
        "<group> [course | name or serial]",
        '/group certificates "Sales Team" "Python 101"',
        "issued certificates with their status; search, export, revoke",
        1,
        2,
        Capability.CERTIFICATIONS,
    ),
    Command(
        "certificate-award",
        "<course> on|off",
        '/group certificate-award "Python 101" on',
        "whether completing a course earns a certificate from Roster (admins)",
        2,
        2,
        Capability.MANAGE_CATALOGUE,
    ),
    Command(
        "report",
        "<group> [course] [segment] | <group> learner <email> | all",
        '/group report "Sales Onboarding" "Python 101"',
        "progress course by course, who needs attention, a chart and the file of everyone; "
        "one learner's courses; or a line per group",
        1,
        3,
        Capability.VIEW_ANALYTICS,
    ),
    Command(
        "schedule",
        "add <group> progress|completion|attention|bulk|emails|events [course <name>] "
        "[segment <name>] <when> here|me|<channel> [file] [quiet] | list | "
        "edit|pause|resume|delete|run <number>",
        '/group schedule add "Sales Onboarding" progress weekly mon 09:00 here',
        "post a report on a group on a timetable (daily, weekdays, weekly, monthly): its "
        "progress, completions, who needs attention, its bulk actions, its emails or its "
        "events; `quiet` skips periods with nothing to report; no arguments: a form",
        0,
        9,
        Capability.MANAGE_REPORTS,
    ),
    Command(
        "log reports",
        "[type] [since]",
        "/group log reports progress 7d",
        "scheduled reports: in progress, upcoming, and past deliveries with their state",
        0,
        2,
        Capability.MANAGE_REPORTS,
    ),
    Command(
        "user",
        "<email>",
        "/group user ana@school.org",
        "one person's card: record, groups, courses, emails, changes, and your actions on them",
        1,
        1,
        Capability.VIEW_USERS,
    ),
    Command(
        "user new",
        '<email> ["name surname"]',
        '/group user new ana@school.org "Ana García"',
        "create a school user in no group yet, invited by email (admins)",
        1,
        None,
        Capability.CREATE_UNGROUPED_USER,
        rest_at=1,
    ),
)
BY_NAME = {c.name: c for c in COMMANDS}
TWO_WORDS = {c.name.split()[0] for c in COMMANDS if " " in c.name}


class UsageError(Exception):
    """What was typed does not fit a command; carries the command to explain."""

    def __init__(self, problem: str, command: Command | None, suggestion: Command | None = None):
        self.problem = problem
        self.command = command
        self.suggestion = suggestion
        super().__init__(problem)


@dataclass(frozen=True)
class Parsed:
    command: Command
    args: list[str]


def parse(text: str) -> Parsed:
    """Splits typed text into a command and its arguments, or raises UsageError.

    ``text`` is as the person typed it (see ``bot.slack_text.plain``), mentions
    as ``<@U…>``."""
    tokens = _tokens(text)
    if not tokens:
        return Parsed(BY_NAME["help"], [])
    name = tokens[0].lower()
    if name in TWO_WORDS and len(tokens) > 1 and f"{name} {tokens[1].lower()}" in BY_NAME:
        name = f"{name} {tokens[1].lower()}"
        tokens = tokens[1:]
    command = BY_NAME.get(name)
    if command is None:
        raise UsageError(f"`{name}` is not a /group command.", None, nearest(name))
    args = tokens[1:]
    if len(args) < command.min_args or (
        command.max_args is not None and len(args) > command.max_args
    ):
        raise UsageError(_count_problem(command, len(args)), command)
    keep = command.rest_at if command.rest_at is not None else max(command.min_args - 1, 0)
    if command.max_args is None and len(args) > keep + 1:
        args = [*args[:keep], " ".join(args[keep:])]
    return Parsed(command, args)


def nearest(name: str) -> Command:
    names = [c.name for c in COMMANDS]
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.0)
    return BY_NAME[match[0]] if match else BY_NAME["help"]


def _tokens(text: str) -> list[str]:
    text = text.translate(_QUOTES).strip()
    lexer = shlex.shlex(text, posix=True)
    lexer.quotes, lexer.escape, lexer.whitespace_split = '"', "", True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        raise UsageError(
            'A quote is not closed: put titles with spaces in "double quotes".', None
        ) from None


def _count_problem(command: Command, given: int) -> str:
    if given < command.min_args:
        return f"`{command.name}` needs more: you gave {given} of {command.min_args} arguments."
    return (
        f"`{command.name}` takes at most {command.max_args} arguments; you gave {given}. "
        'Put titles with spaces in "double quotes".'
    )


MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def mentioned_user(token: str) -> str | None:
    """The Slack user id of an ``<@U123>`` mention, else None."""
    match = MENTION.match(token.strip())
    return match.group(1) if match else None


RULE_VERBS = ("set", "edit", "refresh", "clear")
_RULE_CALL = re.compile(r'^\s*rule\s+("[^"]*"|\S+)(?:\s+(\S+))?(?:\s+(.*))?$', re.DOTALL | re.I)


def rule_call(text: str) -> tuple[str, str, str]:
    """``(group, verb, rule text)`` of ``/group rule``, the rule exactly as typed.

    The rule keeps its quotes (the shell-like split of other commands would
    drop them); ``text`` is as typed, like :func:`parse`'s.
    """
    match = _RULE_CALL.match(text.translate(_QUOTES))
    if match is None:
        raise UsageError("Name the group: `/group rule <group>`.", BY_NAME["rule"])
    group, verb, rest = match.group(1).strip('"'), (match.group(2) or "").lower(), match.group(3)
    if verb and verb not in RULE_VERBS:
        raise UsageError(
            f"`{verb}` is not something a rule does; use set, edit, refresh or clear.",
            BY_NAME["rule"],
        )
    if verb == "set" and not (rest or "").strip():
        raise UsageError("Write the rule after `set`.", BY_NAME["rule"])
    return group, verb, (rest or "").strip()
