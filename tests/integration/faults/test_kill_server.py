"""SIGKILL the server in the middle of a burst: every appeal that got a 201 survives, with its event."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from conftest import demo_database_url, drop_database
from factories import DEMO_PASSWORD, appeal_payload
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.db import Database
from minyi.wiring import build_registry

MINYI = str(Path(sys.executable).parent / "minyi")
# Hang detectors, not speed assertions (`minyi bench` measures speed): on a loaded 2-core machine
# (load 20) the server's start, the app's import in a fresh process, took over a minute.
START_HANG_S = 300
EXIT_HANG_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "MINYI_DATABASE_URL": url,
        "MINYI_DATA_DIR": str(data_dir),
        "MINYI_PORT": str(port),
        # The demo accounts are all this test needs: four weeks of demo history (tens of seconds,
        # covered by tests/integration/demo) would only delay the burst. (The database holds the
        # district already, so the server finds nothing to load; this is in case it did not.)
        "MINYI_DEMO": "empty",
    }
    proc = subprocess.Popen(
        [MINYI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    started = time.monotonic()
    while time.monotonic() < started + START_HANG_S:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
    proc.kill()
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
    def test_acknowledged_appeals_survive_sigkill(self, backend: str, tmp_path: Path) -> None:
        # The demo district already (a template copy): the server's own `migrate` and first run
        # find nothing to do, where loading the district took seconds of the server's start.
        url = demo_database_url(backend, tmp_path)
        port = free_port()
        server = start_server(url, tmp_path / "data", port)
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
        assert len(acked) >= 300
        # The worker dies with its server: nothing writes to the database behind a dead server.
        deadline = time.monotonic() + EXIT_HANG_S
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], (
            f"the worker was still alive {EXIT_HANG_S} s after its server was killed"
        )
        # After the kill, a restarted server must still know every acknowledged appeal.
        server = start_server(url, tmp_path / "data", port)
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
