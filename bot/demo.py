"""``roster demo``: a scripted tour of Roster through the real bolt app and the emulator.

Everything goes over loopback HTTP exactly as with Slack: signed commands,
clicks and modal submissions in, Web API calls out. Nothing here is mocked
but Slack's servers.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import aiohttp
from aiohttp import web
from openpyxl import load_workbook

from bot.app import SERVICES, running_on_loopback
from bot.settings import Settings
from bot.web.activity_api import signed_headers
from bot.xlsx_template import build_template
from domain.bulk.sheet import template_columns
from local_smtp import MailServer, free_port, text_of
from slack_emulator import SlackDriver, SlackEmulator
from slack_emulator.render import render, render_text, render_view
from slack_emulator.state import Message

ADMIN, MANAGER = "U0DEMOADMIN", "U0DEMOMGR"
SECRET = "demo-signing-secret"
ACTIVITY_SECRET = "demo-activity-secret"


def scene(title: str) -> None:
    bold, plain = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
    print(f"\n{bold}▶ {title}{plain}")


@dataclass
class Running:
    driver: SlackDriver
    slack: SlackEmulator
    app: web.Application
    mail: MailServer
    url: str


@asynccontextmanager
async def running_roster(directory: Path, *, mail_poll: float = 0.05) -> AsyncIterator[Running]:
    """Roster on SQLite in ``directory``, with the Slack emulator and a loopback mail server.

    The demo polls the outbox often so mail shows at once; benchmarks pass the
    production interval so polling does not compete with what they measure. The
    tour clicks within milliseconds where people take seconds, so Slack's rate limits
    run twenty times faster here (still on), while Roster keeps Slack's own pace.
    """
    slack = SlackEmulator(rate_scale=0.05)
    await slack.start()
    slack.add_member(ADMIN, "Ada Admin", "ada@demo.school")
    slack.add_member(MANAGER, "Max Manager", "max@demo.school")
    mail = MailServer()
    mail.start()
    port = free_port()
    settings = Settings(
        slack_bot_token=slack.bot_token,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        database_url=f"sqlite://{directory / 'demo.sqlite3'}",
        admins=frozenset({ADMIN}),
        smtp_url=mail.url,
        public_base_url=f"http://127.0.0.1:{port}",
        school_name="Demo School",
        activity_secret=ACTIVITY_SECRET,
        mail_poll_seconds=mail_poll,
        job_chunk_rows=250,
        job_pause_seconds=0.15,
    )
    try:
        async with (
            running_on_loopback(settings, port=port) as (app, url),
            aiohttp.ClientSession() as session,
        ):
            yield Running(SlackDriver(slack, url, SECRET, session), slack, app, mail, url)
    finally:
        mail.stop()
        await slack.stop()


class Tour:
    def __init__(self, driver: SlackDriver, slack: SlackEmulator) -> None:
        self.driver, self.slack = driver, slack
        self.names = {m.id: m.name for m in slack.members.values()}

    async def type(self, user: str, text: str) -> None:
        """``text`` as typed; ``@U…`` is a person picked from Slack's list, shown by name."""
        shown = re.sub(r"@([UW][A-Z0-9]+)", lambda m: "@" + self.names.get(m[1], m[1]), text)
        print(f"\n  {self.names[user]} types: /group {shown}")
        reply = await (await self.driver.command(user, text)).reply()
        print(
            _indent(
                render(reply.blocks, self.names) or render_text(reply.payload["text"], self.names)
            )
        )


def _page(html: str) -> str:
    """A page's visible text on one line, for the terminal."""
    body = html.split("<body>", 1)[-1]
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", body, flags=re.S)
    return " ".join(unescape(text).split())


async def _report_progress(url: str, email: str, course: str, percent: int) -> str:
    event = {
        "id": f"demo-{email}-{percent}",
        "type": "course_progress",
        "user": {"email": email},
        "course": course,
        "percent": percent,
    }
    body = json.dumps(event).encode()
    headers = signed_headers(ACTIVITY_SECRET, body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/api/activity", data=body, headers=headers) as answer,
    ):
        return f"{answer.status} {await answer.text()}"


def _indent(text: str) -> str:
    return "\n".join("    │ " + line for line in text.splitlines())


def _filled_template(people: int) -> bytes:
    """The real template, filled in as a manager would, with one mistake."""
    columns = template_columns(("first name", "last name"))
    workbook = load_workbook(io.BytesIO(build_template(columns)))
    sheet = workbook["Users"]
    for n in range(people):
        sheet.append([f"trainee{n:04}", f"trainee{n:04}@demo.school", "Trainee", f"No. {n}"])
    sheet.append(["", "no-username@demo.school", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def _rule_group(running: Running, tour: Tour) -> None:
    driver, slack = running.driver, running.slack
    scene("Ada gives a group a rule: Python 101 learners past half way, and Lin")
    await tour.type(ADMIN, "create Python Club")
    rule = 'progress "Python 101" at least 50 or email startswith "lin@"'
    await tour.type(ADMIN, f'rule "Python Club" set {rule}')
    preview = await slack.wait_for(
        lambda: next((m for m in slack.messages if "rules.save" in str(m.blocks)), None)
    )
    print("\n  The preview in Ada's direct messages, before anything changes:")
    print(_indent(render(preview.blocks, tour.names)))

    scene("Ada saves the rule; its thread says what it did")
    await driver.click(ADMIN, preview, "rules.save")
    done = await slack.wait_for(
        lambda: next(
            (m for m in slack.messages if m.text.startswith(":white_check_mark: Done")), None
        )
    )
    print(_indent(render_text(done.text, tour.names)))

    scene("Nadia passes half way in Python 101; the player reports it and she joins in seconds")
    started = time.perf_counter()
    answer = await _report_progress(running.url, "nadia@demo.school", "Python 101", 60)
    print(_indent(f"POST /api/activity → {answer}"))
    await running.app[SERVICES].rules.settled()
    print(f"  (her membership changed {time.perf_counter() - started:.2f} s after the report)")
    await tour.type(ADMIN, 'members "Python Club"')
    await tour.type(ADMIN, 'rule "Python Club"')


async def _post_event(url: str, event: Mapping[str, object]) -> str:
    body = json.dumps(event).encode()
    headers = signed_headers(ACTIVITY_SECRET, body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/api/activity", data=body, headers=headers) as answer,
    ):
        return f"{answer.status} {await answer.text()}"


async def _grading(running: Running, tour: Tour) -> None:
    """Nadia's assignment from the review queue to her email, the gradebook, and her
    certificate's public verification page."""
    driver, services = running.driver, running.app[SERVICES]
    scene("Ada lets Max grade, keep the gradebook and manage certificates")
    admin = await services.users.actor(ADMIN)
    manager = await services.users.actor(MANAGER)
    assert manager.user_id is not None
    subject = await services.permissions.user(admin, manager.user_id)
    held = (await services.permissions.of(admin, subject)).capabilities
    learning = ["review.manage", "gradebook.manage", "certifications.manage"]
    await services.permissions.save(admin, subject, [*held, *learning])
    print("  Granted *View and manage the review center*, *gradebook* and *certifications*")
    await tour.type(ADMIN, 'certificate-award "Python 101" on')

    scene("Nadia hands in an assignment; the player sends it for a person to grade")
    essay = {
        "id": "demo-nadia-essay",
        "type": "assessment_submitted",
        "user": {"email": "nadia@demo.school"},
        "course": "Python 101",
        "assessment": "essay-1",
        "title": "Essay: why tests matter",
        "kind": "assignment",
        "max_score": 10,
        "pass_mark": 6,
        "responses": "Tests let me change code without fear.",
        "needs_review": True,
    }
    print(_indent(f"POST /api/activity → {await _post_event(running.url, essay)}"))

    scene("Max opens the review queue, claims her essay and grades it")
    queue = await (await driver.command(MANAGER, 'review "Sales Onboarding"')).reply()
    print(_indent(render(queue.blocks, tour.names)))
    claimed = await (await driver.click(MANAGER, queue, "review.claim")).reply()
    print(_indent(render_text(claimed.payload["text"], tour.names)))
    form = await (await driver.click(MANAGER, queue, "review.grade.open")).modal()
    print(_indent(render_view(form.body, tour.names)))
    wrong = await driver.submit(MANAGER, form, {"score": "12", "feedback": "Clear and convincing."})
    print("  Max types 12 by mistake; the form answers under the score:")
    print(_indent(wrong.ack["errors"]["score"]))
    await driver.submit(MANAGER, form, {"score": "8.5", "feedback": "Clear and convincing."})
    print(_indent(render_view(form.body, tour.names)))

    scene("Nadia's email with her grade")
    grade = "Demo School: your grade in Essay: why tests matter"
    for count in range(1, 10):
        message = await running.mail.wait_for("nadia@demo.school", count)
        if message["Subject"] == grade:
            break
    print(_indent(f"Subject: {message['Subject']}\n\n{text_of(message)}"))

    scene("The gradebook of Sales Onboarding")
    await tour.type(MANAGER, 'gradebook "Sales Onboarding"')

    scene("Nadia completes Python 101 and Roster awards her a certificate")
    done = {
        "id": "demo-nadia-done",
        "type": "course_completed",
        "user": {"email": "nadia@demo.school"},
        "course": "Python 101",
    }
    print(_indent(f"POST /api/activity → {await _post_event(running.url, done)}"))
    listing = await (await driver.command(MANAGER, 'certificates "Sales Onboarding" nadia')).reply()
    print(f'\n  {tour.names[MANAGER]} types: /group certificates "Sales Onboarding" nadia')
    print(_indent(render(listing.blocks, tour.names)))
    code = re.search(r"/verify/([A-Za-z0-9_-]+)\|", str(listing.blocks))
    assert code, "the listing links the verification page"

    scene("Anyone can check it: the public verification page, and the same as JSON")
    async with aiohttp.ClientSession() as browser:
        for suffix in ("", ".json"):
            async with browser.get(f"{running.url}/verify/{code[1]}{suffix}") as page:
                text = await page.text()
                shown = _page(text) if suffix == "" else text
                print(_indent(f"GET /verify/…{suffix} → {page.status}: {shown}"))


async def _user_card(running: Running, tour: Tour) -> None:
    driver = running.driver
    scene("Max opens Nadia's card from the members list and fixes her name")
    members = await (await driver.command(MANAGER, 'members "Sales Onboarding"')).reply()
    row = next(b for b in members.blocks if "nadia@demo.school" in str(b.get("text")))
    nadia = row["accessory"]["value"]
    card = await (await driver.click(MANAGER, members, "users.card.open", value=nadia)).reply()
    print("  Max clicks *Card* on Nadia's row:")
    print(_indent(render(card.blocks, tour.names)))
    clicked = await driver.click(MANAGER, card, "users.card.edit", value=nadia)
    form = await clicked.modal()
    fixed = {"username": "Nadia Haddad", "first_name": "Nadia", "last_name": "Haddad"}
    await driver.submit(MANAGER, form, {**fixed, "tags": "sales, emea"})
    print("\n  Max saves the form; the card changes where it stands:")
    print(_indent(render((await clicked.reply()).blocks, tour.names)))

    scene("Ada suspends Lin, who can't sign in while suspended, then reactivates her")
    card = await (await driver.command(ADMIN, "user lin@demo.school")).reply()
    lin = next(b for b in card.blocks if b["type"] == "actions")["elements"][1]["value"]
    for action in ("users.card.suspend", "users.card.reactivate"):
        card = await (await driver.click(ADMIN, card, action, value=lin)).reply()
        shown = render(card.blocks[:3], tour.names)
        print(_indent(shown))


async def _bulk_import(running: Running, tour: Tour) -> None:
    driver, slack = running.driver, running.slack
    scene("Max bulk-adds 3,000 trainees to a new cohort from the Excel template")
    await tour.type(ADMIN, "create Spring Cohort")
    await tour.type(ADMIN, f'managers "Spring Cohort" add @{MANAGER}')
    await tour.type(MANAGER, "template first name, last name")
    modal = await (await driver.command(MANAGER, 'import "Spring Cohort"')).modal()
    upload = slack.user_upload(MANAGER, "trainees.xlsx", _filled_template(3000))
    await driver.submit(MANAGER, modal, {"file": [slack.file_json(upload)]})
    print("  Max uploads trainees.xlsx in the modal; it answers:")
    print(_indent(render_view(modal.body, tour.names)))
    preview = await slack.wait_for(
        lambda: next((m for m in slack.messages if "send_for_approval" in str(m.blocks)), None),
        timeout=30,
    )
    print("\n  Roster's direct message to Max:")
    print(_indent(render(preview.blocks, tour.names)))

    scene("Max sends it for approval; Ada reviews and approves")
    await driver.click(MANAGER, preview, "imports.send_for_approval")
    request = await slack.wait_for(
        lambda: next((m for m in slack.messages if "imports.review.open" in str(m.blocks)), None)
    )
    print(_indent(render(request.blocks, tour.names)))
    review = await (await driver.click(ADMIN, request, "imports.review.open")).modal()
    print(_indent(render_view(review.body, tour.names)))
    await driver.submit(
        ADMIN, review, {"import_options": ["invite", "skip_bad"], "decision": "approve"}
    )

    scene("The import runs in the background; one message in Max's thread shows progress")
    in_thread = [m for m in slack.messages if m.thread_ts == preview.ts]
    shown = -1
    while not any("trainees.xlsx* done" in m.text for m in in_thread):
        progress = next((m for m in in_thread if m.text.startswith("Importing")), None)
        if progress is not None and progress.edits != shown:
            shown = progress.edits
            print(_indent(render(progress.blocks, tour.names)))
        await asyncio.sleep(0.05)
        in_thread = [m for m in slack.messages if m.thread_ts == preview.ts]

    def results_shared() -> bool:
        files = (f for m in slack.messages if m.thread_ts == preview.ts for f in m.files)
        return any(slack.files[f].name.endswith("-results.xlsx") for f in files)

    await slack.wait_for(results_shared)
    print("\n  The whole thread, as Max sees it:")
    for message in (m for m in slack.messages if m.thread_ts == preview.ts):
        files = [slack.files[f].name for f in message.files]
        text = render(message.blocks, tour.names) or render_text(message.text, tour.names)
        print(_indent(text + (f"  [file: {', '.join(files)}]" if files else "")))
    await tour.type(MANAGER, "log actions")


async def _followed(running: Running, tour: Tour) -> None:
    """A channel following Sales Onboarding: a bulk add lands as one message with its
    people in the thread, then a completion as it happens."""
    driver, slack = running.driver, running.slack
    scene("Ada has #onboarding follow Sales Onboarding as it happens")
    channel = slack.add_channel("onboarding", bot=True, members=[ADMIN, MANAGER])
    driver.channels["onboarding"] = channel
    await tour.type(ADMIN, 'subscribe #onboarding "Sales Onboarding"')

    def posts() -> list[Message]:
        return [m for m in slack.messages if m.channel == channel and m.thread_ts is None]

    scene("Max bulk-adds 12 new hires to Sales Onboarding; the channel gets one message")
    seen = len(slack.messages)
    modal = await (await driver.command(MANAGER, 'import "Sales Onboarding"')).modal()
    upload = slack.user_upload(MANAGER, "hires.xlsx", _filled_template(12))
    await driver.submit(MANAGER, modal, {"file": [slack.file_json(upload)]})
    preview = await _newest(slack, "imports.send_for_approval", seen)
    await driver.click(MANAGER, preview, "imports.send_for_approval")
    request = await _newest(slack, "imports.review.open", seen)
    review = await (await driver.click(ADMIN, request, "imports.review.open")).modal()
    await driver.submit(
        ADMIN, review, {"import_options": ["invite", "skip_bad"], "decision": "approve"}
    )
    (post,) = await slack.wait_for(posts, timeout=60)
    thread = await slack.wait_for(
        lambda: [m for m in slack.messages if m.thread_ts == post.ts], timeout=30
    )
    print("  In #onboarding, and in its thread:")
    print(_indent(render(post.blocks, tour.names)))
    for reply in thread:
        print(_indent("  ↳ " + render(reply.blocks, tour.names).replace("\n", ", ")))

    scene("Nadia completes Onboarding; the player reports it and the channel hears it")
    done = {
        "id": "demo-nadia-onboarding-done",
        "type": "course_completed",
        "user": {"email": "nadia@demo.school"},
        "course": "Onboarding",
    }
    print(_indent(f"POST /api/activity → {await _post_event(running.url, done)}"))
    latest = await slack.wait_for(lambda: posts()[1:], timeout=60)
    print("  In #onboarding:")
    print(_indent(render(latest[0].blocks, tour.names)))


async def _newest(slack: SlackEmulator, action: str, after: int) -> Message:
    """The first message since the ``after``-th with a button doing ``action``."""
    return await slack.wait_for(
        lambda: next((m for m in slack.messages[after:] if action in str(m.blocks)), None),
        timeout=30,
    )


async def _scheduled_report(running: Running, tour: Tour) -> None:
    driver, slack = running.driver, running.slack
    scene("Ada schedules a weekly progress report to #sales, then runs it now")
    channel = "C0DEMOSALES"
    slack.add_channel("sales", channel_id=channel, members=[ADMIN, MANAGER], bot=True)
    for text in (
        'schedule add "Sales Onboarding" progress weekly mon 09:00 here file',
        "schedule run 1",
    ):
        print(f"\n  Ada types in #sales: /group {text}")
        reply = await (await driver.command(ADMIN, text, channel_id=channel)).reply()
        print(_indent(render(reply.blocks, tour.names) or render_text(reply.text, tour.names)))
    report = await slack.wait_for(
        lambda: next((m for m in slack.messages if m.channel == channel and m.blocks), None)
    )

    def shared() -> list[str]:
        return [
            slack.files[f].name for m in slack.messages if m.thread_ts == report.ts for f in m.files
        ]

    await slack.wait_for(lambda: len(shared()) >= 3, timeout=30)
    print("\n  What #sales sees, with its thread:")
    for message in (m for m in slack.messages if report.ts in (m.ts, m.thread_ts)):
        files = [slack.files[f].name for f in message.files]
        text = render(message.blocks, tour.names) or render_text(message.text, tour.names)
        print(_indent(text + (f"  [file: {', '.join(files)}]" if files else "")))
    await tour.type(ADMIN, "log reports")


async def run_demo() -> int:
    with tempfile.TemporaryDirectory(prefix="roster-demo-") as directory:
        async with running_roster(Path(directory)) as running:
            driver, slack = running.driver, running.slack
            tour = Tour(driver, slack)
            services = running.app[SERVICES]
            scene("A small school: one admin (Ada), one manager (Max), two learners")
            for email in ("lin@demo.school", "omar@demo.school"):
                await services.users.create_learner(email=email)
            print("  seeded lin@demo.school and omar@demo.school as school users")

            scene("Ada fills the course catalogue")
            await tour.type(ADMIN, "course new Python 101")
            await tour.type(ADMIN, "course new Onboarding")

            scene("Ada decides what newly assigned managers may do")
            opened = await driver.command(ADMIN, "permissions default")
            modal = await opened.modal()
            await driver.submit(
                ADMIN,
                modal,
                {
                    "permissions.0": ["users.manage.basic", "users.view"],
                    "permissions.1": ["groups.view"],
                },
            )
            print(_indent(render_view(modal.body, tour.names)))

            scene("Ada creates a group from the modal")
            opened = await driver.command(ADMIN, "create")
            modal = await opened.modal()
            print(_indent(render_view(modal.body, tour.names)))
            options = {
                o["text"]["text"]: o["value"] for o in modal.body["blocks"][2]["element"]["options"]
            }
            await driver.submit(
                ADMIN,
                modal,
                {
                    "title": "Sales Onboarding",
                    "description": "New sales hires, Q1",
                    "courses": [options["Python 101"], options["Onboarding"]],
                    "managers": [MANAGER],
                    "seat_limit": "25",
                },
            )
            print("  Ada submits; the modal now shows:")
            print(_indent(render_view(modal.body, tour.names)))

            scene("Adding members: a new person, an existing learner, a repeat, a typo")
            await tour.type(ADMIN, 'add "Sales Onboarding" grace@demo.school')
            await tour.type(MANAGER, 'add "Sales Onboarding" lin@demo.school')
            await tour.type(MANAGER, 'add "Sales Onboarding" LIN@demo.school')
            await tour.type(MANAGER, 'add "Sales Onboarding" omar@demo')

            scene("Who is in the group")
            await tour.type(MANAGER, 'members "Sales Onboarding"')
            await tour.type(ADMIN, "list")

            scene("Max opens Roster's App Home")
            home = await driver.home(MANAGER)
            print(_indent(render_view(home.body, tour.names)))

            scene("Max tries what only an admin may do")
            await tour.type(ADMIN, "create Support")
            await tour.type(MANAGER, 'delete "Sales Onboarding"')
            await tour.type(MANAGER, "add Support omar@demo.school")
            await tour.type(MANAGER, "memebers Sales")

            scene("Max may add people who are already in the school, but not create new ones")
            await tour.type(MANAGER, "whoami")
            await tour.type(MANAGER, 'add "Sales Onboarding" nadia@demo.school')

            scene("Ada grants Max 'Create a user' in his permissions")
            modal = await (await driver.command(ADMIN, f"permissions @{MANAGER}")).modal()
            print(_indent(render_view(modal.body, tour.names)))
            await driver.submit(
                ADMIN,
                modal,
                {
                    "permissions.0": [
                        "users.manage.basic",
                        "users.manage.create",
                        "users.manage.bulk",
                        "users.view",
                    ],
                    "permissions.1": ["groups.view"],
                },
            )
            print("  Ada saves; the modal now shows:")
            print(_indent(render_view(modal.body, tour.names)))
            await tour.type(MANAGER, 'add "Sales Onboarding" nadia@demo.school')

            scene("Nadia gets her invitation by email")
            invitation = await running.mail.wait_for("nadia@demo.school")
            print(_indent(f"Subject: {invitation['Subject']}\n\n{text_of(invitation)}"))
            link = re.search(r"http://\S+/invite/\S+", text_of(invitation))
            assert link, "the invitation carries a link"

            scene("She opens the link and chooses a password")
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as browser:
                async with browser.get(link.group(0)) as page:
                    print(
                        _indent(
                            f"GET {page.url.path[:20]}… → {page.status}: "
                            + _page(await page.text())
                        )
                    )
                for password in ("nadia2026", "sunny orchard lantern"):
                    form = {"password": password, "confirm": password}
                    async with browser.post(link.group(0), data=form) as page:
                        print(f"\n  She types {password!r}:")
                        print(
                            _indent(f"→ {page.url.path} {page.status}: " + _page(await page.text()))
                        )

            scene("Max sees her Last Login change")
            await tour.type(MANAGER, 'members "Sales Onboarding"')

            scene("The course player reports her progress over the signed activity API")
            answer = await _report_progress(running.url, "nadia@demo.school", "Python 101", 40)
            print(_indent(f"POST /api/activity → {answer}"))
            async with aiohttp.ClientSession(cookie_jar=jar) as browser:
                form = {"email": "nadia@demo.school", "password": "sunny orchard lantern"}
                async with browser.post(f"{running.url}/login", data=form) as page:
                    print(
                        _indent(
                            f"She signs in again → {page.url.path}: " + _page(await page.text())
                        )
                    )

            # Her sign-in re-evaluates rules a moment later; let that finish first, or
            # it could be the change that lets her into the rule group set next.
            await running.app[SERVICES].rules.settled()
            await _rule_group(running, tour)
            await _grading(running, tour)
            await _user_card(running, tour)
            await _bulk_import(running, tour)
            await _scheduled_report(running, tour)
            await _followed(running, tour)

    print("\nThat was Roster against the built-in Slack emulator. To connect a real workspace,")
    print("see README.md, 'Connect a workspace': create the app from manifest.yml, set")
    print("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, then run `roster serve`.")
    return 0
