#!/usr/bin/env python3
"""Runs Roster from a fresh clone with nothing but Python 3.11+.

    python3 dev.py demo     the tour (any `roster` subcommand works: serve, migrate, ...)
                            with the Slack emulator and SMTP server of this clone
    python3 dev.py test     the whole test suite, on SQLite and on PostgreSQL

It keeps a virtual environment in .venv (system pip may be externally
managed) and reinstalls only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"


def ensure_environment() -> Path:
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed-from"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not python.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        print("Installing Roster and its test tools into .venv ...", flush=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,demo]"], check=True
        )
        stamp.write_text(wanted)
    return python


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("Roster needs Python 3.11 or newer.")
    command = sys.argv[1:] or ["demo"]
    python = ensure_environment()
    os.chdir(ROOT)
    if command[0] == "test":
        os.execv(python, [str(python), "-m", "pytest", *command[1:]])
    os.execv(python, [str(python), "-m", "bot.cli", *command])


if __name__ == "__main__":
    main()
