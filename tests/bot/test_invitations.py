"""From `/group add` to a learner signed in: the email, the link, the password, Last Login."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import aiohttp

from local_smtp import text_of
from storage.models import InvitationRow, OutboxRow, UserRow
from tests.bot.conftest import MANAGER, Roster

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/invite/[A-Za-z0-9_-]+)")
GOOD_PASSWORD = "correct horse battery"


def browser_session() -> aiohttp.ClientSession:
    """Keeps cookies set by 127.0.0.1, as a browser does (aiohttp's default jar won't)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def invite(roster: Roster, email: str) -> str:
    """Adds a new person to Sales Team and returns the link their email carries."""
    assert "Added" in await roster.run(MANAGER, f'add "Sales Team" {email}')
    message = await roster.inbox.wait_for(email)
    match = LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


async def test_the_invitation_sets_a_password_signs_in_and_changes_last_login(
    school: Roster,
) -> None:
    link = await invite(school, "eve@example.org")
    message = school.inbox.to("eve@example.org")[0]
    assert message["Subject"] == "You're invited to Example School"
    assert "Python 101" in text_of(message) and "Sales Team" in text_of(message)
    html = message.get_body(preferencelist=("html",))
    assert html is not None and link in str(html.get_content())

    token = link.rsplit("/", 1)[1]
    stored = await InvitationRow.filter(user__email="eve@example.org").values_list(
        "token_hash", flat=True
    )
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    bodies = await OutboxRow.all().values_list("text_body", "html_body", "letter_values")
    assert not any(token in text for stored in bodies for text in stored)

    async with browser_session() as browser:
        async with browser.get(link) as page:
            assert page.status == 200 and "Set your password" in await page.text()
            assert page.headers["Referrer-Policy"] == "same-origin"
        weak = {"password": "short", "confirm": "short"}
        async with browser.post(link, data=weak) as page:
            assert page.status == 400
            assert "it has 5 characters. Use at least 10 characters" in await page.text()
        good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        async with browser.post(link, data=good) as page:
            assert page.status == 200 and page.url.path == "/me"
            text = await page.text()
            assert "Hello, eve" in text and "Python 101: 0% done" in text
        async with browser.get(link) as page:
            assert page.status == 410 and "already used" in await page.text()

    user = await UserRow.get(email="eve@example.org")
    assert user.status == "active" and user.last_login_at is not None
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    members = await school.run(MANAGER, 'members "Sales Team"')
    assert "last login: never" not in members


async def test_signing_in_again_updates_last_login_and_wrong_passwords_say_what_to_do(
    school: Roster,
) -> None:
    link = await invite(school, "eve@example.org")
    async with browser_session() as browser:
        await browser.post(link, data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    first = (await UserRow.get(email="eve@example.org")).last_login_at
    async with browser_session() as browser:
        wrong = {"email": "eve@example.org", "password": "not the password"}
        async with browser.post(f"{school.url}/login", data=wrong) as page:
            assert page.status == 401
            assert "The email or the password is wrong" in await page.text()
        right = {"email": "EVE@example.org ", "password": GOOD_PASSWORD}
        async with browser.post(f"{school.url}/login", data=right) as page:
            assert page.url.path == "/me" and "Hello, eve" in await page.text()
    again = (await UserRow.get(email="eve@example.org")).last_login_at
    assert first is not None and again is not None and again > first


async def test_an_expired_or_tampered_link_says_what_to_do_and_changes_nothing(
    school: Roster,
) -> None:
    link = await invite(school, "eve@example.org")
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    async with browser_session() as browser:
        async with browser.get(tampered) as page:
            assert page.status == 410 and "not valid" in await page.text()
        await InvitationRow.filter(user__email="eve@example.org").update(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)
        )
        good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        async with browser.post(link, data=good) as page:
            assert page.status == 410 and "has expired" in await page.text()
    user = await UserRow.get(email="eve@example.org")
    assert user.password_hash is None and user.status == "invited"


async def test_a_form_posted_from_another_site_is_refused(school: Roster) -> None:
    link = await invite(school, "eve@example.org")
    good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    async with (
        browser_session() as browser,
        browser.post(link, data=good, headers={"Origin": "https://evil.example"}) as page,
    ):
        assert page.status == 403
    assert (await UserRow.get(email="eve@example.org")).password_hash is None


async def test_someone_already_in_the_school_hears_about_the_group_and_courses(
    school: Roster,
) -> None:
    await school.inbox.wait_for("lea@school.org")  # her invitation, from joining Support
    assert "Added *lea*" in await school.run(MANAGER, 'add "Sales Team" lea@school.org')
    await school.inbox.wait_for("lea@school.org", 3)
    later = school.inbox.to("lea@school.org")[1:]
    subjects = sorted(m["Subject"] for m in later)
    assert subjects == ["Example School: Sales Team", "Example School: new courses for you"]
    assert not any("/invite/" in text_of(m) for m in later)


async def test_wrong_passwords_slow_down_that_email_but_never_keep_its_owner_out(
    school: Roster,
) -> None:
    link = await invite(school, "eve@example.org")
    async with browser_session() as eves_browser:
        await eves_browser.post(link, data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
        async with browser_session() as stranger:
            for attempt in range(5):
                wrong = {"email": "eve@example.org", "password": f"guess number {attempt}"}
                async with stranger.post(f"{school.url}/login", data=wrong) as page:
                    assert page.status == 401
            right = {"email": "eve@example.org", "password": GOOD_PASSWORD}
            async with stranger.post(f"{school.url}/login", data=right) as page:
                assert page.status == 429 and page.headers["Retry-After"] == "30"
                text = await page.text()
                assert "Too many wrong passwords for this email. Wait 30 seconds" in text
                assert "Forgot your password?" in text

        # Eve's own browser signed in before: the stranger's guesses do not slow it.
        async with eves_browser.post(f"{school.url}/login", data=right) as page:
            assert page.status == 200 and page.url.path == "/me"
            assert "Hello, eve" in await page.text()


async def test_a_name_that_looks_like_markup_is_shown_as_typed_on_every_page(
    school: Roster,
) -> None:
    name = "<script>alert('hi')</script> & Co"
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" eve@example.org "{name}"')
    message = await school.inbox.wait_for("eve@example.org")
    link = LINK.search(text_of(message))
    assert link
    async with browser_session() as browser:
        async with browser.get(link.group(1)) as page:
            shown = await page.text()
        good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        async with browser.post(link.group(1), data=good) as page:
            courses = await page.text()
    for html in (shown, courses):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; Co" in html
