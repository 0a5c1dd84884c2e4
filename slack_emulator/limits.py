"""Slack's documented Block Kit limits, checked the way Slack checks them.

Each check returns messages in Slack's own shape
(``[ERROR] ... [json-pointer:/blocks/0/text/text]``) so a failing test reads
like the answer a real workspace would give.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
VIEW_BYTES = 250_000
ID_CHARS = 255
MAX_FILES = 10
USER_ID = re.compile(r"^[UW][A-Z0-9]{8,}$")
IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "gif"})
"""What an image block shows (docs.slack.dev/reference/block-kit/blocks/image-block)."""

_TEXT_ELEMENTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SELECTS = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
_OTHER_ELEMENTS = {
    "button",
    "overflow",
    "checkboxes",
    "radio_buttons",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "image",
    "file_input",
    "rich_text_input",
}
ELEMENT_TYPES = _TEXT_ELEMENTS | _SELECTS | _OTHER_ELEMENTS
BLOCK_TYPES = {
    "section",
    "header",
    "divider",
    "context",
    "actions",
    "input",
    "image",
    "rich_text",
    "file",
    "video",
}


class _Checker:
    def __init__(self, surface: str, files: Mapping[str, str] | None = None) -> None:
        self.surface = surface
        self.files = files or {}
        """The workspace's files the app may show, by id and by ``url_private``, with
        their file type: an image's ``slack_file`` must name one of them."""
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def max_len(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def text(self, obj: Any, pointer: str, *, limit: int, plain: bool = False) -> None:
        if not isinstance(obj, dict) or obj.get("type") not in {"plain_text", "mrkdwn"}:
            self.fail("must be a text object of type plain_text or mrkdwn", pointer)
            return
        if plain and obj["type"] != "plain_text":
            self.fail("must be a plain_text text object", f"{pointer}/type")
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.fail("must be a non-empty string", f"{pointer}/text")
            return
        self.max_len(value, limit, f"{pointer}/text")

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        self.text(obj.get("title"), f"{pointer}/title", limit=100, plain=True)
        self.text(obj.get("text"), f"{pointer}/text", limit=300)
        self.text(obj.get("confirm"), f"{pointer}/confirm", limit=30, plain=True)
        self.text(obj.get("deny"), f"{pointer}/deny", limit=30, plain=True)

    def options(
        self, options: Any, pointer: str, *, most: int, least: int = 1
    ) -> dict[str, dict[str, Any]]:
        """Checks the options; returns them by value."""
        if not isinstance(options, list) or not least <= len(options) <= most:
            self.fail(f"must provide between {least} and {most} options", pointer)
            return {}
        by_value = {}
        for i, option in enumerate(options):
            here = f"{pointer}/{i}"
            self.text(option.get("text"), f"{here}/text", limit=75)
            if "description" in option:
                self.text(option["description"], f"{here}/description", limit=75, plain=True)
            value = option.get("value")
            if not isinstance(value, str) or not value:
                self.fail("must be a non-empty string", f"{here}/value")
            else:
                self.max_len(value, 150, f"{here}/value")
                by_value[value] = option
        return by_value

    def initial_options(
        self, element: dict[str, Any], offered: dict[str, Any], pointer: str
    ) -> None:
        """Slack refuses initial options that do not match an option exactly."""
        initial = element.get("initial_options") or (
            [element["initial_option"]] if element.get("initial_option") else []
        )
        for option in initial:
            if offered.get(option.get("value")) != option:
                self.fail("initial option must exactly match one of the options", pointer)

    def element(self, element: Any, pointer: str, *, in_input: bool = False) -> str | None:
        """Checks an interactive element (``in_input``: an input block's); returns its
        action_id."""
        if not isinstance(element, dict) or element.get("type") not in ELEMENT_TYPES:
            kind = element.get("type") if isinstance(element, dict) else element
            self.fail(f"unknown element type {kind!r}", f"{pointer}/type")
            return None
        kind = element["type"]
        action_id = element.get("action_id")
        self.max_len(action_id, ID_CHARS, f"{pointer}/action_id")
        self.confirm(element.get("confirm"), f"{pointer}/confirm")
        if kind == "file_input":
            self.file_input(element, pointer, in_input=in_input)
        elif kind == "number_input" and not isinstance(element.get("is_decimal_allowed"), bool):
            self.fail("missing required field: is_decimal_allowed", pointer)
        elif kind in {"multi_users_select", "users_select"}:
            self.users(element, pointer)
        if kind == "button":
            self.text(element.get("text"), f"{pointer}/text", limit=75, plain=True)
            self.max_len(element.get("value"), 2000, f"{pointer}/value")
            self.max_len(element.get("url"), 3000, f"{pointer}/url")
            if element.get("style") not in {None, "primary", "danger"}:
                self.fail("style must be primary or danger", f"{pointer}/style")
        elif kind == "overflow":
            self.options(element.get("options"), f"{pointer}/options", most=5, least=1)
        elif kind in {"checkboxes", "radio_buttons"}:
            offered = self.options(element.get("options"), f"{pointer}/options", most=10)
            self.initial_options(element, offered, pointer)
        elif kind in {"static_select", "multi_static_select"}:
            offered = self.options(element.get("options"), f"{pointer}/options", most=100)
            self.initial_options(element, offered, pointer)
        elif kind in _TEXT_ELEMENTS:
            self.max_len(element.get("initial_value"), 3000, f"{pointer}/initial_value")
            if isinstance(element.get("max_length"), int) and element["max_length"] > 3000:
                self.fail("max_length must be at most 3000", f"{pointer}/max_length")
        if "placeholder" in element:
            self.text(element["placeholder"], f"{pointer}/placeholder", limit=150, plain=True)
        return action_id

    def file_input(self, element: dict[str, Any], pointer: str, *, in_input: bool) -> None:
        """Only in an input block of a modal, taking 1 to 10 files."""
        if self.surface != "modal":
            self.fail("file_input is only supported in modals", f"{pointer}/type")
        elif not in_input:
            self.fail("file_input is only supported in input blocks", f"{pointer}/type")
        most = element.get("max_files", MAX_FILES)
        if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= MAX_FILES:
            self.fail(f"max_files must be between 1 and {MAX_FILES}", f"{pointer}/max_files")

    def users(self, element: dict[str, Any], pointer: str) -> None:
        """A users select starts with user ids (``U…``/``W…``), nothing else."""
        if "initial_users" in element:
            chosen = element["initial_users"]
            if not isinstance(chosen, list):
                self.fail("must be an array of user ids", f"{pointer}/initial_users")
                return
            for i, user in enumerate(chosen):
                if not isinstance(user, str) or not USER_ID.match(user):
                    self.fail(f"{user!r} is not a user id", f"{pointer}/initial_users/{i}")
        user = element.get("initial_user")
        if user is not None and (not isinstance(user, str) or not USER_ID.match(user)):
            self.fail(f"{user!r} is not a user id", f"{pointer}/initial_user")

    def block(self, block: Any, pointer: str) -> None:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCK_TYPES:
            self.fail(f"unknown block type {kind!r}", f"{pointer}/type")
            return
        self.max_len(block.get("block_id"), ID_CHARS, f"{pointer}/block_id")
        getattr(self, f"_{kind}", lambda b, p: None)(block, pointer)

    def _section(self, block: dict[str, Any], pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail("must provide either text or fields", pointer)
        if "text" in block:
            self.text(block["text"], f"{pointer}/text", limit=3000)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                self.fail("must provide between 1 and 10 fields", f"{pointer}/fields")
            else:
                for i, field in enumerate(fields):
                    self.text(field, f"{pointer}/fields/{i}", limit=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def _header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", limit=150, plain=True)

    def _context(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            self.fail("must provide between 1 and 10 elements", f"{pointer}/elements")
            return
        for i, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") == "image":
                self.image(element, f"{pointer}/elements/{i}")
            else:
                self.text(element, f"{pointer}/elements/{i}", limit=3000)

    def _actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            self.fail("must provide between 1 and 25 elements", f"{pointer}/elements")
            return
        seen: set[str] = set()
        for i, element in enumerate(elements):
            action_id = self.element(element, f"{pointer}/elements/{i}")
            if action_id and action_id in seen:
                self.fail(f"action_id {action_id!r} is repeated", f"{pointer}/elements/{i}")
            seen.add(action_id or f"#{i}")

    def _input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", limit=2000, plain=True)
        if "hint" in block:
            self.text(block["hint"], f"{pointer}/hint", limit=2000, plain=True)
        self.element(block.get("element"), f"{pointer}/element", in_input=True)

    def _image(self, block: dict[str, Any], pointer: str) -> None:
        self.image(block, pointer)
        if "title" in block:
            self.text(block["title"], f"{pointer}/title", limit=2000, plain=True)

    def image(self, obj: dict[str, Any], pointer: str) -> None:
        """An image block or element: alt text, and exactly one source, either a
        public https address or a ``slack_file`` (by ``id`` or ``url``) that is an
        image the app can see."""
        alt = obj.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.fail("must provide alt_text", f"{pointer}/alt_text")
        self.max_len(alt, 2000, f"{pointer}/alt_text")
        if ("image_url" in obj) == ("slack_file" in obj):
            self.fail("must provide either image_url or slack_file", pointer)
        elif "image_url" in obj:
            url = obj["image_url"]
            if not isinstance(url, str) or not url.startswith("https://"):
                self.fail("image_url must be an https URL", f"{pointer}/image_url")
            self.max_len(url, 3000, f"{pointer}/image_url")
        else:
            self.slack_file(obj["slack_file"], f"{pointer}/slack_file")

    def slack_file(self, ref: Any, pointer: str) -> None:
        keys = set(ref) & {"id", "url"} if isinstance(ref, dict) else set()
        if len(keys) != 1:
            self.fail("slack_file must have either id or url", pointer)
            return
        key = keys.pop()
        filetype = self.files.get(ref[key]) if isinstance(ref[key], str) else None
        if filetype is None:
            self.fail("invalid slack file", f"{pointer}/{key}")
        elif filetype not in IMAGE_TYPES:
            self.fail(f"slack_file must be an image, not {filetype or 'a file'}", pointer)

    def blocks(self, blocks: Any, pointer: str, most: int) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > most:
            self.fail(f"no more than {most} items allowed", pointer)
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if block_id is not None:
                if block_id in block_ids:
                    self.fail(f"block_id {block_id!r} is repeated", f"{pointer}/{i}/block_id")
                block_ids.add(block_id)


def check_message_blocks(blocks: Any, files: Mapping[str, str] | None = None) -> list[str]:
    checker = _Checker("message", files)
    checker.blocks(blocks, "/blocks", MESSAGE_BLOCKS)
    return checker.errors


def check_view(view: Any) -> tuple[str, list[str]]:
    """Returns Slack's error code for the view and the detail messages."""
    if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
        return "invalid_arguments", ["[ERROR] view type must be modal or home [json-pointer:/view]"]
    if len(json.dumps(view)) > VIEW_BYTES:
        return "view_too_large", []
    checker = _Checker(view["type"])
    if view["type"] == "modal":
        checker.text(view.get("title"), "/view/title", limit=24, plain=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text(view[key], f"/view/{key}", limit=24, plain=True)
        has_input = any(b.get("type") == "input" for b in view.get("blocks", []))
        if has_input and "submit" not in view:
            checker.fail("a view with input blocks needs a submit button", "/view/submit")
    checker.max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.max_len(view.get("callback_id"), ID_CHARS, "/view/callback_id")
    checker.max_len(view.get("external_id"), ID_CHARS, "/view/external_id")
    checker.blocks(view.get("blocks"), "/view/blocks", VIEW_BLOCKS)
    return ("invalid_arguments", checker.errors) if checker.errors else ("", [])
