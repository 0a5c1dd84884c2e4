"""Slack's text as the person typed it: undone once, where it enters Roster.

Slack escapes ``&``, ``<`` and ``>`` in every text it sends (``&amp;``,
``&lt;``, ``&gt;``) and writes what it recognised in ``<…>`` forms: links
(``<http://acme.com|acme.com>``), emails (``<mailto:a@b|a@b>``), channels
(``<#C…|name>``), mentions (``<@U…|name>``) and specials (``<!here>``). Every
listener that reads typed text (command text, a direct message) passes it
through :func:`plain` first, and nothing else unescapes: values from modals
arrive raw, and the domain's normalisers take text as it is.

A mention keeps its id, as ``<@U…>``, because commands take people as
arguments (``/group managers X add @ada``); every other form becomes what was
typed. Because the forms are read before the entities, a ``&lt;`` typed by a
person is a plain ``<`` and never starts a form.
"""

from __future__ import annotations

import re

_SLACK = re.compile(r"<([^<>]*)>|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ENTITY = re.compile(r"&(amp|lt|gt);")


def plain(text: str) -> str:
    """``text`` as Slack sent it, back to what the person typed (mentions kept)."""
    return _SLACK.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    if match.group(2):
        return _ENTITIES[match.group(2)]
    target, _, label = match.group(1).partition("|")
    target, label = _unescape(target), _unescape(label)
    if target.startswith("@"):
        return f"<{target}>"
    if target.startswith("#"):
        return f"#{label}" if label else f"<{target}>"
    if target.startswith("!"):
        return label or "@" + target[1:].split("^", 1)[0]
    return label or target.removeprefix("mailto:")


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)\|([^<>|]*)>")


def named_channels(text: str) -> dict[str, str]:
    """The channels Slack recognised in ``text``: ``#name`` (as :func:`plain` reads it)
    to the channel's id, for commands that take a channel."""
    return {f"#{_unescape(name)}": channel for channel, name in _CHANNEL.findall(text)}
