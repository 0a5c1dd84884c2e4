"""What Slack does to the text a person types before an app receives it.

Slack escapes ``&``, ``<`` and ``>`` in every text it sends (command text,
message text) as ``&amp;``, ``&lt;`` and ``&gt;``, and writes what it
recognised in its own ``<…>`` forms: a mention picked from the member list
as ``<@U…|name>``, a channel as ``<#C…|name>``, an email as
``<mailto:a@b|a@b>``, a typed URL as ``<https://…>`` and a bare domain as
``<http://acme.com|acme.com>``. For a slash command this is what the
manifest's ``should_escape: true`` asks for; messages are always sent so.
(docs.slack.dev/messaging/formatting-message-text, "Escaping text" and
"Retrieving messages"; api.slack.com/interactivity/slash-commands, "Escape
channels, users, and links sent to your app".)

How a test says what the person picked: ``@U0MANAGER`` (an ``@`` and a
member's id) is a mention of that member, ``#general`` a channel the driver
knows by name. Anything else, a literal ``<`` included, is text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_DOMAINS = "com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|info|biz|dev|app|ai|school"
_TYPED = re.compile(
    r"(?P<mention>(?<![\w@])@(?P<user>[UW][A-Z0-9]{2,})\b)"
    r"|(?P<channel>(?<![\w&])#(?P<name>[a-z0-9][a-z0-9_-]*))"
    r"|(?P<email>(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?P<url>https?://[^\s<>\"]+)"
    rf"|(?P<domain>(?<![\w@./-])(?:[A-Za-z0-9-]+\.)+(?:{_DOMAINS})\b(?![\w@/-]))"
)


def escape(text: str) -> str:
    """The three characters Slack reserves for its markup, as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_slack_sends(typed: str, *, members: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """``typed`` as an app receives it. ``members`` maps user ids to their handles
    (users.info's ``name``), ``channels`` channel names to ids."""
    out: list[str] = []
    last = 0
    for match in _TYPED.finditer(typed):
        markup = _markup(match, members, channels)
        if markup is None:
            continue
        out.append(escape(typed[last : match.start()]))
        out.append(markup)
        last = match.end()
    out.append(escape(typed[last:]))
    return "".join(out)


def _markup(
    match: re.Match[str], members: Mapping[str, str], channels: Mapping[str, str]
) -> str | None:
    """Slack's form for what was recognised, or None to leave it as text."""
    if match.group("mention"):
        user = match.group("user")
        return f"<@{user}|{members[user]}>" if user in members else None
    if match.group("channel"):
        name = match.group("name")
        return f"<#{channels[name]}|{name}>" if name in channels else None
    if match.group("email"):
        email = escape(match.group("email"))
        return f"<mailto:{email}|{email}>"
    if match.group("url"):
        return f"<{escape(match.group('url'))}>"
    domain = escape(match.group("domain"))
    return f"<http://{domain}|{domain}>"
