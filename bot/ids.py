"""Every interaction id in one place, namespaced so a listener's reach is obvious."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    GROUP_MENU = "groups.menu"
    GROUP_MEMBERS = "groups.members"
    GROUP_ADD_MEMBER = "groups.add_member"
    GROUP_BULK_ADD = "groups.bulk_add"
    CREATE_GROUP = "groups.create.open"
    DASHBOARD_PAGE = "groups.dashboard.page"
    MEMBERS_PAGE = "members.page"
    DELETE_CONFIRMED = "groups.delete.confirmed"
    DELETE_CANCELLED = "groups.delete.cancelled"
    OPEN_PERMISSIONS = "permissions.open"
    OPEN_DEFAULT_PERMISSIONS = "permissions.default.open"
    RESEND_INVITE = "members.resend_invite"
    RESEND_INVITES = "groups.resend_invites"
    SEND_TEMPLATE = "imports.template"
    SEND_FOR_APPROVAL = "imports.send_for_approval"
    CANCEL_IMPORT = "imports.cancel"
    REVIEW_IMPORT = "imports.review.open"
    EDIT_RULE = "rules.edit"
    REFRESH_RULE = "rules.refresh"
    SAVE_RULE = "rules.save"
    CANCEL_RULE = "rules.cancel"
    REVIEW_RULE = "rules.review.open"
    OPEN_CARD = "users.card.open"
    EDIT_USER = "users.card.edit"
    SUSPEND_USER = "users.card.suspend"
    REACTIVATE_USER = "users.card.reactivate"


class Modal(StrEnum):
    CREATE_GROUP = "groups.create"
    ADD_MEMBER = "members.add"
    RENAME = "groups.rename"
    COURSES = "groups.courses"
    MANAGERS = "groups.managers"
    DELETE = "groups.delete"
    PICK_MANAGER = "permissions.pick"
    PERMISSIONS = "permissions.edit"
    NOTIFICATIONS = "notifications.edit"
    IMPORT = "imports.upload"
    REVIEW_IMPORT = "imports.review"
    RULE_FORM = "rules.form"
    REVIEW_RULE = "rules.review"
    EDIT_USER = "users.edit"


class MenuChoice(StrEnum):
    """Options of a dashboard row's overflow menu (value ``<choice>:<group id>``)."""

    COURSES = "courses"
    MANAGERS = "managers"
    RENAME = "rename"
    DELETE = "delete"
    RULE = "rule"


class Field(StrEnum):
    """block_id of modal inputs; the element inside has the same action_id."""

    TITLE = "title"
    DESCRIPTION = "description"
    COURSES = "courses"
    MANAGERS = "managers"
    SEAT_LIMIT = "seat_limit"
    EMAIL = "email"
    USERNAME = "username"
    MANAGER = "manager"
    PERMISSIONS = "permissions"
    """Prefix: the permissions modal has one checkbox input per section."""
    NOTIFICATIONS = "notifications"
    FILE = "file"
    IMPORT_OPTIONS = "import_options"
    IMPORT_KIND = "import_kind"
    DECISION = "decision"
    REASON = "reason"
    SEGMENT_NAME = "segment_name"
    RULE_MATCH_FIRST = "rule_match_first"
    RULE_MATCH_SECOND = "rule_match_second"
    RULE_ROW = "rule_row"
    """Prefix: ``rule_row<n>.attr|op|value`` for each condition row of the rule form."""
    RULE_TEXT = "rule_text"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    TAGS = "tags"
