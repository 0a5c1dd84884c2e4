"""Block Kit as readable text, the way a person would see it in Slack."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def render_text(text: str, names: Mapping[str, str]) -> str:
    """Slack's markup for dates, mentions and escapes, as a reader sees it."""
    text = _DATE.sub(r"\1", text)
    text = _USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _element(element: dict[str, Any], names: Mapping[str, str]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[ {element['text']['text']} ]"
    if kind == "overflow":
        return "[ ⋯ " + " | ".join(o["text"]["text"] for o in element["options"]) + " ]"
    if kind in {"mrkdwn", "plain_text"}:
        return render_text(element["text"], names)
    return f"[{kind}]"


def _input(element: dict[str, Any]) -> str:
    """Checkboxes and radio buttons show each option, ticked or not; others their type."""
    if element.get("type") not in {"checkboxes", "radio_buttons"}:
        return f"[{element.get('type')}]"
    ticked = {o["value"] for o in element.get("initial_options", [])}
    if element.get("initial_option"):
        ticked.add(element["initial_option"]["value"])
    return "  ".join(
        ("☑ " if o["value"] in ticked else "☐ ") + o["text"]["text"] for o in element["options"]
    )


def render(blocks: list[dict[str, Any]], names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    lines: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if "text" in block:
                lines.append(render_text(block["text"]["text"], names))
            fields = [
                render_text(f["text"], names).replace("\n", ": ", 1)
                for f in block.get("fields", [])
            ]
            if fields:
                lines.append("   " + " · ".join(fields))
            if "accessory" in block:
                lines.append("   " + _element(block["accessory"], names))
        elif kind == "context" or kind == "actions":
            lines.append("   " + " ".join(_element(e, names) for e in block["elements"]))
        elif kind == "input":
            lines.append(f"   {block['label']['text']}: {_input(block['element'])}")
        elif kind == "divider":
            lines.append("   " + "-" * 40)
    return "\n".join(lines)


def render_view(view: dict[str, Any], names: Mapping[str, str] | None = None) -> str:
    title = view.get("title", {}).get("text", "App Home")
    buttons = " ".join(f"[ {view[key]['text']} ]" for key in ("close", "submit") if key in view)
    return f"┌ {title} ┐\n{render(view['blocks'], names)}\n   {buttons}".rstrip()
