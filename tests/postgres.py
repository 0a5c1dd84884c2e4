"""A throwaway PostgreSQL cluster on loopback, from the machine's own binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresCluster:
    data_dir: Path
    port: int
    pg_ctl: str
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_cluster() -> PostgresCluster | None:
    """Starts a cluster, or None when PostgreSQL is not installed here.

    initdb refuses to run as root, so as root the cluster belongs to ``postgres``.
    """
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="roster-pg-"))
    data_dir = root / "data"
    if as_user:
        shutil.chown(root, "postgres")
    os.chmod(root, 0o755)
    subprocess.run(
        [*as_user, initdb, "-D", str(data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_user,
            pg_ctl,
            "-D",
            str(data_dir),
            "-o",
            options,
            "-w",
            "-l",
            str(data_dir / "server.log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    return PostgresCluster(data_dir, port, pg_ctl, as_user)
