"""Reads on a real streaming replica (conftest.pg_pair): lists, search, reports, analytics and
exports go there; the actor who just wrote (an action, or an appeal through intake's group
commit) reads their write even while replay is paused, and another reader meanwhile reads the
replica; past the lag bound everyone reads the primary; a
stopped replica sends reads to the primary (logged once) and is read again once it is back."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from conftest import START, make_settings
from factories import act, appeal_payload, auth, make_appeal
from minyi.app import create_app
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.ids import IdAllocator
from minyi.core.replica import Replica, ReplicaPolicy, acting_as
from minyi.core.settings import Settings
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered
from minyi.org.service import actor_for_username
from replica_pair import Pair
from webclient import post_form, signed_in

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def app(pg_pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(pg_pair.primary.url, tmp_path_factory.mktemp("replica-app"))
    settings = settings.model_copy(
        update={
            "database_replica_url": pg_pair.replica.url,
            # Generous: replay is paused for seconds while the tests look; the lag test lowers it.
            "replica_max_lag_seconds": 60.0,
            "replica_retry_seconds": 0.5,
        }
    )
    with TestClient(create_app(settings, clock=ManualClock(START))) as client:
        yield client


def replica_of(client: TestClient) -> Replica:
    replica = client.app.state.minyi.db.replica  # type: ignore[attr-defined]
    assert isinstance(replica, Replica)
    return replica


@contextmanager
def replica_statements(client: TestClient) -> Iterator[list[str]]:
    """What the app ran on the replica meanwhile, its probes left out: the reads it served."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "pg_is_in_recovery" not in statement:
            seen.append(statement)

    engine = replica_of(client).engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def replay_paused(pair: Pair) -> Iterator[None]:
    pair.wait_replayed()
    pair.pause_replay()
    try:
        yield
    finally:
        pair.resume_replay()
        pair.wait_replayed()


def listed_status(client: TestClient, user: str, tracking_no: str) -> tuple[str, bool]:
    """The case's status in `user`'s case list searched by its number, and whether the replica
    answered."""
    with replica_statements(client) as seen:
        r = client.get("/api/v1/appeals", params={"q": tracking_no}, headers=auth(client, user))
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    return item["status"], bool(seen)


def health(client: TestClient) -> str:
    return str(client.get("/healthz").json()["replica"])


def accepted_case(client: TestClient) -> dict[str, Any]:
    appeal = make_appeal(client)
    assert act(client, appeal["id"], "accept", "clerk").status_code == 200
    return appeal


# --- the database ----------------------------------------------------------------------------------
def test_replica_reads_go_to_the_replica_and_the_rest_to_the_primary(pg_pair: Pair) -> None:
    db = Database(pg_pair.primary.url, replica=ReplicaPolicy(pg_pair.replica.url))
    where = text("SELECT inet_server_port(), pg_is_in_recovery()")
    try:
        with db.reading(replica=True) as session:
            assert tuple(session.execute(where).one()) == (pg_pair.replica.port, True)
        with db.reading() as session:
            assert tuple(session.execute(where).one()) == (pg_pair.primary.port, False)
        with db.unit_of_work() as session:
            assert tuple(session.execute(where).one()) == (pg_pair.primary.port, False)
        assert db.replica_state == "up"
    finally:
        db.dispose()


def test_a_writer_reads_their_commit_while_replay_is_paused(pg_pair: Pair) -> None:
    """The commit's WAL position is remembered for the acting staff member: until the replica
    has replayed it, their replica reads go to the primary; another reader's stay on the replica
    (and do not see the row yet); once it is replayed the writer is back on the replica."""
    pg_pair.sql(pg_pair.primary, "CREATE TABLE IF NOT EXISTS replica_note (who text)")
    db = Database(
        pg_pair.primary.url, replica=ReplicaPolicy(pg_pair.replica.url, max_lag_seconds=60)
    )
    seen = text("SELECT inet_server_port(), count(*) FROM replica_note WHERE who = 'alice'")
    try:
        with replay_paused(pg_pair):
            acting_as("alice")
            try:
                with db.unit_of_work() as session:
                    session.execute(text("INSERT INTO replica_note VALUES ('alice')"))
            finally:
                acting_as(None)
            assert db.replica is not None and db.replica.written_by("alice") is not None
            with db.reading(replica=True, reader="alice") as session:
                assert tuple(session.execute(seen).one()) == (pg_pair.primary.port, 1)
            with db.reading(replica=True, reader="bob") as session:
                assert tuple(session.execute(seen).one()) == (pg_pair.replica.port, 0)
        with db.reading(replica=True, reader="alice") as session:
            assert tuple(session.execute(seen).one()) == (pg_pair.replica.port, 1)
        assert db.replica.written_by("alice") is None  # replayed: nothing left to wait for
    finally:
        db.dispose()


def test_a_server_that_is_not_a_standby_is_not_read_as_one(pg_pair: Pair) -> None:
    """A replica URL that names a primary (a promoted replica, a slip of configuration) would
    serve reads from a database that no longer follows ours: the primary serves them."""
    db = Database(pg_pair.primary.url, replica=ReplicaPolicy(pg_pair.primary.url))
    try:
        with db.reading(replica=True) as session:
            assert session.scalar(text("SELECT pg_is_in_recovery()")) is False
        assert db.replica_state == "down"
    finally:
        db.dispose()


def test_a_replica_that_never_answers_times_out_to_the_primary(pg_pair: Pair) -> None:
    """A listener that accepts the connection and says nothing (a hung server): libpq's
    connect_timeout ends the wait, the read is served by the primary, the next ones skip it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        policy = ReplicaPolicy(f"postgresql+psycopg://postgres@127.0.0.1:{port}/minyi")
        db = Database(pg_pair.primary.url, replica=policy)
        try:
            started = time.monotonic()
            with db.reading(replica=True) as session:
                assert session.scalar(text("SELECT inet_server_port()")) == pg_pair.primary.port
            assert time.monotonic() - started < 10
            assert db.replica_state == "down"
            started = time.monotonic()
            with db.reading(replica=True) as session:  # within the back-off: not tried
                assert session.scalar(text("SELECT inet_server_port()")) == pg_pair.primary.port
            assert time.monotonic() - started < policy.connect_timeout_seconds
        finally:
            db.dispose()


# --- the app -----------------------------------------------------------------------------------
def test_the_actor_sees_their_own_action_in_the_list_while_others_read_the_replica(
    app: TestClient, pg_pair: Pair
) -> None:
    appeal = accepted_case(app)
    with replay_paused(pg_pair):
        r = act(app, appeal["id"], "dispatch", "dispatcher", lead_unit="DEP01", co_units=[])
        assert r.status_code == 200, r.text
        # The dispatcher's list shows the dispatch: read on the primary.
        assert listed_status(app, "dispatcher", appeal["tracking_no"]) == ("dispatched", False)
        # The clerk's list is the replica's, where the dispatch has not been replayed.
        assert listed_status(app, "clerk", appeal["tracking_no"]) == ("accepted", True)
        # The web inbox keeps to the same rule for the same person.
        web = signed_in(app, "dispatcher")
        with replica_statements(app) as seen:
            page = web.get("/console/inbox", params={"q": appeal["tracking_no"]})
        assert page.status_code == 200 and not seen
    assert listed_status(app, "clerk", appeal["tracking_no"]) == ("dispatched", True)
    assert listed_status(app, "dispatcher", appeal["tracking_no"]) == ("dispatched", True)


def listed(client: TestClient, user: str, tracking_no: str) -> tuple[list[str], bool]:
    """The tracking numbers `user`'s case list finds for `tracking_no`, and whether the replica
    answered."""
    with replica_statements(client) as seen:
        r = client.get("/api/v1/appeals", params={"q": tracking_no}, headers=auth(client, user))
    assert r.status_code == 200, r.text
    return [item["tracking_no"] for item in r.json()["items"]], bool(seen)


def test_a_clerk_sees_the_appeal_they_registered_while_others_read_the_replica(
    app: TestClient, pg_pair: Pair
) -> None:
    """Intake's group commit (its writer thread, its own connection) remembers its position for
    the clerk: their list reads the primary and has the new appeal; another reader's list is the
    replica's, which has not replayed it yet; once replayed, both read the replica."""
    auth(app, "clerk"), auth(app, "dispatcher")  # signed in before replay stops
    with replay_paused(pg_pair):
        appeal = make_appeal(app, as_user="clerk")
        number = appeal["tracking_no"]
        assert listed(app, "clerk", number) == ([number], False)
        assert listed(app, "dispatcher", number) == ([], True)
    assert listed(app, "clerk", number) == ([number], True)
    assert listed(app, "dispatcher", number) == ([number], True)


def test_a_group_commit_remembers_its_one_position_for_each_staff_member_in_it(
    app: TestClient, pg_pair: Pair
) -> None:
    """Two staff members' appeals in one group: one commit, one position read, remembered for
    both (the writer's database shares the app's replica and its memory); the public's appeal
    in it is nobody's to remember."""
    db: Database = app.app.state.minyi.db  # type: ignore[attr-defined]
    assert db.replica is not None
    with db.reading() as session:
        actors = [actor_for_username(session, user) for user in ("clerk", "s01.staff")]
    writer_db = db.for_one_writer()
    assert writer_db is not db and writer_db.replica is db.replica
    batcher = IntakeBatcher(
        writer_db,
        ManualClock(START),
        IdAllocator(db, "appeals"),
        RefCache(),
        ZoneInfo("Asia/Shanghai"),
        max_batch=8,
    )

    async def one_group() -> list[Registered]:
        payloads = [appeal_payload(), appeal_payload(), appeal_payload(channel="mailbox_mayor")]
        submitted = [
            asyncio.ensure_future(batcher.submit(AppealIn(**payload), actor))
            for payload, actor in zip(payloads, [*actors, None], strict=True)
        ]
        await asyncio.sleep(0)  # all three queued before the writer takes them: one group
        batcher.start()
        return list(await asyncio.gather(*submitted))

    try:
        with replay_paused(pg_pair):
            before = {a.username: db.replica.written_by(a.username) for a in actors}
            registered = asyncio.run(one_group())
            assert all(r.created for r in registered)
            after = {a.username: db.replica.written_by(a.username) for a in actors}
            [position] = set(after.values())
            assert position is not None and position not in before.values()
            assert db.replica.written_by("citizen") is None
            seen = text("SELECT inet_server_port(), count(*) FROM appeals WHERE id = :id")
            for actor, made in zip(actors, registered, strict=False):
                with db.reading(replica=True, reader=actor.username) as session:
                    got = session.execute(seen, {"id": made.id}).one()
                assert tuple(got) == (pg_pair.primary.port, 1)
            with db.reading(replica=True, reader="secretary") as session:
                got = session.execute(seen, {"id": registered[0].id}).one()
            assert tuple(got) == (pg_pair.replica.port, 0)
    finally:
        batcher.stop()
        writer_db.dispose()


def test_an_action_taken_on_a_page_is_in_that_persons_next_list(
    app: TestClient, pg_pair: Pair
) -> None:
    appeal = accepted_case(app)
    web = signed_in(app, "dispatcher")
    case_page = f"/console/cases/{appeal['id']}"
    assert web.get(case_page).status_code == 200
    with replay_paused(pg_pair):
        r = post_form(
            web,
            f"{case_page}/actions/dispatch",
            {"lead_unit": "DEP01"},
            page=case_page,
        )
        assert r.status_code == 303, r.text
        assert listed_status(app, "dispatcher", appeal["tracking_no"]) == ("dispatched", False)
        assert listed_status(app, "clerk", appeal["tracking_no"]) == ("accepted", True)


def test_past_the_lag_bound_everyone_reads_the_primary(app: TestClient, pg_pair: Pair) -> None:
    appeal = accepted_case(app)
    replica = replica_of(app)
    generous = replica.policy
    try:
        with replay_paused(pg_pair):
            pg_pair.sql(pg_pair.primary, "CREATE TABLE IF NOT EXISTS lag_marker (n int)")
            pg_pair.sql(pg_pair.primary, "INSERT INTO lag_marker VALUES (1)")
            assert listed_status(app, "clerk", appeal["tracking_no"])[1] is True
            replica.policy = dataclasses.replace(generous, max_lag_seconds=0.2)
            time.sleep(0.3)  # replay has been paused longer than that, with WAL waiting
            assert listed_status(app, "clerk", appeal["tracking_no"]) == ("accepted", False)
            assert health(app) == "lagging"
        # Caught up (no WAL waiting): the replica serves again, even under the tight bound.
        assert listed_status(app, "clerk", appeal["tracking_no"]) == ("accepted", True)
        assert health(app) == "up"
    finally:
        replica.policy = generous


def test_a_stopped_replica_sends_reads_to_the_primary_until_it_is_back(
    app: TestClient, pg_pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    appeal = accepted_case(app)
    pg_pair.wait_replayed()
    assert listed_status(app, "clerk", appeal["tracking_no"]) == ("accepted", True)
    caplog.set_level(logging.WARNING, logger="minyi.db.replica")
    pg_pair.stop(pg_pair.replica)
    try:
        for user in ("clerk", "dispatcher", "clerk"):
            assert listed_status(app, user, appeal["tracking_no"]) == ("accepted", False)
        web = signed_in(app, "dispatcher")
        assert web.get("/console/dispatch").status_code == 200
        assert health(app) == "down"
        down = [r for r in caplog.records if r.name == "minyi.db.replica"]
        assert len(down) == 1 and "unusable" in down[0].getMessage()  # logged once
    finally:
        pg_pair.start(pg_pair.replica)
    pg_pair.wait_replayed()
    deadline = time.monotonic() + 15
    while not listed_status(app, "clerk", appeal["tracking_no"])[1]:
        assert time.monotonic() < deadline, "the replica was not read again after it restarted"
        time.sleep(0.2)
    assert health(app) == "up"
    assert any("again" in r.getMessage() for r in caplog.records if r.name == "minyi.db.replica")


# Every read that `ReplicaSession` or `reading(replica=True)` serves, with a reader allowed it.
API_READS = (
    ("/api/v1/appeals", "dispatcher"),
    ("/api/v1/appeals?q=垃圾&sort=relevance", "dispatcher"),
    ("/api/v1/bounces/stats", "dispatcher"),
    ("/api/v1/exports/cases?format=csv", "dispatcher"),
    ("/api/v1/exports/cases?format=xlsx", "dispatcher"),
    ("/api/v1/reports", "secretary"),
    ("/api/v1/reports/{issue}", "secretary"),
    ("/api/v1/reports/{issue}.html", "secretary"),
    ("/api/v1/reports/{issue}.pdf", "secretary"),
    ("/api/v1/reports/{issue}/instructions", "secretary"),
    ("/api/v1/analytics/hotspots?day=2026-11-19", "secretary"),
    ("/api/v1/analytics/alerts", "secretary"),
    ("/api/v1/analytics/cases/{case}/similar", "secretary"),
    ("/api/v1/analytics/sweeps", "secretary"),
    ("/api/v1/analytics/assessment?start=2026-11-01&end=2026-11-19", "secretary"),
)
WEB_READS = (
    ("/console/inbox?q=垃圾", "dispatcher"),
    ("/console/dispatch", "dispatcher"),
    ("/console/unit", "dep13.head"),
    ("/console/area", "s01.staff"),
    ("/console/export/cases.xlsx", "dispatcher"),
    ("/leader", "secretary"),
    ("/leader/list/escalated", "secretary"),
    ("/leader/report", "secretary"),
    ("/leader/alerts", "secretary"),
    ("/leader/reports/{issue}.html", "secretary"),
    ("/leader/reports/{issue}.pdf", "secretary"),
)


def test_every_list_report_analytics_and_export_read_answers_from_the_replica(
    app: TestClient, pg_pair: Pair
) -> None:
    """Each runs whole in the replica's read-only transaction (none writes) and is served there."""
    case = accepted_case(app)
    r = app.post(
        "/api/v1/reports/daily", json={"date": "2026-11-19"}, headers=auth(app, "supervisor")
    )
    assert r.status_code in (200, 201), r.text
    ids = {"issue": r.json()["id"], "case": case["id"]}
    clients = {user: signed_in(app, user) for _, user in WEB_READS}
    for path, user in API_READS + WEB_READS:
        headers = auth(app, user) if path.startswith("/api/") else {}
        client = app if path.startswith("/api/") else clients[user]
        pg_pair.wait_replayed()
        with replica_statements(app) as seen:
            got = client.get(path.format(**ids), headers=headers)
        assert got.status_code == 200, (path, got.status_code, got.text[:300])
        assert seen, f"{path} was not read on the replica"


def test_settings_refuse_a_replica_beside_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="REPLICA_URL"):
        Settings(
            database_url=f"sqlite:///{tmp_path / 'x.db'}",
            database_replica_url="postgresql://postgres@127.0.0.1/x",
        )


@pytest.mark.slow
@pytest.mark.console_script
def test_bench_intake_configures_its_server_with_the_replica(pg_pair: Pair, tmp_path: Path) -> None:
    """`minyi bench intake --replica`: the fresh database is made on the primary's server and the
    server reads its copy on the replica; every appeal is acknowledged."""
    out = tmp_path / "result.json"
    admin = make_url(pg_pair.primary.url).set(database="postgres")
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "minyi"),
            *("bench", "intake", "--db", "postgres", "--n", "40", "--concurrency", "4"),
            *("--replica", pg_pair.replica.url, "--json-out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=os.environ
        | {
            "MINYI_DEMO": "empty",
            "MINYI_BENCH_PG_URL": admin.render_as_string(hide_password=False),
        },
    )
    assert run.returncode == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if x.startswith("MINYI intake"))
    assert "non_201=0" in line and "replica=yes" in line
    result = json.loads(out.read_text())
    assert result["replica"] is True and [r["ok"] for r in result["rounds"]] == [40]
