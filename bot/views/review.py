"""The decision every admin review ends with: a bulk action's, a manager's rule's."""

from __future__ import annotations

from typing import Any

from bot.ids import Field
from bot.views.blocks import Block, option
from bot.views.modals import input_block, text_input

_DECISION = [option("Approve", "approve"), option("Reject", "reject")]


def decision_blocks(asker: str) -> list[Block]:
    """Approve or Reject, and the reason a rejection needs; ``asker`` is who hears it."""
    return [
        input_block(
            Field.DECISION,
            "Decision",
            {"type": "radio_buttons", "options": _DECISION, "initial_option": _DECISION[0]},
        ),
        input_block(
            Field.REASON,
            f"Reason (needed to reject; the {asker} sees it)",
            text_input(max_length=500, multiline=True),
            optional=True,
        ),
    ]


def chosen_decision(values: dict[str, Any]) -> tuple[bool, str]:
    """(approved, the reason as typed) from a submitted review."""
    choice = values[Field.DECISION][Field.DECISION].get("selected_option") or {}
    return choice.get("value") == "approve", values[Field.REASON][Field.REASON].get("value") or ""
