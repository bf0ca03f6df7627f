"""A leader's instruction (批示) on a report item becomes a tracked task, and the next report
shows how it goes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from factories import auth
from minyi.reports.rules import ReportKind
from minyi.reports.service import issue_daily_report, original_of_day
from minyi.reports.snapshot import build_snapshot
from minyi.sla.models import Clock
from minyi.supervision.models import Instruction, InstructionTask

from .conftest import TZ, District

DAY = date(2026, 11, 26)  # a day no other test module issues


def day_issue(district: District) -> tuple[int, int]:
    """(id, number) of DAY's issue, made here if no test of this module made it yet (the tests
    of a module may run on different xdist workers, each with its own district)."""
    with district.db.unit_of_work() as session:
        issue = original_of_day(session, ReportKind.DAILY, DAY) or issue_daily_report(
            session, day=DAY, now=district.clock.now(), tz=TZ, issued_by="test"
        )
        return issue.id, issue.number


def instructions_section(district: District) -> dict[str, Any]:
    with district.db.reading() as session:
        snap = build_snapshot(
            session, kind=ReportKind.DAILY, day=date(2026, 11, 28), tz=TZ, now=district.clock.now()
        )
    return next(s["data"] for s in snap["sections"] if s["key"] == "instructions")


def test_instruction_on_an_item_is_tracked_and_reported(district: District) -> None:
    client = district.client
    issue_id, number = day_issue(district)
    snapshot = client.get(f"/api/v1/reports/{issue_id}", headers=auth(client, "secretary")).json()[
        "snapshot"
    ]
    key = "unit:DISPATCH"
    assert key in snapshot["items"]

    r = client.post(
        f"/api/v1/reports/{issue_id}/instructions",
        json={
            "item": key,
            "text": "请中心一周内清理超期件，青松街道配合",
            "units": ["S01", "DEP01"],
            "within_days": 5,
        },
        headers=auth(client, "secretary"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["report_item"] == {"issue_id": issue_id, "item": key}
    assert sorted(t["unit"] for t in body["tasks"]) == ["DEP01", "S01"]
    with district.db.reading() as session:
        instruction = session.get(Instruction, body["id"])
        assert (
            instruction is not None and instruction.subject_ref == f"daily_report:{issue_id}#{key}"
        )
        tasks = list(
            session.scalars(
                select(InstructionTask).where(InstructionTask.instruction_id == body["id"])
            )
        )
        assert len(tasks) == 2
        clocks = session.scalars(
            select(Clock).where(
                Clock.subject == "task", Clock.subject_id.in_([t.id for t in tasks])
            )
        ).all()
        assert len(clocks) == 2 and all(c.state == "running" for c in clocks)

    # The next report lists it with the item's label and each task's state.
    row = next(i for i in instructions_section(district)["instructions"] if i["id"] == body["id"])
    assert row["item_label"] == snapshot["items"][key]
    assert row["issue_number"] == number
    assert {t["unit"]: t["state"] for t in row["tasks"]} == {
        "青松街道": "open",
        "区住房和建设局": "open",
    }

    task_id = next(t["id"] for t in body["tasks"] if t["unit"] == "DEP01")
    done = client.post(
        f"/api/v1/instruction-tasks/{task_id}/complete",
        json={"result": "已联合执法清理"},
        headers=auth(client, "dep01.head"),
    )
    assert done.status_code == 200, done.text
    row = next(i for i in instructions_section(district)["instructions"] if i["id"] == body["id"])
    assert {t["unit"]: t["state"] for t in row["tasks"]}["区住房和建设局"] == "done"
    listed = client.get(
        f"/api/v1/reports/{issue_id}/instructions", headers=auth(client, "mayor")
    ).json()
    assert [i["id"] for i in listed] == [body["id"]]


def test_bad_item_or_role_is_refused_and_writes_nothing(district: District) -> None:
    client = district.client
    issue_id, _ = day_issue(district)
    with district.db.reading() as session:
        before = len(session.scalars(select(Instruction.id)).all())
    bad_item = client.post(
        f"/api/v1/reports/{issue_id}/instructions",
        json={"item": "street:NOPE", "text": "x", "units": ["S01"]},
        headers=auth(client, "secretary"),
    )
    assert bad_item.status_code == 422
    not_leader = client.post(
        f"/api/v1/reports/{issue_id}/instructions",
        json={"item": "unit:DISPATCH", "text": "x", "units": ["S01"], "within_days": 3},
        headers=auth(client, "clerk"),
    )
    assert not_leader.status_code == 403
    missing = client.post(
        "/api/v1/reports/999999/instructions",
        json={"item": "street:S01", "text": "x", "units": ["S01"]},
        headers=auth(client, "secretary"),
    )
    assert missing.status_code == 404
    with district.db.reading() as session:
        assert len(session.scalars(select(Instruction.id)).all()) == before


def test_pages_and_permissions(district: District) -> None:
    client = district.client
    made = client.post(
        "/api/v1/reports/daily", json={"date": "2026-11-19"}, headers=auth(client, "supervisor")
    )
    assert made.status_code == 201, made.text
    issue_id = made.json()["id"]
    again = client.post(
        "/api/v1/reports/daily", json={"date": "2026-11-19"}, headers=auth(client, "supervisor")
    )
    assert again.status_code == 409
    listed = client.get("/api/v1/reports", headers=auth(client, "mayor"))
    assert listed.status_code == 200 and issue_id in [i["id"] for i in listed.json()["items"]]
    page = client.get(f"/api/v1/reports/{issue_id}.html", headers=auth(client, "mayor"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "民情日报" in page.text
    pdf = client.get(f"/api/v1/reports/{issue_id}.pdf", headers=auth(client, "mayor"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/v1/reports/{issue_id}.pdf").status_code == 401
    assert client.get("/api/v1/reports", headers=auth(client, "dep01.handler")).status_code == 403
    assert (
        client.post(
            "/api/v1/reports/daily", json={"date": "2026-11-25"}, headers=auth(client, "clerk")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/reports/daily", json={"date": "2026-13-01"}, headers=auth(client, "supervisor")
        ).status_code
        == 422
    )
