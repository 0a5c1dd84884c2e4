"""``/group help`` and the usage answers for mistyped commands."""

from __future__ import annotations

from bot.commands import COMMANDS, Command, UsageError
from bot.views.blocks import Block, context, header, section


def help_message() -> tuple[str, list[Block]]:
    lines = [f"`{c.usage}` — {c.summary}\n      e.g. `{c.example}`" for c in COMMANDS]
    blocks = [
        header("Roster: /group commands"),
        section("\n".join(lines[:6])),
        section("\n".join(lines[6:])),
        context('Name a group by its title (in "double quotes" if it has spaces) or its id.'),
    ]
    return "Roster: /group commands", blocks


def usage_message(error: UsageError) -> tuple[str, list[Block]]:
    command = error.command or error.suggestion
    text = error.problem
    if error.suggestion is not None:
        text += f" Did you mean `/group {error.suggestion.name}`?"
    blocks = [section(f":warning: {text}")]
    if command is not None:
        blocks.append(section(_usage(command)))
    blocks.append(context("`/group help` lists every command."))
    return text, blocks


def _usage(command: Command) -> str:
    return f"*Usage:* `{command.usage}`\n*Example:* `{command.example}`"
