"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl on a free loopback port in a temp dir.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster belongs to the
``postgres`` user (created by Debian's package) or, failing that, ``nobody``, and every server
command runs through ``runuser``. As any other user it simply runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from support.servers import START_ATTEMPTS, free_port, port_in_use_error

# Speed over durability: a test cluster never has to survive a power cut, only restarts.
SERVER_OPTIONS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "shared_buffers": "64MB",
}


def find_pg_bin() -> Path | None:
    """The directory holding initdb/pg_ctl/postgres: PATH first, then Debian's versioned dirs."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _service_user() -> str | None:
    """The unprivileged user to run the server as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


@dataclass
class PostgresCluster:
    bin_dir: Path
    port: int = field(default_factory=free_port)
    superuser: str = "reelforge"
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="reelforge-pg-")))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str, timeout: float = 60) -> None:
        user = _service_user()
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""

    def init(self) -> PostgresCluster:
        user = _service_user()
        if user:
            # mkdtemp makes a 0700 dir owned by root: hand it over so the server can write there.
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n")
            conf.write(f"unix_socket_directories = '{self.root}'\n")
            for key, value in SERVER_OPTIONS.items():
                conf.write(f"{key} = {value}\n")
        return self

    def start(self) -> PostgresCluster:
        for _ in range(START_ATTEMPTS - 1):
            try:
                return self._start()
            except RuntimeError:
                if not port_in_use_error(self.log_tail()):
                    raise
            # A parallel test took the port between free_port() and the bind: move (the last
            # ``port`` line of postgresql.conf wins) and start again.
            self.port = free_port()
            with open(self.data_dir / "postgresql.conf", "a") as conf:
                conf.write(f"port = {self.port}\n")
        return self._start()

    def _start(self) -> PostgresCluster:
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart``: every client connection is cut; the server is back when this returns."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-m", mode, "-w", "-t", "60", "restart")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "rf") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):  # already stopped, or never started
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
