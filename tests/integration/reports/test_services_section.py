"""五类服务: the five services side by side in the daily report — every service a row, the day's
cases adding up to the report's own total, a case moved to mediation counted there, and the
section on the page in Chinese. The move is made in a transaction that is rolled back, so the
package's week of appeals stays as the other tests expect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minyi.analytics.services import flat_figures
from minyi.cases.models import Case
from minyi.reports.render import render_html
from minyi.reports.rules import ReportKind
from minyi.reports.snapshot import build_snapshot
from minyi.services.rules import SERVICE_LABELS, Service

from .conftest import DAY, TZ, District


def section(snap: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s["data"] for s in snap["sections"] if s["key"] == key)


def test_five_rows_adding_up_to_the_days_total(district: District) -> None:
    with district.db.reading() as session:
        snap = build_snapshot(
            session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=district.clock.now()
        )
    rows = section(snap, "services")["services"]
    assert [r["label"] for r in rows] == [SERVICE_LABELS[s] for s in Service]
    assert sum(r["day"] for r in rows) == section(snap, "totals")["received"]
    for r in rows:
        assert 0 <= r["day_closed"] <= r["day"] <= r["month"]
        assert r["month_closed"] <= r["month"]
    html = render_html(snap, number=1, issued_at=district.clock.now(), tz=TZ)
    assert "五类服务" in html and "纠纷调解" in html and "mediation" not in html


def test_a_case_moved_to_mediation_counts_there(district: District) -> None:
    now = district.clock.now()
    with district.db.sessions() as session, session.begin():
        before = section(
            build_snapshot(session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=now), "services"
        )
        case = session.scalars(
            select(Case).where(Case.class_name == "投诉建议").order_by(Case.registered_at.desc())
        ).first()
        assert case is not None
        case.service = Service.MEDIATION.value
        session.flush()
        after = section(
            build_snapshot(session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=now), "services"
        )
        session.rollback()
    month = {r["service"]: r["month"] for r in after["services"]}
    was = {r["service"]: r["month"] for r in before["services"]}
    assert month["mediation"] == was["mediation"] + 1
    assert month["complaint"] == was["complaint"] - 1


def test_each_workflow_reports_its_own_figures(district: District) -> None:
    with district.db.reading() as session:
        snap = build_snapshot(
            session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=district.clock.now()
        )
    rows = {r["service"]: r for r in section(snap, "services")["services"]}
    labels = {s: [f["label"] for f in r["figures"]] for s, r in rows.items()}
    assert labels["complaint"] == []
    assert "调解成功率" in labels["mediation"] and "司法确认率" in labels["mediation"]
    assert "法律咨询" in labels["legal"] and "准予援助" in labels["legal"]
    assert "咨询次数" in labels["counselling"] and "话聊次数" in labels["counselling"]
    assert "申请数" in labels["relief"] and "发放金额（元）" in labels["relief"]


def test_flat_figures_keep_scalars_in_order() -> None:
    rows = flat_figures({"受理": 3, "成功率": 0.5, "按站点": {"a": 1}, "平均天数": None})
    assert rows == [
        {"label": "受理", "value": 3},
        {"label": "成功率", "value": 0.5},
        {"label": "平均天数", "value": None},
    ]
    assert flat_figures({"service": "relief", "figures": {"申请数": 2}}) == [
        {"label": "申请数", "value": 2}
    ]
