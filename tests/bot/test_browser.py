"""A real browser (headless Chromium, driven by Playwright) takes an invitation, and a
forgotten password, to the end."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from local_smtp import text_of
from storage.models import UserRow
from tests.bot.conftest import MANAGER, Roster

EVE = "eve@example.org"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the browser test.")
        pytest.skip(f"{message}; install it to run the browser test.")
    return path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=_chromium(), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


async def test_a_learner_sets_a_password_and_signs_in_in_a_browser(
    school: Roster, browser: Browser
) -> None:
    assert "Added" in await school.run(MANAGER, 'add "Sales Team" eve@example.org')
    mail = await school.inbox.wait_for("eve@example.org")
    link = re.search(r"http://\S+/invite/\S+", text_of(mail))
    assert link
    page = await browser.new_page()
    await page.goto(link.group(0))
    assert await page.title() == "Set your password · Example School"
    await page.fill("#password", "tooshort12")
    await page.fill("#confirm", "tooshort13")
    await page.click("button[type=submit]")
    assert "the two passwords differ" in await page.inner_text("[role=alert]")
    await page.fill("#password", "correct horse battery")
    await page.fill("#confirm", "correct horse battery")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me")
    assert "Hello, eve" in await page.inner_text("h1")
    assert "Python 101: 0% done" in await page.inner_text("body")
    await page.click("text=Sign out")
    await page.wait_for_url("**/login")
    await page.fill("#email", "eve@example.org")
    await page.fill("#password", "correct horse battery")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me")
    assert (await UserRow.get(email="eve@example.org")).last_login_at is not None
    members = await school.run(MANAGER, 'members "Sales Team"')
    eve = members[members.index("*eve*") :].split("\n*", 1)[0]
    assert "last login: never" not in eve and "last login: <!date^" in eve


async def test_a_learner_who_forgot_sets_a_new_password_in_a_browser(
    school: Roster, browser: Browser
) -> None:
    assert "Added" in await school.run(MANAGER, 'add "Sales Team" eve@example.org')
    invitation = re.search(r"http://\S+/invite/\S+", text_of(await school.inbox.wait_for(EVE)))
    assert invitation
    page = await browser.new_page()
    await page.goto(invitation.group(0))
    await page.fill("#password", "correct horse battery")
    await page.fill("#confirm", "correct horse battery")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me")
    await page.click("text=Sign out")
    await page.wait_for_url("**/login")

    await page.click("text=Forgot your password?")
    await page.wait_for_url("**/forgot")
    await page.fill("#email", EVE)
    await page.click("button[type=submit]")
    assert await page.title() == "Check your email · Example School"
    reset = re.search(r"http://\S+/reset/\S+", text_of(await school.inbox.wait_for(EVE, 2)))
    assert reset
    await page.goto(reset.group(0))
    assert await page.title() == "Choose a new password · Example School"
    await page.fill("#password", "lantern orchard sunrise")
    await page.fill("#confirm", "lantern orchard sunrise")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me")
    assert "Hello, eve" in await page.inner_text("h1")
    await page.click("text=Sign out")
    await page.wait_for_url("**/login")
    await page.fill("#email", EVE)
    await page.fill("#password", "lantern orchard sunrise")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me")
