"""`minyi counselling` on both backends: a walk-in, a session with notes, the risk level, a
follow-up and the figures; the note printed to its author and the supervisor only (the
dispatcher, a leader, the administrator, street staff and another counsellor get no note text);
bad input ends with one line and exit code 2, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from cli_harness import CliResult, minyi_env, run_cli
from factories import unique_phone
from minyi.core.db import Database
from minyi.counselling.models import CounsellingRecord
from minyi.org.models import Unit
from minyi.services.models import ServiceSite

NOTE = "命令行记录：来访者谈到工作压力和睡眠问题"


def run(args: list[str], db: Database, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd)


def test_walk_in_session_and_who_reads_the_note(db: Database, tmp_path: Path) -> None:
    with db.reading() as session:
        site = session.scalar(
            select(ServiceSite.id)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(Unit.code == "S01-SITE")
        )
        before = session.scalar(select(func.count()).select_from(CounsellingRecord))
    bad = run(
        ["counselling", "walk-in", "--site", str(site), "--name", "吴芳", "--phone", "12",
         "--as", "s01.counsellor"],
        db,
        tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    refused = run(
        ["counselling", "walk-in", "--site", str(site), "--name", "吴芳", "--phone",
         unique_phone(), "--as", "dispatcher"],
        db,
        tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2 and "心理咨询师" in refused.stderr
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(CounsellingRecord)) == before
    made = run(
        ["counselling", "walk-in", "--site", str(site), "--name", "吴芳", "--phone",
         unique_phone(), "--as", "s01.counsellor"],
        db,
        tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    rid = made.stdout.split()[1].rstrip(":")
    held = run(
        ["counselling", "session", rid, "--minutes", "45", "--notes", NOTE,
         "--as", "s01.counsellor"],
        db,
        tmp_path,
    )  # fmt: skip
    assert held.returncode == 0, held.stderr
    assert run(["counselling", "session", rid, "--minutes", "0", "--as", "s01.counsellor"],
               db, tmp_path).returncode == 2  # fmt: skip
    due = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    assert run(["counselling", "follow-up", rid, "--due", due, "--as", "s01.counsellor"],
               db, tmp_path).returncode == 0  # fmt: skip
    risk = run(["counselling", "risk", rid, "medium", "--as", "s01.counsellor"], db, tmp_path)
    assert risk.returncode == 0 and "medium" in risk.stdout
    for user in ("s01.counsellor", "centre.counsellor"):
        shown = run(["counselling", "show", rid, "--as", user], db, tmp_path)
        assert shown.returncode == 0 and NOTE in shown.stdout, (user, shown.stderr)
    for user in ("dispatcher", "leader01", "admin", "supervisor"):
        shown = run(["counselling", "show", rid, "--as", user, "--json"], db, tmp_path)
        assert shown.returncode == 0, (user, shown.stderr)
        out = json.loads(shown.stdout)
        assert out["sessions_held"] == 1 and out["sessions"][0]["notes"] is None, user
        assert NOTE not in shown.stdout and "吴芳" not in shown.stdout, user
        listed = run(["counselling", "list", "--as", user], db, tmp_path)
        assert listed.returncode == 0 and NOTE not in listed.stdout, user
    for user in ("s01.staff", "s02.counsellor"):
        shown = run(["counselling", "show", rid, "--as", user], db, tmp_path)
        assert shown.returncode == 2 and NOTE not in shown.stdout + shown.stderr, user
    today = datetime.now(UTC).date()
    figures = run(
        ["counselling", "figures", "--since", today.isoformat(),
         "--until", (today + timedelta(days=2)).isoformat()],
        db,
        tmp_path,
    )  # fmt: skip
    assert figures.returncode == 0, figures.stderr
    counts = json.loads(figures.stdout)
    assert counts["咨询次数"] >= 1 and counts["按风险等级"]["中"] >= 1
