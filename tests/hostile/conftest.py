"""The same Roster as the end-to-end tests: real bolt app, emulator, SMTP, both engines."""

from tests.bot.conftest import bulk, mail_server, roster, school  # noqa: F401
