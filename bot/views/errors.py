"""Every domain error as one short sentence that names the fix."""

from __future__ import annotations

from collections.abc import Sequence

from bot.views.blocks import escape, listing
from domain.bulk_jobs import JobMoved, JobNotFound, NothingToImport
from domain.errors import (
    CourseNotFound,
    DenialReason,
    DomainError,
    GroupNotFound,
    InvalidInput,
    KeptByRule,
    MemberNotFound,
    NotificationOff,
    NotLinkable,
    PermissionDenied,
    SeatLimitReached,
    TitleTaken,
    UserNotFound,
)
from domain.rules.model import RuleError


def _suggest(names: Sequence[str]) -> str:
    return " Did you mean " + listing([f"*{escape(n)}*" for n in names]) + "?" if names else ""


def describe(error: DomainError, *, admins: Sequence[str] = ()) -> str:
    if isinstance(error, GroupNotFound):
        return (
            f"There is no group called *{escape(error.name)}*.{_suggest(error.suggestions)} "
            "`/group list` shows your groups."
        )
    if isinstance(error, CourseNotFound):
        return (
            f"There is no course called *{escape(error.name)}*.{_suggest(error.suggestions)} "
            "`/group course list` shows the catalogue."
        )
    if isinstance(error, MemberNotFound):
        return (
            f"*{escape(error.name)}* is not a member of this group; "
            "`/group members <group>` lists who is."
        )
    if isinstance(error, NotificationOff):
        return (
            f"*{escape(error.label)}* emails are switched off for the school, so none was "
            "sent. An admin can switch them on with `/group notifications`."
        )
    if isinstance(error, UserNotFound):
        return f"There is no school user {escape(error.name)} any more; nothing was changed."
    if isinstance(error, TitleTaken):
        return (
            f"A {error.kind} called *{escape(error.existing_title)}* (`#{error.existing_id}`) "
            "already exists, and titles are unique regardless of case. Choose another title."
        )
    if isinstance(error, InvalidInput):
        return f"The {error.field} is not right: {escape(error.message)}"
    if isinstance(error, PermissionDenied):
        return denied(error, admins)
    if isinstance(error, SeatLimitReached):
        return (
            f"*{escape(error.group_title)}* is full: all {error.seat_limit} seats are taken. "
            "Remove a member, or ask an admin to raise the seat limit."
        )
    if isinstance(error, JobMoved):
        return (
            f"Bulk action #{error.job.id} is already *{error.job.state}*, so Roster can't "
            f"{error.wanted}; nothing was changed. `/group log actions` shows where it stands."
        )
    if isinstance(error, NothingToImport):
        return (
            "Every row of this file has a problem, so there is nothing to send for approval. "
            "Fix the rows in the rows-to-fix file and upload it again."
        )
    if isinstance(error, JobNotFound):
        return f"There is no bulk action #{error.job_id}; `/group log actions` lists them."
    if isinstance(error, KeptByRule):
        title = escape(error.group_title)
        return (
            f"*{escape(error.email)}* is in *{title}* by its rule, so removing them by hand "
            f'would not last. Change the rule (`/group rule "{title}" edit`) to leave them '
            "out; nothing was changed."
        )
    if isinstance(error, RuleError):
        return escape(error.explain())
    if isinstance(error, NotLinkable):
        return f"<@{error.slack_user_id}> can't be a manager: {error.reason}."
    return f"That didn't work: {escape(str(error))}."


def denied(error: PermissionDenied, admins: Sequence[str]) -> str:
    """Names what was missing, who can grant it, and that nothing changed."""
    who = listing([f"<@{a}>" for a in admins], empty="a school admin")
    needs = f"*{escape(error.capability)}*"
    where = f" in *{escape(error.group_title)}*" if error.group_title else ""
    if error.reason is DenialReason.UNLINKED:
        problem = (
            f"it needs {needs}, and your Slack account isn't linked to a school user yet, "
            "so Roster only answers `/group help` and `/group whoami`"
        )
        fix = f"Ask {who} to add you to the school with the email of your Slack profile"
    elif error.reason is DenialReason.ADMIN_ONLY:
        problem = f"{needs} is for school admins only"
        fix = f"Ask {who} if it needs doing"
    elif error.reason is DenialReason.NOT_A_MANAGER:
        problem = (
            f"it needs {needs}, which only group managers can be given, and you manage no group"
        )
        fix = f"Ask {who} to make you a manager"
    else:
        problem = f"it needs the {needs} permission, which you don't have"
        fix = f"Ask {who} to grant it with `/group permissions @you`"
    return f":no_entry: You can't do that{where}: {problem}. {fix}; nothing was changed."


def unexpected(reference: str) -> str:
    return (
        f":warning: Something went wrong on our side (reference `{reference}`). Nothing "
        "you typed was lost: try again, and if it keeps happening give the reference to "
        "your school admin."
    )


def slack_dropped() -> str:
    """For a request that arrived after Slack stopped taking Roster's token."""
    return (
        ":warning: Roster can't act in Slack right now: Slack no longer takes its token "
        "(the app was uninstalled or its token revoked). The admins have been emailed; "
        "reinstalling the app brings Roster back, with nothing lost."
    )
