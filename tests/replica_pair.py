"""A real PostgreSQL primary and streaming replica for tests (the fixture: tests/integration/replica).

The primary is a temporary cluster of its own (initdb, wal_level=replica, its own port and socket
folder, `host replication all 127.0.0.1/32 trust`) holding a copy of the demo district; the
replica is `pg_basebackup -R` of it, started on another port. Both are stopped and removed at the
end. The server the rest of the suite uses (MINYI_TEST_PG_URL) is only read from: it has the
run's demo template, dumped here, and no replication line in its pg_hba to rely on.

The binaries: MINYI_TEST_PG_BIN, else the newest /usr/lib/postgresql/*/bin. Missing, the tests
fail saying so: a replica suite that skips proves nothing. As root, the servers run as the
`postgres` user (runuser), which PostgreSQL requires.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

SERVER_TOOLS = ("initdb", "pg_ctl", "pg_basebackup")
CLIENT_TOOLS = ("pg_dump", "pg_restore")
DATABASE = "minyi"


def bin_dir() -> Path:
    given = os.environ.get("MINYI_TEST_PG_BIN")
    candidates = (
        [Path(given)]
        if given
        else sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name),
            reverse=True,
        )
    )
    for folder in candidates:
        if all((folder / tool).exists() for tool in SERVER_TOOLS + CLIENT_TOOLS):
            return folder
    pytest.fail(
        "the replica tests need PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup,"
        " pg_dump, pg_restore): install postgresql-15 or set MINYI_TEST_PG_BIN to their folder",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    name: str
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"


class Pair:
    """The primary and its replica, and what the tests do to them (pause replay, stop, start)."""

    def __init__(self, folder: Path, bin_dir: Path) -> None:
        self.folder = folder
        self.bin = bin_dir
        self.primary = Cluster("primary", folder / "primary", _free_port())
        self.replica = Cluster("replica", folder / "replica", _free_port())
        self._engines: dict[str, Engine] = {}
        self.source_password: str | None = None

    # --- running the tools ----------------------------------------------------------------------
    def command(self, tool: str, *args: str, as_server: bool = True) -> list[str]:
        """PostgreSQL refuses to run its servers as root: as root they run as `postgres`."""
        command = [str(self.bin / tool), *args]
        if as_server and os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return command

    def run(self, tool: str, *args: str, as_server: bool = True) -> str:
        command = self.command(tool, *args, as_server=as_server)
        # The suite's server may want a password (MINYI_TEST_PG_URL): the dump reads it here.
        env = {**os.environ, "PGPASSWORD": self.source_password} if self.source_password else None
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False, env=env
        )
        if done.returncode != 0:
            logs = "".join(
                f"\n--- {c.log.name}:\n{c.log.read_text()[-2000:]}"
                for c in (self.primary, self.replica)
                if c.log.exists()
            )
            pytest.fail(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}{logs}",
                pytrace=False,
            )
        return done.stdout

    def start(self, cluster: Cluster) -> None:
        self.run("pg_ctl", "-D", str(cluster.data), "-l", str(cluster.log), "-w", "start")

    def stop(self, cluster: Cluster, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(cluster.data), "-m", mode, "-w", "stop")

    # --- building -------------------------------------------------------------------------------
    def build(self, demo_url: str) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run(
            "initdb",
            "-D",
            str(self.primary.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._configure(
            self.primary,
            # Throwaway clusters: no flush to disk. Commits stay synchronous, as in production.
            "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nfull_page_writes = off\n",
        )
        with (self.primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self.start(self.primary)
        self._load(demo_url)
        self.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.replica.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        # Long reads are not cancelled by replay (what the README asks of a production replica).
        self._configure(self.replica, "hot_standby_feedback = on\n")
        self.start(self.replica)

    def _configure(self, cluster: Cluster, extra: str) -> None:
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {cluster.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n{extra}"
            )

    def _load(self, demo_url: str) -> None:
        """The demo district, dumped from the suite's own server and restored on the primary."""
        source = make_url(demo_url)
        self.source_password = source.password if isinstance(source.password, str) else None
        dump = self.folder / "demo.dump"
        self.run(
            "pg_dump",
            "-h",
            source.host or "127.0.0.1",
            "-p",
            str(source.port or 5432),
            "-U",
            source.username or "postgres",
            "-Fc",
            "-f",
            str(dump),
            str(source.database),
            as_server=False,
        )
        self.source_password = None
        self.sql(self.primary, f'CREATE DATABASE "{DATABASE}"', database="postgres")
        self.run(
            "pg_restore",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "--no-owner",
            "-d",
            DATABASE,
            str(dump),
            as_server=False,
        )

    # --- what the tests do ----------------------------------------------------------------------
    def engine(self, cluster: Cluster, database: str = DATABASE) -> Engine:
        key = f"{cluster.name}/{database}"
        if key not in self._engines:
            url = make_url(cluster.url).set(database=database)
            # No pool: a stopped replica leaves no dead connection behind for the next statement.
            self._engines[key] = create_engine(
                url, isolation_level="AUTOCOMMIT", poolclass=NullPool
            )
        return self._engines[key]

    def sql(self, cluster: Cluster, statement: str, database: str = DATABASE) -> Any:
        with self.engine(cluster, database).connect() as conn:
            result = conn.execute(text(statement))
            return result.scalar() if result.returns_rows else None

    def pause_replay(self) -> None:
        self.sql(self.replica, "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.sql(self.replica, "SELECT pg_wal_replay_resume()")

    def wait_replayed(self, timeout: float = 20.0) -> None:
        """Until the replica has replayed all the primary has written so far."""
        target = self.sql(self.primary, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while not self.sql(self.replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            if time.monotonic() > deadline:
                pytest.fail(f"the replica did not replay up to {target} in {timeout:g} s")
            time.sleep(0.05)

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def remove(self) -> None:
        self.dispose()
        for cluster in (self.replica, self.primary):
            if (cluster.data / "postmaster.pid").exists():
                subprocess.run(
                    self.command(
                        "pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "stop"
                    ),
                    capture_output=True,
                    timeout=60,
                    check=False,
                )
        shutil.rmtree(self.folder, ignore_errors=True)
