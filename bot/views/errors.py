"""Every domain error as one short sentence that names the fix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.views.blocks import escape, listing
from domain.bulk.model import JobMoved, JobNotFound, NothingToImport, RowsPruned
from domain.bulk.sheet import FileRefused, TemplateMismatch
from domain.certificates.model import AlreadyRevoked, CertificateNotFound
from domain.errors import (
    CourseNotFound,
    DenialReason,
    DomainError,
    GroupNotFound,
    InvalidInput,
    KeptByRule,
    MemberNotFound,
    NotFound,
    NotificationOff,
    NotLinkable,
    PermissionDenied,
    SeatLimitReached,
    TitleTaken,
    Unlinkable,
    UserNotFound,
)
from domain.grading.model import ClaimedByOther, NotGraded, NotPending, SubmissionNotFound
from domain.rules.model import (
    NoRule,
    RuleError,
    RuleNotFound,
    SegmentNotFound,
    StaleSegment,
    UnknownName,
)
from domain.schedules import ChannelUnreachable, ScheduleNotFound
from domain.user_card.model import (
    AdminKept,
    AlreadyInState,
    BeyondYourGroups,
    EmailTaken,
    EnrolmentUnchanged,
    NotEnrolled,
    PersonNotFound,
)


def _suggest(names: Sequence[str]) -> str:
    return " Did you mean " + listing([f"*{escape(n)}*" for n in names]) + "?" if names else ""


Wording = Callable[[Any, Sequence[str]], str]
"""(the error, the admins who could help) -> what the person reads."""


def describe(error: DomainError, *, admins: Sequence[str] = ()) -> str:
    """The sentence for an error: the wording registered for its type, or for the
    nearest type it derives from."""
    for kind in type(error).__mro__:
        wording = _WORDINGS.get(kind)
        if wording is not None:
            return wording(error, admins)
    return f"That didn't work: {escape(str(error))}."


def field_message(error: DomainError) -> str:
    """The one line a form shows under the field the error is about."""
    if isinstance(error, RuleError):
        return error.short()
    if isinstance(error, InvalidInput):
        return error.message
    return describe(error)


def _not_found(hint: str) -> Wording:
    def wording(error: NotFound, admins: Sequence[str]) -> str:
        return (
            f"There is no {error.kind} called *{escape(error.name)}*."
            f"{_suggest(error.suggestions)} {hint}"
        )

    return wording


def _rule(error: RuleError, admins: Sequence[str]) -> str:
    return escape(error.explain())


def _unknown_name(error: UnknownName, admins: Sequence[str]) -> str:
    where = (
        "`/group list` shows the groups"
        if error.kind == "group"
        else ("`/group course list` shows the catalogue")
    )
    return f"{escape(error.explain())} {where}."


def _no_rule(error: NoRule, admins: Sequence[str]) -> str:
    title = escape(error.group_title)
    return (
        f"*{title}* has no rule to {error.wanted}; set one with "
        f'`/group rule "{title}" set &lt;rule&gt;`.'
    )


def _person_not_found(error: PersonNotFound) -> str:
    """By email when one was typed; a card's button names the person by id."""
    if error.name.startswith("#"):
        return (
            "There is no one like that in your groups any more (or in the school); nothing "
            "was changed. `/group members <group>` lists who is in a group."
        )
    return (
        f"There is no one with the email *{escape(error.name)}* in your groups; check the "
        "address, or `/group members <group>` lists who is in a group."
    )


_WORDINGS: dict[type, Wording] = {
    GroupNotFound: _not_found("`/group list` shows your groups."),
    CourseNotFound: _not_found("`/group course list` shows the catalogue."),
    JobNotFound: _not_found("`/group log actions` lists them."),
    RuleNotFound: _not_found("`/group rule <group>` shows a group's rule."),
    SegmentNotFound: _not_found("`/group segment list` shows the saved ones."),
    MemberNotFound: lambda e, _: (
        f"*{escape(e.name)}* is not a member of this group; `/group members <group>` lists who is."
    ),
    UserNotFound: lambda e, _: (
        f"There is no school user {escape(e.name)} any more; nothing was changed."
    ),
    NotificationOff: lambda e, _: (
        f"*{escape(e.label)}* emails are switched off for the school, so none was sent. "
        "An admin can switch them on with `/group notifications`."
    ),
    TitleTaken: lambda e, _: (
        f"A {e.kind} called *{escape(e.existing_title)}* (`#{e.existing_id}`) already "
        "exists, and titles are unique regardless of case. Choose another title."
    ),
    PersonNotFound: lambda e, _: _person_not_found(e),
    EmailTaken: lambda e, _: (
        f"*{escape(e.email)}* already belongs to someone in the school, and emails are "
        "unique; choose another address. Nothing was changed."
    ),
    BeyondYourGroups: lambda e, admins: (
        f"*{escape(e.username)}* is also in groups you don't manage, so only a school admin "
        f"can {e.wanted}: ask {listing([f'<@{a}>' for a in admins], empty='a school admin')}. "
        "Nothing was changed."
    ),
    AdminKept: lambda e, _: (
        f"*{escape(e.username)}* is a school admin, and admins are never deleted; nothing "
        "was changed."
    ),
    NotEnrolled: lambda e, _: (
        f"*{escape(e.username)}* is not enrolled in *{escape(e.course)}*, so there is no "
        "progress to change; nothing was changed."
    ),
    EnrolmentUnchanged: lambda e, _: (
        f"*{escape(e.username)}* is {'already' if e.enrolled else 'not'} enrolled in "
        f"*{escape(e.course)}*; nothing was changed."
    ),
    AlreadyInState: lambda e, _: (
        f"*{escape(e.username)}* is already _{e.status}_; nothing was changed."
    ),
    InvalidInput: lambda e, _: f"The {e.field} is not right: {escape(e.message)}",
    PermissionDenied: lambda e, admins: denied(e, admins),
    SeatLimitReached: lambda e, _: (
        f"*{escape(e.group_title)}* is full: all {e.seat_limit} seats are taken. Remove a "
        "member, or ask an admin to raise the seat limit."
    ),
    JobMoved: lambda e, _: (
        f"Bulk action #{e.job.id} is already *{e.job.state}*, so Roster can't {e.wanted}; "
        "nothing was changed. `/group log actions` shows where it stands."
    ),
    NothingToImport: lambda e, _: (
        "Every row of this file has a problem, so there is nothing to send for approval. "
        "Fix the rows in the rows-to-fix file and upload it again."
    ),
    RowsPruned: lambda e, _: (
        f"The rows of bulk action #{e.job.id} were deleted after the retention period; its "
        "counts stay in `/group log actions`, and the results file posted in its thread "
        "when it finished still has every row."
    ),
    KeptByRule: lambda e, _: (
        f"*{escape(e.email)}* is in *{escape(e.group_title)}* by its rule, so removing them "
        f'by hand would not last. Change the rule (`/group rule "{escape(e.group_title)}" '
        "edit`) to leave them out; nothing was changed."
    ),
    RuleError: _rule,
    UnknownName: _unknown_name,
    NoRule: _no_rule,
    StaleSegment: lambda e, _: (
        f"Segment *{escape(e.name)}* names a course or group that no longer exists; save "
        "it again with `/group segment new`."
    ),
    NotLinkable: lambda e, _: f"<@{e.slack_user_id}> can't be a manager: {unlinkable(e)}.",
    FileRefused: lambda e, _: escape(e.problem),
    TemplateMismatch: lambda e, _: (
        f"{escape(e.problem)} Download a fresh template with `/group template`."
    ),
    SubmissionNotFound: lambda e, _: (
        f"There is no response {escape(e.name)} you may review; `/group review` lists "
        "those waiting in your groups."
    ),
    ClaimedByOther: lambda e, _: (
        f":pencil2: {_holder(e.submission)} is grading this response, so it's theirs to "
        "grade; nothing was changed. Pick another from `/group review`, or ask them to "
        "*Unclaim* it."
    ),
    CertificateNotFound: lambda e, _: (
        f"There is no certificate {escape(e.name)} you may see; `/group certificates "
        "<group>` lists those of your groups."
    ),
    AlreadyRevoked: lambda e, _: (
        f"Certificate *{escape(e.certificate.serial)}* was already revoked "
        f"({escape(e.certificate.revoked_reason)}); nothing was changed."
    ),
    NotGraded: lambda e, _: (
        f"This response is {e.submission.state.value}, so there is no grade to change; "
        "nothing was changed. `/group review` grades those waiting."
    ),
    NotPending: lambda e, _: (
        f"This response is already {e.submission.state.value} "
        f"({e.submission.score:g} of {e.submission.max_score:g}); nothing was changed. "
        "Pick another from `/group review`."
        if e.submission.score is not None
        else f"This response is already {e.submission.state.value}; nothing was changed."
    ),
    ScheduleNotFound: _not_found("`/group schedule list` shows the ones you manage."),
    ChannelUnreachable: lambda e, _: (
        f"Roster is not in <#{e.channel}>, so it can't post there. Invite it with "
        "`/invite @Roster` in that channel, then try again (a scheduled report can also "
        "go to `me`, our direct message)."
    ),
}


_UNLINKABLE = {
    Unlinkable.BOT: "it is a bot, and only people can manage groups",
    Unlinkable.DEACTIVATED: (
        "their Slack account is deactivated. Choose someone active, or ask a Slack "
        "admin to reactivate the account first"
    ),
    Unlinkable.SINGLE_CHANNEL_GUEST: (
        "they are a single-channel guest in Slack, and guests can't manage groups or be "
        "school admins. Ask a Slack admin to make them a full member first"
    ),
    Unlinkable.MULTI_CHANNEL_GUEST: (
        "they are a multi-channel guest in Slack, and guests can't manage groups or be "
        "school admins. Ask a Slack admin to make them a full member first"
    ),
    Unlinkable.NO_EMAIL: (
        "Slack shows no email for this account; add the users:read.email scope "
        "or ask the person to add an email to their profile"
    ),
    Unlinkable.NOT_A_SCHOOL_USER: (
        "they are not a school user yet. Make them a manager first with "
        "`/group managers <group> add @them`"
    ),
}


def unlinkable(error: NotLinkable) -> str:
    """Why the account can't be tied to a school user, and what to do."""
    if error.why is Unlinkable.UNKNOWN_TO_SLACK:
        return f"Slack does not know this account ({error.slack_error})"
    if error.why is Unlinkable.EMAIL_TAKEN:
        return f"{error.email} already belongs to another Slack account (<@{error.owner}>)"
    return _UNLINKABLE[error.why]


def _holder(submission: Any) -> str:
    if submission.claimed_by_slack:
        return f"<@{submission.claimed_by_slack}>"
    return f"*{escape(submission.claimed_by_name)}*"


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
