"""The first run: `first_run` on an empty database makes the demo district and a few weeks of its
life through the services (demo/history.py), lived once per backend for the run and copied for
the module (conftest.demo_history_copy); MINYI_DEMO=empty makes the district alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from conftest import demo_history_copy, drop_database, make_settings, migrated_database_url
from minyi.analytics.models import Alert
from minyi.analytics.queries import hotspots_of_day
from minyi.bootstrap import first_run
from minyi.cases.models import Appeal, Bounce, Case, CaseEvent
from minyi.core.db import Database
from minyi.demo.history import BURST_MATTER
from minyi.escalation.models import CaseEscalation, Holding
from minyi.intake.models import Channel
from minyi.reports.models import ReportIssue
from minyi.supervision.models import Instruction, Letter, SupervisionOrder
from minyi.taxonomy.models import DictionaryEntry
from minyi.triage.classifier.registry import current_classifier
from minyi.triage.models import TriageSuggestion
from minyi.whistle.models import Whistle
from minyi.wiring import build_registry

NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)  # 15:30 in Beijing, a Friday
TZ = ZoneInfo("Asia/Shanghai")
LIFECYCLE = {
    "registered",
    "accepted",
    "dispatched",
    "signed_for",
    "in_progress",
    "replied",
    "rated",
    "archived",
}


@pytest.fixture(scope="module")
def lived(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, dict[str, int], Path]]:
    # `first_run` on an empty migrated database, lived once per run and backend and copied here
    # (conftest.demo_history_copy; the browser's first-run pages look at the same history).
    url, done, data_dir = demo_history_copy(
        backend, tmp_path_factory.mktemp(f"history-{backend}"), now=NOW
    )
    db = Database(url, registry=build_registry())
    yield db, done, data_dir
    db.dispose()
    drop_database(url)


def count(db: Database, stmt: object) -> int:
    with db.reading() as session:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


class TestDemoHistory:
    def test_every_step_the_history_asked_for_was_taken(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        _, done, _ = lived
        assert done["refused"] == 0
        assert done["appeals"] > 150
        # the coming week's appointments with three street halls' lawyer, mediator, counsellor
        assert done["service_appointments"] == 9

    def test_cases_stand_in_every_state_of_the_lifecycle(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        db, _, _ = lived
        with db.reading() as session:
            states = set(session.scalars(select(Case.status).distinct()))
        assert states >= LIFECYCLE

    def test_appeals_came_in_on_every_kind_of_channel(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        db, _, _ = lived
        with db.reading() as session:
            kinds = set(
                session.scalars(
                    select(Channel.kind).join(Case, Case.channel_id == Channel.id).distinct()
                )
            )
            all_kinds = set(session.scalars(select(Channel.kind).distinct()))
        assert kinds == all_kinds

    def test_nothing_is_dated_after_now(self, lived: tuple[Database, dict[str, int], Path]) -> None:
        db, _, _ = lived
        with db.reading() as session:
            assert session.scalar(select(func.max(CaseEvent.at))) <= NOW
            assert session.scalar(select(func.min(Case.registered_at))) <= NOW - timedelta(days=27)

    def test_bounces_reopenings_and_escalations_happened(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        db, _, _ = lived
        assert (
            count(db, select(func.count()).select_from(Bounce).where(Bounce.status == "approved"))
            > 0
        )
        assert count(db, select(func.count()).select_from(Case).where(Case.reopen_count > 0)) > 0
        assert (
            count(db, select(func.count()).select_from(Case).where(Case.is_overdue.is_(True))) > 0
        )
        assert count(db, select(func.count()).select_from(CaseEscalation)) > 0
        assert (
            count(db, select(func.count()).select_from(Case).where(Case.is_key_case.is_(True))) > 0
        )

    def test_leaders_streets_and_the_supervisor_took_part(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        db, _, _ = lived
        for model in (Holding, Instruction, Whistle, SupervisionOrder, Letter):
            assert count(db, select(func.count()).select_from(model)) > 0, model.__name__

    def test_the_last_days_reports_are_issued_with_alerts_and_a_hotspot(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        db, _, _ = lived
        yesterday = NOW.astimezone(TZ).date() - timedelta(days=1)
        with db.reading() as session:
            days = set(session.scalars(select(ReportIssue.period_start)))
            assert yesterday in days
            assert session.scalar(select(func.count()).select_from(Alert)) > 0
            hotspots = hotspots_of_day(session, day=yesterday)
        assert hotspots
        assert any("施工" in h.description for h in hotspots)

    def test_a_triage_model_trained_on_demo_texts_suggests_leaves(
        self, lived: tuple[Database, dict[str, int], Path]
    ) -> None:
        db, _, data_dir = lived
        with db.reading() as session:
            classifier = current_classifier(session, data_dir)
            suggested = session.scalar(select(func.count()).select_from(TriageSuggestion))
            noise = session.scalar(
                select(DictionaryEntry.code).where(DictionaryEntry.level4 == BURST_MATTER)
            )
        assert classifier is not None
        assert suggested > 0
        top = classifier.predict_top(
            "翠湖花园12栋旁边工地夜间施工噪声太大，晚上十一点还在打桩，孩子睡不着"
        )
        assert top[0][0] == noise


class TestEmptyDemo:
    def test_demo_empty_loads_the_district_without_any_appeal_or_model(
        self, backend: str, tmp_path: Path
    ) -> None:
        url = migrated_database_url(backend, tmp_path)
        db = Database(url, registry=build_registry())
        try:
            settings = make_settings(url, tmp_path).model_copy(
                update={"load_demo_if_empty": True, "demo": "empty"}
            )
            done = first_run(db, settings, now=NOW, say=lambda _: None)
            assert done["staff"] > 0
            assert count(db, select(func.count()).select_from(Appeal)) == 0
            with db.reading() as session:
                assert current_classifier(session, settings.data_dir) is None
            assert first_run(db, settings, now=NOW, say=lambda _: None) == {}  # not empty any more
        finally:
            db.dispose()
            drop_database(url)
