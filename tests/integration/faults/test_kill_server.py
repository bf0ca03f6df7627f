"""SIGKILL the server in the middle of a burst: every appeal that got a 201 survives, with its event."""

from __future__ import annotations

import json
import os
import select as io_select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from conftest import demo_database_url, drop_database
from factories import DEMO_PASSWORD, appeal_payload
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.db import Database
from minyi.wiring import build_registry

# Hang detectors, not speed assertions (`minyi bench` measures speed): on a loaded 2-core machine
# (load 20) the server's start, the app's import in a fresh process, took over a minute.
START_HANG_S = 300
EXIT_HANG_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# `minyi serve`, with its imports (seconds of CPU: the whole app) paid once per module: a parent
# process imports the CLI and the app, starts no thread and opens no database, then forks one
# child per start on a line `go <json>` from the test. The child is a real server process of its
# own (its pid is the one SIGKILL goes to; its clock worker is the usual `python -m minyi worker`
# subprocess, tied to it by the death signal), takes the environment it is given, writes its
# stderr to a file and runs the CLI entry point as `minyi serve` does; the parent reports its
# exit code as `exit <code>`. Four server starts took four fresh imports of the app.
FORKING_SERVER = """
import json, os, sys
from minyi.cli.main import app
import minyi.app, minyi.bootstrap, minyi.cli.serve  # what `minyi serve` imports, paid once
while True:
    line = sys.stdin.readline()
    if not line.startswith("go "):
        sys.exit(0)  # the test is done
    pid = os.fork()
    if pid == 0:
        break
    print(pid, flush=True)
    print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
start = json.loads(line[3:])
os.environ.clear()
os.environ.update(start["env"])
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
os.dup2(os.open(start["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
sys.argv = ["minyi", *start["args"]]
app()
"""


class Server:
    """One `minyi serve` process forked from the primed parent: its pid, and its exit code once
    the parent has reaped it."""

    def __init__(self, parent: subprocess.Popen[bytes], pid: int, stderr: Path) -> None:
        self.parent, self.pid, self.stderr = parent, pid, stderr
        self.returncode: int | None = None

    def poll(self) -> int | None:
        assert self.parent.stdout is not None
        if self.returncode is None and io_select.select([self.parent.stdout], [], [], 0)[0]:
            line = self.parent.stdout.readline().split()
            assert line[0] == b"exit", line
            self.returncode = int(line[1])
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        assert self.parent.stdout is not None
        if self.returncode is None:
            if not io_select.select([self.parent.stdout], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"minyi serve ({self.pid})", timeout or 0)
            self.poll()
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@pytest.fixture(scope="module")
def server_parent() -> Iterator[subprocess.Popen[bytes]]:
    # Unbuffered: `select` on the pipe must see a line `readline` has not read ahead into a
    # buffer (a server dying at once prints its pid and its exit together).
    parent = subprocess.Popen(
        [sys.executable, "-c", FORKING_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )
    yield parent
    assert parent.stdin is not None
    parent.stdin.close()
    parent.wait(timeout=EXIT_HANG_S)


def start_server(parent: subprocess.Popen[bytes], url: str, data_dir: Path, port: int) -> Server:
    env = os.environ | {
        "MINYI_DATABASE_URL": url,
        "MINYI_DATA_DIR": str(data_dir),
        "MINYI_PORT": str(port),
        # The demo accounts are all this test needs: four weeks of demo history (tens of seconds,
        # covered by tests/integration/demo) would only delay the burst. (The database holds the
        # district already, so the server finds nothing to load; this is in case it did not.)
        "MINYI_DEMO": "empty",
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    stderr = data_dir.parent / f"serve-{port}-{time.monotonic_ns()}.stderr"
    assert parent.stdin is not None and parent.stdout is not None
    go = {"env": env, "stderr": str(stderr), "args": ["serve", "--port", str(port)]}
    parent.stdin.write(f"go {json.dumps(go)}\n".encode())
    parent.stdin.flush()
    proc = Server(parent, int(parent.stdout.readline()), stderr)
    started = time.monotonic()
    while time.monotonic() < started + START_HANG_S:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise RuntimeError(stderr.read_text() or "server died")
    proc.kill()
    proc.wait()
    raise RuntimeError(f"the server did not answer /healthz within {START_HANG_S} s")


def worker_processes_of(parent: int) -> list[int]:
    """Pids of the `minyi worker` children of `parent` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"worker" in cmdline:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.console_script
class TestKillDuringBurst:
    def test_acknowledged_appeals_survive_sigkill(
        self, backend: str, tmp_path: Path, server_parent: subprocess.Popen[bytes]
    ) -> None:
        # The demo district already (a template copy): the server's own `migrate` and first run
        # find nothing to do, where loading the district took seconds of the server's start.
        url = demo_database_url(backend, tmp_path)
        port = free_port()
        server = start_server(server_parent, url, tmp_path / "data", port)
        base = f"http://127.0.0.1:{port}"
        acked: list[dict[str, object]] = []
        lock = threading.Lock()
        stop = threading.Event()
        try:
            token = httpx.post(
                f"{base}/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            def submit() -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=EXIT_HANG_S) as client:
                    while not stop.is_set():
                        try:
                            r = client.post(
                                "/api/v1/appeals", json=appeal_payload(external_id=uuid.uuid4().hex)
                            )
                        except httpx.HTTPError:
                            return  # the server is gone: nothing acknowledged here
                        if r.status_code == 201:
                            with lock:
                                acked.append(r.json())

            threads = [threading.Thread(target=submit) for _ in range(8)]
            for t in threads:
                t.start()
            while len(acked) < 300 and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            workers = worker_processes_of(server.pid)
            assert workers, "serve runs its clock worker as a child process"
            server.send_signal(signal.SIGKILL)
            server.wait()
            stop.set()
            for t in threads:
                t.join()
        finally:
            if server.poll() is None:
                server.kill()
                server.wait(timeout=EXIT_HANG_S)
        assert len(acked) >= 300
        # The worker dies with its server: nothing writes to the database behind a dead server.
        deadline = time.monotonic() + EXIT_HANG_S
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], (
            f"the worker was still alive {EXIT_HANG_S} s after its server was killed"
        )
        # After the kill, a restarted server must still know every acknowledged appeal.
        server = start_server(server_parent, url, tmp_path / "data", port)
        try:
            db = Database(url, registry=build_registry())
            with db.reading() as session:
                ids = [int(a["id"]) for a in acked]  # type: ignore[call-overload]
                found = set(session.scalars(select(Appeal.id).where(Appeal.id.in_(ids))))
                cases = set(session.scalars(select(Case.id).where(Case.id.in_(ids))))
                events = set(
                    session.scalars(
                        select(CaseEvent.case_id).where(
                            CaseEvent.case_id.in_(ids), CaseEvent.action == "register"
                        )
                    )
                )
            db.dispose()
            assert found == cases == events == set(ids)
            token = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/token",
                data={"username": "clerk", "password": DEMO_PASSWORD},
            ).json()["access_token"]
            r = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/appeals",
                json=appeal_payload(),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 201
        finally:
            server.terminate()
            server.wait(timeout=EXIT_HANG_S)
            drop_database(url)
