"""Export a filtered case list, import it into a fresh database, get the same cases back; bad
rows are reported and never half imported; re-import makes no duplicate; imports send nothing."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from conftest import START
from factories import act, auth, make_appeal, make_dispatched
from minyi.cases.models import Appeal, Case, CaseEvent, CaseUnit
from minyi.cases.queries import case_filter
from minyi.core.db import Database
from minyi.integrations.case_export import COLUMNS, export_rows
from minyi.integrations.case_import import ImportRefused, import_cases, load_mapping
from minyi.integrations.tabular import read_rows
from minyi.notify.models import OutboxMessage
from minyi.org.service import actor_for_username
from minyi.sla.models import Clock

TZ = ZoneInfo("Asia/Shanghai")


def export_csv(client: TestClient, marker: str, **params: Any) -> str:
    r = client.get(
        "/api/v1/exports/cases",
        params={"format": "csv", "q": marker, **params},
        headers=auth(client, "dispatcher"),
    )
    assert r.status_code == 200, r.text
    return r.content.decode("utf-8-sig")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def marked(app_client: TestClient) -> str:
    """Cases in several states whose titles carry one marker, so the export filters them out."""
    marker = uuid.uuid4().hex[:12]
    title = f"导出测试{marker}"
    make_appeal(app_client, title=title)
    declined = make_appeal(app_client, title=title, anonymous=True, phone=None)
    assert (
        act(app_client, declined["id"], "decline", "clerk", reason="不属于受理范围").status_code
        == 200
    )
    make_dispatched(app_client, title=title, lead="DEP02", co=["DEP03"])
    replied = make_dispatched(app_client, title=title, lead="DEP01")
    assert act(app_client, replied["id"], "sign_for", "dep01.handler").status_code == 200
    assert (
        act(
            app_client, replied["id"], "reply", "dep01.handler", text="已协调环卫部门处理"
        ).status_code
        == 200
    )
    return marker


@pytest.fixture
def demo_db(fresh_demo_db: Database) -> Iterator[Database]:
    return fresh_demo_db


def do_import(
    db: Database, path: Path, mapping: str | None = None, *, strict: bool = False, now: Any = None
) -> Any:
    _, rows = read_rows(path)
    with db.unit_of_work() as session:
        return import_cases(
            session,
            rows,
            mapping=load_mapping(mapping),
            actor=actor_for_username(session, "admin"),
            source=path.name,
            now=now or START + timedelta(days=1),
            tz=TZ,
            strict=strict,
        )


def export_from(db: Database, marker: str) -> list[dict[str, Any]]:
    with db.reading() as session:
        actor = actor_for_username(session, "dispatcher")
        return [
            dict(zip(COLUMNS, r, strict=True))
            for r in export_rows(session, actor, case_filter(session, q=marker), tz=TZ)
        ]


class TestExport:
    def test_the_api_exports_the_filtered_cases_in_both_formats(
        self, app_client: TestClient, marked: str
    ) -> None:
        rows = rows_of(export_csv(app_client, marked))
        assert len(rows) == 4 and list(rows[0]) == COLUMNS
        assert sorted(r["status"] for r in rows) == [
            "declined",
            "dispatched",
            "registered",
            "replied",
        ]
        assert all(r["registered_at"].endswith("+08:00") for r in rows)
        only = rows_of(export_csv(app_client, marked, status="replied"))
        assert [r["lead_unit"] for r in only] == ["DEP01"] and only[0][
            "reply_text"
        ] == "已协调环卫部门处理"
        r = app_client.get(
            "/api/v1/exports/cases",
            params={"format": "xlsx", "q": marked},
            headers=auth(app_client, "dispatcher"),
        )
        sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
        assert sheet.max_row == 5 and [c.value for c in sheet[1]] == COLUMNS

    def test_masks_what_the_reader_may_not_see(self, app_client: TestClient, marked: str) -> None:
        r = app_client.get(
            "/api/v1/exports/cases", params={"q": marked}, headers=auth(app_client, "supervisor")
        )
        phones = [row["phone"] for row in rows_of(r.content.decode("utf-8-sig")) if row["phone"]]
        assert phones and all("****" in p for p in phones)

    def test_bad_filters_are_refused(self, app_client: TestClient) -> None:
        headers = auth(app_client, "dispatcher")
        assert (
            app_client.get(
                "/api/v1/exports/cases", params={"channel": "nope"}, headers=headers
            ).status_code
            == 422
        )
        assert (
            app_client.get(
                "/api/v1/exports/cases", params={"format": "pdf"}, headers=headers
            ).status_code
            == 422
        )
        assert app_client.get("/api/v1/exports/cases").status_code == 401


class TestRoundTrip:
    def test_export_then_import_into_a_fresh_database_gives_the_same_cases(
        self, app_client: TestClient, marked: str, demo_db: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "cases.csv"
        path.write_text(export_csv(app_client, marked), encoding="utf-8")
        report = do_import(demo_db, path)
        assert (report.created, report.existing, report.problems) == (4, 0, [])
        before = {r["external_id"]: r for r in rows_of(path.read_text(encoding="utf-8"))}
        after = {r["external_id"]: r for r in export_from(demo_db, marked)}
        assert set(after) == set(before)
        for key, row in after.items():
            again = {
                c: ("" if row[c] is None else str(row[c])) for c in COLUMNS if c != "tracking_no"
            }
            assert again == {c: before[key][c] for c in COLUMNS if c != "tracking_no"}

        second = do_import(demo_db, path)
        assert (second.created, second.existing) == (0, 4)
        with demo_db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Appeal)) == 4
            ids = list(session.scalars(select(Case.id)))
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.case_id.in_(ids))
                )
                == 0
            )
            closed = session.scalars(
                select(Case.id).where(Case.status.in_(["declined", "replied"]))
            ).all()
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Clock)
                    .where(Clock.case_id.in_(closed), Clock.state == "running")
                )
                == 0
            )
            events = session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id.in_(ids))
            ).all()
            assert events.count("import") == 4


MAPPING = """
columns:
  external_id: 工单编号
  registered_at: 登记时间
  body: 诉求内容
  phone: 联系电话
  status: 办理状态
  lead_unit: 承办单位
  street: 街道
defaults:
  channel: hotline_12345
values:
  status: {已办结: archived, 办理中: in_progress, 已登记: registered}
"""
HEADER = ["工单编号", "登记时间", "诉求内容", "联系电话", "办理状态", "承办单位", "街道"]
GOOD = [
    ["H-001", "2024-03-05 09:30", "路灯不亮", "13800000001", "已办结", "DEP01", "S01"],
    ["H-002", "2024/03/06 10:00", "噪音扰民", "13800000002", "办理中", "DEP02", ""],
]
BAD = [
    ["H-003", "2024-03-07 09:00", "井盖缺失", "12345", "已办结", "", ""],  # bad phone
    ["H-004", "2099-01-01 09:00", "未来的诉求", "13800000004", "已登记", "", ""],  # future date
    ["H-005", "2024-03-08 09:00", "状态不明", "13800000005", "转办", "", ""],  # unknown status
    [
        "H-006",
        "2024-03-09 09:00",
        "在办缺单位",
        "13800000006",
        "办理中",
        "",
        "",
    ],  # in progress without a unit
    [
        "H-007",
        "2024-03-10 09:00",
        "街道不存在",
        "13800000007",
        "已登记",
        "",
        "S99",
    ],  # unknown street (intake refuses)
]


def write_csv_file(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


class TestBadRows:
    def test_good_rows_go_in_and_bad_rows_are_reported(
        self, demo_db: Database, tmp_path: Path
    ) -> None:
        path = write_csv_file(tmp_path / "history.csv", GOOD + BAD)
        report = do_import(demo_db, path, MAPPING)
        assert (report.rows, report.created, report.bad_rows) == (7, 2, 5)
        by_row = {(p.row, p.field) for p in report.problems}
        assert {
            (4, "联系电话"),
            (5, "登记时间"),
            (6, "办理状态"),
            (7, "承办单位"),
            (8, "街道"),
        } <= by_row
        with demo_db.reading() as session:
            cases = {
                a.external_id: c
                for c, a in session.execute(
                    select(Case, Appeal).join(Appeal, Appeal.id == Case.appeal_id)
                )
            }
        assert set(cases) == {"H-001", "H-002"}
        assert (
            cases["H-001"].status == "archived"
            and cases["H-001"].registered_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
            == "2024-03-05 09:30"
        )
        assert cases["H-002"].status == "in_progress" and cases["H-002"].lead_unit_id is not None
        with demo_db.reading() as session:
            # The units' rows carry the imported status (CaseUnit.case_status, the scope's key).
            copied = session.execute(
                select(CaseUnit.case_status, Case.status)
                .join(Case, Case.id == CaseUnit.case_id)
                .where(Case.id.in_([c.id for c in cases.values()]))
            ).all()
        assert copied and all(unit == case for unit, case in copied)
        assert cases["H-001"].tracking_no.startswith("20240305-")

    def test_a_repeated_external_id_with_other_content_is_a_bad_row(
        self, demo_db: Database, tmp_path: Path
    ) -> None:
        assert (
            do_import(demo_db, write_csv_file(tmp_path / "first.csv", GOOD), MAPPING).created == 2
        )
        changed = [[*GOOD[0][:2], "另一件事：楼上漏水", *GOOD[0][3:]], GOOD[1]]
        report = do_import(demo_db, write_csv_file(tmp_path / "second.csv", changed), MAPPING)
        assert (report.created, report.existing, report.bad_rows) == (0, 1, 1)
        (problem,) = report.problems
        assert (problem.row, problem.field) == (2, "工单编号") and "H-001" in problem.reason
        twice = [GOOD[0], [*GOOD[0][:2], "同一编号的另一件事", *GOOD[0][3:]]]
        report = do_import(
            demo_db,
            write_csv_file(tmp_path / "third.csv", [["H-010", *r[1:]] for r in twice]),
            MAPPING,
        )
        assert (report.created, report.bad_rows) == (1, 1) and report.problems[0].row == 3
        with demo_db.reading() as session:
            bodies = dict(session.execute(select(Appeal.external_id, Appeal.body)).all())
        assert (bodies["H-001"], bodies["H-010"]) == ("路灯不亮", "路灯不亮")

    def test_strict_refuses_the_whole_file(self, demo_db: Database, tmp_path: Path) -> None:
        path = write_csv_file(tmp_path / "history.csv", GOOD + BAD[:1])
        with pytest.raises(ImportRefused) as refused:
            do_import(demo_db, path, MAPPING, strict=True)
        assert refused.value.report.bad_rows == 1
        with demo_db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Appeal)) == 0

    def test_xlsx_files_with_real_dates_import_too(self, demo_db: Database, tmp_path: Path) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(HEADER)
        sheet.append(
            [
                "X-001",
                START.replace(tzinfo=None) - timedelta(days=400),
                "积水",
                "13800000011",
                "已办结",
                "",
                "S02",
            ]
        )
        path = tmp_path / "history.xlsx"
        book.save(path)
        report = do_import(demo_db, path, MAPPING)
        assert (report.created, report.problems) == (1, [])

    @pytest.mark.parametrize(
        "mapping",
        ["columns: [a, b]", "columns: {nonsense: x}", "timezone: Mars/Olympus", "unknown_key: 1"],
    )
    def test_a_bad_mapping_is_refused(self, mapping: str) -> None:
        with pytest.raises(Exception, match=r"mapping|timezone"):
            load_mapping(mapping)


class TestImportApi:
    def test_admins_upload_a_file_and_get_the_report(
        self, app_client: TestClient, tmp_path: Path
    ) -> None:
        tag = uuid.uuid4().hex[:8]
        rows = [[f"{tag}-{r[0]}", *r[1:]] for r in GOOD + BAD[:1]]
        path = write_csv_file(tmp_path / "h.csv", rows)
        files = {
            "file": ("h.csv", path.read_bytes(), "text/csv"),
            "mapping": ("m.yaml", MAPPING.encode(), "application/yaml"),
        }
        assert (
            app_client.post(
                "/api/v1/imports/cases", files=files, headers=auth(app_client, "clerk")
            ).status_code
            == 403
        )
        refused = app_client.post(
            "/api/v1/imports/cases",
            files=files,
            data={"strict": "true"},
            headers=auth(app_client, "admin"),
        )
        assert (
            refused.status_code == 422
            and refused.json()["error"]["report"]["problems"][0]["row"] == 4
        )
        done = app_client.post(
            "/api/v1/imports/cases", files=files, headers=auth(app_client, "admin")
        )
        assert done.status_code == 200, done.text
        assert (done.json()["created"], done.json()["bad_rows"]) == (2, 1)
        again = app_client.post(
            "/api/v1/imports/cases", files=files, headers=auth(app_client, "admin")
        ).json()
        assert (again["created"], again["existing"]) == (0, 2)
