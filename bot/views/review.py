"""The decision every admin review ends with: a bulk action's, a manager's rule's."""

from __future__ import annotations

from typing import Any

from bot.ids import Field
from bot.views.blocks import Block, option
from bot.views.modals import input_block, text_input
from domain.errors import DomainError, InvalidInput

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


def reason_field(error: DomainError) -> str | None:
    """A review's mistake is in its reason (a rejection needs one)."""
    return Field.REASON if isinstance(error, InvalidInput) and error.field == "reason" else None


def chosen_decision(values: dict[str, Any]) -> tuple[bool, str]:
    """(approved, the reason as typed) from a submitted review."""
    choice = values[Field.DECISION][Field.DECISION].get("selected_option") or {}
    return choice.get("value") == "approve", values[Field.REASON][Field.REASON].get("value") or ""
