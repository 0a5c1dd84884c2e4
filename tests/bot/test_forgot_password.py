"""`/forgot`: the email, the link, the new password, and what the page never gives away."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import aiohttp

from local_smtp import text_of
from storage.models import InvitationRow, OutboxRow, UserRow
from tests.bot.conftest import ADMIN, LEARNER_EMAIL, MANAGER, Roster
from tests.bot.test_invitations import GOOD_PASSWORD, browser_session
from tests.bot.test_sign_in_limits import EVE, RESET, joined

NEW_PASSWORD = "lantern orchard sunrise"


async def ask(
    browser: aiohttp.ClientSession, school: Roster, email: str, client: str | None = None
) -> tuple[int, str, str | None]:
    headers = {"X-Forwarded-For": client} if client else {}
    form = {"email": email}
    async with browser.post(f"{school.url}/forgot", data=form, headers=headers) as page:
        return page.status, await page.text(), page.headers.get("Retry-After")


async def test_a_learner_who_forgot_gets_a_link_by_email_and_signs_in_with_a_new_password(
    school: Roster,
) -> None:
    async with browser_session() as browser:
        await joined(school, browser)
    async with browser_session() as browser:
        async with browser.get(f"{school.url}/login") as page:
            assert 'href="/forgot"' in await page.text()
        async with browser.get(f"{school.url}/forgot") as page:
            assert page.status == 200 and "Forgot your password?" in await page.text()
        status, text, _ = await ask(browser, school, " Eve@Example.org")
        assert status == 200 and "an email with a link is on its way" in text

        message = await school.inbox.wait_for(EVE, 2)
        assert message["Subject"] == "Example School: choose a new password"
        assert message["X-Roster-Trigger"] == "password_reset"
        found = RESET.search(text_of(message))
        assert found, text_of(message)
        link = found.group(1)
        token = link.rsplit("/", 1)[1]
        stored = await InvitationRow.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
        assert stored.purpose == "reset"
        assert timedelta(minutes=55) < stored.expires_at - datetime.now(UTC) <= timedelta(hours=1)
        bodies = await OutboxRow.all().values_list("text_body", "html_body", "letter_values")
        assert not any(token in text for stored in bodies for text in stored)

        async with browser.get(link) as page:
            text = await page.text()
            assert page.status == 200 and "Choose a new password" in text
            assert page.headers["Referrer-Policy"] == "same-origin"
        weak = {"password": "eve12345678", "confirm": "eve12345678"}
        async with browser.post(link, data=weak) as page:
            assert page.status == 400 and "it contains your email or username" in await page.text()
        good = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        async with browser.post(link, data=good) as page:
            assert page.url.path == "/me" and "Hello, eve" in await page.text()
        async with browser.post(link, data=good) as page:
            assert page.status == 410 and "already used" in await page.text()

    async with browser_session() as browser:
        old = {"email": EVE, "password": GOOD_PASSWORD}
        async with browser.post(f"{school.url}/login", data=old) as page:
            assert page.status == 401
        new = {"email": EVE, "password": NEW_PASSWORD}
        async with browser.post(f"{school.url}/login", data=new) as page:
            assert page.url.path == "/me"
    log = await school.run(ADMIN, "log emails password_reset")
    assert "Emails (1) · trigger password_reset" in log and EVE in log


async def test_the_answer_is_the_same_whoever_the_address_belongs_to(school: Roster) -> None:
    async with browser_session() as browser:
        await joined(school, browser)
    await school.inbox.wait_for(LEARNER_EMAIL)  # Lea's invitation; she never used it
    assert "Added" in await school.run(MANAGER, 'add "Sales Team" sue@example.org')
    await UserRow.filter(email="sue@example.org").update(status="suspended")
    addresses = [EVE, "nobody@example.org", LEARNER_EMAIL, "sue@example.org"]

    answers = []
    async with browser_session() as browser:
        for address in addresses:
            status, text, _ = await ask(browser, school, address)
            answers.append((status, text.replace(address, "ADDRESS")))
    assert len(set(answers)) == 1 and answers[0][0] == 200

    await school.services.resets.settled()
    assert (await OutboxRow.filter(to_address=EVE).order_by("-id").first()).trigger == (
        "password_reset"
    )
    assert await OutboxRow.filter(to_address="nobody@example.org").count() == 0
    suspended = OutboxRow.filter(to_address="sue@example.org", trigger="password_reset")
    assert await suspended.count() == 0

    # Lea never chose a password: she gets a fresh invitation link instead.
    message = await school.inbox.wait_for(LEARNER_EMAIL, 2)
    assert message["X-Roster-Trigger"] == "password_reset"
    assert message["Subject"] == "Example School: your link to set a password"
    link = re.search(r"http://\S+/invite/\S+", text_of(message))
    assert link and "/reset/" not in text_of(message)
    async with browser_session() as browser:
        good = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        async with browser.post(link.group(0), data=good) as page:
            assert page.url.path == "/me" and "Hello, lea" in await page.text()


async def test_password_links_are_sent_even_with_every_notification_switched_off(
    school: Roster,
) -> None:
    async with browser_session() as browser:
        await joined(school, browser)
    modal = await (await school.driver.command(ADMIN, "notifications")).modal()
    offered = modal.body["blocks"][1]["element"]["options"]
    assert "password_reset" not in {o["value"] for o in offered}
    await school.driver.submit(ADMIN, modal, {"notifications": []})
    async with browser_session() as browser:
        await ask(browser, school, EVE)
    assert RESET.search(text_of(await school.inbox.wait_for(EVE, 2)))


async def test_forgot_is_limited_per_address_and_per_client_alike_for_everyone(
    behind_proxy: Roster,
) -> None:
    school = behind_proxy
    async with browser_session() as browser:
        await joined(school, browser)
    async with browser_session() as browser:
        for address in (EVE, "nobody@example.org"):
            for _ in range(3):
                status, _, _ = await ask(browser, school, address, "203.0.113.7")
                assert status == 200
            status, text, retry_after = await ask(browser, school, address, "203.0.113.7")
            assert status == 429 and retry_after is not None and 840 < int(retry_after) <= 900
            assert "A link was already sent to this address several times" in text
            assert "wait 15 minutes" in text
        await school.services.resets.settled()
        assert await OutboxRow.filter(to_address=EVE, trigger="password_reset").count() == 3

        for n in range(4):  # six counted (refusals count nothing): four more are free
            status, _, _ = await ask(browser, school, f"p{n}@example.org", "203.0.113.7")
            assert status == 200
        status, text, _ = await ask(browser, school, "p9@example.org", "203.0.113.7")
        assert status == 429 and "Too many requests from your network. Wait" in text
        status, _, _ = await ask(browser, school, "p9@example.org", "198.51.100.9")
        assert status == 200


async def test_a_password_link_that_expired_or_was_changed_says_what_to_do(
    school: Roster,
) -> None:
    async with browser_session() as browser:
        await joined(school, browser)
        await ask(browser, school, EVE)
        found = RESET.search(text_of(await school.inbox.wait_for(EVE, 2)))
        assert found
        link = found.group(1)
        as_invitation = link.replace("/reset/", "/invite/")
        async with browser.get(as_invitation) as page:
            assert page.status == 410 and "not valid" in await page.text()
        await InvitationRow.filter(purpose="reset").update(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)
        )
        good = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        async with browser.post(link, data=good) as page:
            text = await page.text()
            assert page.status == 410 and "has expired" in text and 'href="/forgot"' in text
    old = {"email": EVE, "password": GOOD_PASSWORD}
    async with browser_session() as browser, browser.post(f"{school.url}/login", data=old) as page:
        assert page.url.path == "/me", "an unused link changes nothing"


async def test_an_address_that_is_not_one_is_answered_with_the_fix(school: Roster) -> None:
    async with browser_session() as browser:
        status, text, _ = await ask(browser, school, "eve at example")
    assert status == 400 and "is not a valid email address" in text
    assert await OutboxRow.filter(trigger="password_reset").count() == 0
