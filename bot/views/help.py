"""``/group help`` and the usage answers for mistyped commands."""

from __future__ import annotations

from bot.commands import COMMANDS, Command, UsageError
from bot.views.blocks import Block, context, escape, header, packed, section
from domain.entities import Actor
from domain.permissions import LABELS, allows


def help_message(actor: Actor) -> tuple[str, list[Block]]:
    """Every command; those out of the caller's reach are marked with what they need."""
    lines = [_line(actor, c) for c in COMMANDS]
    blocks = [
        header("Roster: /group commands"),
        *(section(text) for text in packed(lines)),
        context(
            'Name a group by its title (in "double quotes" if it has spaces) or its id. '
            ":lock: marks what you can't use; `/group whoami` shows your permissions."
        ),
    ]
    return "Roster: /group commands", blocks


def _line(actor: Actor, command: Command) -> str:
    line = f"`{command.usage}` — {command.summary}\n      e.g. `{command.example}`"
    if command.needs is None or allows(actor, command.needs):
        return line
    return f":lock: {line}\n      _needs {LABELS[command.needs]}_"


def usage_message(error: UsageError) -> tuple[str, list[Block]]:
    command = error.command or error.suggestion
    text = escape(error.problem)
    if error.suggestion is not None:
        text += f" Did you mean `/group {error.suggestion.name}`?"
    blocks = [section(f":warning: {text}")]
    if command is not None:
        blocks.append(section(_usage(command)))
    blocks.append(context("`/group help` lists every command."))
    return text, blocks


def _usage(command: Command) -> str:
    return f"*Usage:* `{command.usage}`\n*Example:* `{command.example}`"


def direct_message_help() -> str:
    """The answer to a message typed in Roster's direct message: Roster reads files
    here, and everything else is a command."""
    return (
        ":wave: I'm Roster, and I don't read messages. To bulk-add people to a group, "
        "drop the filled-in template here with the group's name as the message, e.g. "
        "`Sales Team` (`/group template` sends the template). Everything else is a "
        "command: `/group help` lists them."
    )
