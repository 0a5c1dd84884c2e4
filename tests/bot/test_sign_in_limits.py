"""Sign-in under attack, sign-out, and what setting a password ends, through the real pages."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from domain.throttle import SIGN_IN_EMAIL
from local_smtp import text_of
from storage.models import AttemptTallyRow, WebSessionRow
from tests.bot.conftest import MANAGER, Roster
from tests.bot.test_invitations import GOOD_PASSWORD, browser_session, invite

EVE = "eve@example.org"
RESET = re.compile(r"(http://127\.0\.0\.1:\d+/reset/[A-Za-z0-9_-]+)")


async def joined(school: Roster, browser: aiohttp.ClientSession, email: str = EVE) -> None:
    link = await invite(school, email)
    good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    async with browser.post(link, data=good) as page:
        assert page.url.path == "/me"


async def guess(
    browser: aiohttp.ClientSession, url: str, email: str, password: str, client: str | None = None
) -> tuple[int, str, str | None]:
    headers = {"X-Forwarded-For": client} if client else {}
    form = {"email": email, "password": password}
    async with browser.post(f"{url}/login", data=form, headers=headers) as page:
        return page.status, await page.text(), page.headers.get("Retry-After")


async def test_forty_simultaneous_wrong_guesses_cost_five_password_checks(
    school: Roster,
) -> None:
    async with browser_session() as eves_browser:
        await joined(school, eves_browser)
    hasher = school.services.accounts.hasher
    checked_before = hasher.verifications
    async with browser_session() as attacker:
        answers = await asyncio.gather(
            *(guess(attacker, school.url, EVE, f"guess {n}") for n in range(40))
        )
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [401] * 5 + [429] * 35
    assert hasher.verifications - checked_before == 5
    tally = await AttemptTallyRow.get(key=SIGN_IN_EMAIL.key(EVE))
    assert tally.count == 5
    for status, text, retry_after in answers:
        if status == 429:
            assert retry_after is not None and 0 < int(retry_after) <= 30
            assert "Too many wrong passwords for this email. Wait" in text
            assert "Forgot your password?" in text


async def test_one_client_spraying_many_emails_is_paused_and_another_is_not(
    behind_proxy: Roster,
) -> None:
    school, sprayer_address = behind_proxy, "203.0.113.7"
    async with browser_session() as eves_browser:
        await joined(school, eves_browser)
        hasher = school.services.accounts.hasher
        checked_before = hasher.verifications
        async with browser_session() as sprayer:
            answers = await asyncio.gather(
                *(
                    guess(sprayer, school.url, f"p{n}@example.org", "Summer2026!", sprayer_address)
                    for n in range(40)
                )
            )
        assert sorted(status for status, _, _ in answers) == [401] * 30 + [429] * 10
        assert hasher.verifications - checked_before == 30
        for status, text, retry_after in answers:
            if status == 429:
                assert retry_after is not None and 0 < int(retry_after) <= 30
                assert "Too many sign-in attempts from your network. Wait" in text

        async with browser_session() as elsewhere:
            status, _, _ = await guess(elsewhere, school.url, "p1@example.org", "x", "198.51.100.9")
            assert status == 401
            status, text, _ = await guess(elsewhere, school.url, EVE, GOOD_PASSWORD, "198.51.100.9")
            assert status == 200 and "Hello, eve" in text
        async with browser_session() as stranger:
            # The sprayer's address stays paused, whoever it asks about...
            status, _, _ = await guess(stranger, school.url, EVE, GOOD_PASSWORD, sprayer_address)
            assert status == 429
        # ...but not for a browser that signed in to that account before.
        status, _, _ = await guess(eves_browser, school.url, EVE, GOOD_PASSWORD, sprayer_address)
        assert status == 200


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(school: Roster) -> None:
    async with browser_session() as eves_browser:
        await joined(school, eves_browser)
    async with browser_session() as attacker:
        for n in range(5):
            await guess(attacker, school.url, EVE, f"guess {n}", f"192.0.2.{n}")
        status, _, _ = await guess(attacker, school.url, EVE, "one more", "192.0.2.99")
    assert status == 429
    assert await AttemptTallyRow.filter(count__gt=0).count() == 2  # the email and 127.0.0.1


async def test_signing_out_ends_the_session_so_a_copied_cookie_opens_nothing(
    school: Roster,
) -> None:
    async with browser_session() as browser:
        await joined(school, browser)
        cookie = next(c.value for c in browser.cookie_jar if c.key == "roster_session")
        async with browser.post(f"{school.url}/logout") as page:
            assert page.url.path == "/login"
    assert await WebSessionRow.filter(user__email=EVE).count() == 0
    async with (
        aiohttp.ClientSession() as copy,
        copy.get(
            f"{school.url}/me",
            headers={"Cookie": f"roster_session={cookie}"},
            allow_redirects=False,
        ) as page,
    ):
        assert page.status == 303 and page.headers["Location"] == "/login"


async def forgot(browser: aiohttp.ClientSession, school: Roster, email: str) -> str:
    """Asks for a password link and returns the page's text."""
    async with browser.post(f"{school.url}/forgot", data={"email": email}) as page:
        assert page.status == 200
        return await page.text()


async def test_setting_a_password_ends_every_other_session_and_link(school: Roster) -> None:
    first = await invite(school, EVE)
    assert "Sending a new invitation" in await school.run(MANAGER, 'resend-invites "Sales Team"')
    second = text_of(await school.inbox.wait_for(EVE, 2))
    second_link = re.search(r"http://\S+/invite/\S+", second)
    assert second_link
    good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    async with browser_session() as laptop, browser_session() as phone:
        async with laptop.post(second_link.group(0), data=good) as page:
            assert page.url.path == "/me"
        async with laptop.get(first) as page:
            assert page.status == 410 and "already used" in await page.text()

        await forgot(phone, school, EVE)
        older_reset = RESET.search(text_of(await school.inbox.wait_for(EVE, 3)))
        await forgot(phone, school, EVE)
        newer_reset = RESET.search(text_of(await school.inbox.wait_for(EVE, 4)))
        assert older_reset and newer_reset
        fresh = {"password": "a brand new secret", "confirm": "a brand new secret"}
        async with phone.post(newer_reset.group(1), data=fresh) as page:
            assert page.url.path == "/me" and "Hello, eve" in await page.text()

        async with laptop.get(f"{school.url}/me") as page:
            assert page.url.path == "/login", "the laptop's session ended with the reset"
        async with laptop.post(older_reset.group(1), data=good) as page:
            assert page.status == 410 and "already used" in await page.text()
        async with phone.get(f"{school.url}/me") as page:
            assert page.url.path == "/me"
    async with browser_session() as browser:
        status, _, _ = await guess(browser, school.url, EVE, GOOD_PASSWORD)
        assert status == 401
        status, text, _ = await guess(browser, school.url, EVE, "a brand new secret")
        assert status == 200 and "Hello, eve" in text
