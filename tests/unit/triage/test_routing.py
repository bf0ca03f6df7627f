"""Unit recommendation on a hand-made district: the duty map, dispatcher history, and
complaints that must not reach the unit they complain about."""

from __future__ import annotations

import pytest

from minyi.core.errors import Invalid
from minyi.triage.accused.detector import AccusedDetector, StaffRef
from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.values import Place, RegistryUnit
from minyi.triage.routing.duty import DutyLeaf, DutyMap
from minyi.triage.routing.history import DispatchHistory
from minyi.triage.routing.recommend import Recommendation, TriageSnapshot, recommend_units

UNITS = [
    ("D", "汀澜区", "district", None),
    ("S01", "青松街道", "street", "D"),
    ("S02", "翠湖街道", "street", "D"),
    ("S01C01", "竹林社区", "community", "S01"),
    ("S02C01", "太平社区", "community", "S02"),
    ("S01C01G01", "竹林社区第1网格", "grid", "S01C01"),
    ("DEP01", "区住房和建设局", "department", "D"),
    ("DEP02", "区城市管理和综合执法局", "department", "D"),
    ("DEP07", "区交通运输局", "department", "D"),
    ("DEP16", "区文化广电旅游体育局", "department", "D"),
    ("DEP40", "区纪委监委", "department", "D"),
    ("DEP_XFJ", "区信访局", "department", "D"),
    ("DISPATCH", "区群众诉求服务中心（区信联办）", "department", "D"),
]
STAFF = [StaffRef("dep01.handler", "严家德", "承办人", "DEP01")]
CLASS = "投诉建议"
LEAVES = {
    "STALLS": DutyLeaf("STALLS", CLASS, "department", "DEP02"),
    "FACADE": DutyLeaf("FACADE", CLASS, "street", None),
    "CORNER": DutyLeaf("CORNER", CLASS, "community", None),
    "PARK": DutyLeaf("PARK", CLASS, "department", "DEP02"),
    "HOUSING": DutyLeaf("HOUSING", CLASS, "department", "DEP01"),
}
QINGSONG = Place("S01", "S01C01")
CUIHU = Place("S02", "S02C01")


def registry() -> list[RegistryUnit]:
    ids = {code: n for n, (code, *_rest) in enumerate(UNITS, start=1)}
    return [
        RegistryUnit(ids[code], code, name, kind, ids.get(parent or ""))
        for code, name, kind, parent in UNITS
    ]


def snapshot(history: DispatchHistory | None = None) -> TriageSnapshot:
    units = registry()
    return TriageSnapshot(
        Gazetteer.build(units),
        AccusedDetector.build(units, STAFF),
        DutyMap(1, LEAVES),
        history or DispatchHistory(),
    )


def lead(rec: Recommendation) -> str | None:
    return rec.lead.code if rec.lead else None


class TestDutyMap:
    def test_a_department_leaf_goes_to_its_department(self) -> None:
        rec = recommend_units(snapshot(), leaf_code="STALLS", place=QINGSONG)
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons, rec.co_units, rec.excluded) == (
            "DEP02",
            ("duty_map",),
            (),
            (),
        )

    def test_a_street_leaf_goes_to_the_appeals_street(self) -> None:
        assert lead(recommend_units(snapshot(), leaf_code="FACADE", place=CUIHU)) == "S02"

    def test_a_community_leaf_goes_to_the_community_or_else_its_street(self) -> None:
        assert lead(recommend_units(snapshot(), leaf_code="CORNER", place=QINGSONG)) == "S01C01"
        assert lead(recommend_units(snapshot(), leaf_code="CORNER", place=Place("S02"))) == "S02"

    def test_a_grid_alone_gives_its_community_and_street(self) -> None:
        rec = recommend_units(snapshot(), leaf_code="FACADE", place=Place(grid="S01C01G01"))
        assert (lead(rec), rec.place) == ("S01", Place("S01", "S01C01", "S01C01G01"))

    def test_the_place_is_read_from_the_text_when_not_given(self) -> None:
        assert (
            lead(
                recommend_units(
                    snapshot(), leaf_code="FACADE", text="翠湖街道太平社区一栋楼外墙掉皮"
                )
            )
            == "S02"
        )

    def test_a_street_leaf_with_no_known_place_has_no_lead(self) -> None:
        assert recommend_units(snapshot(), leaf_code="FACADE", text="外墙掉皮").lead is None

    def test_an_unknown_leaf_is_refused(self) -> None:
        with pytest.raises(Invalid):
            recommend_units(snapshot(), leaf_code="NOPE")


class TestHistory:
    def test_co_units_learnt_in_one_street_carry_to_another(self) -> None:
        history = DispatchHistory()
        for _ in range(3):
            history.observe(
                leaf="STALLS", class_name=CLASS, place=QINGSONG, lead="DEP02", co_units=["S01"]
            )
        rec = recommend_units(snapshot(history), leaf_code="STALLS", place=CUIHU)
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP02", ("duty_map", "history"))
        assert [c.code for c in rec.co_units] == ["S02"]

    def test_one_contrary_dispatch_does_not_override_the_duty_map(self) -> None:
        history = DispatchHistory()
        history.observe(leaf="PARK", class_name=CLASS, place=QINGSONG, lead="DEP16")
        assert lead(recommend_units(snapshot(history), leaf_code="PARK", place=QINGSONG)) == "DEP02"

    def test_consistent_contrary_dispatches_override_the_duty_map(self) -> None:
        history = DispatchHistory()
        for _ in range(6):
            history.observe(leaf="PARK", class_name=CLASS, place=QINGSONG, lead="DEP16")
        rec = recommend_units(snapshot(history), leaf_code="PARK", place=QINGSONG)
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP16", ("history",))

    def test_an_approved_bounce_takes_a_choice_back(self) -> None:
        history = DispatchHistory()
        for _ in range(6):
            history.observe(leaf="PARK", class_name=CLASS, place=QINGSONG, lead="DEP16")
        for _ in range(4):
            history.observe_bounce(leaf="PARK", class_name=CLASS, place=QINGSONG, unit="DEP16")
        assert lead(recommend_units(snapshot(history), leaf_code="PARK", place=QINGSONG)) == "DEP02"

    def test_the_class_alone_uses_the_class_history(self) -> None:
        history = DispatchHistory()
        for _ in range(8):
            history.observe(leaf="STALLS", class_name=CLASS, place=QINGSONG, lead="DEP02")
        rec = recommend_units(snapshot(history), class_name=CLASS, place=CUIHU)
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP02", ("history",))
        assert rec.lead.score < 0.5


class TestAccusedNeverHandle:
    def test_a_complaint_against_the_duty_department_goes_to_a_supervisor(self) -> None:
        rec = recommend_units(
            snapshot(), leaf_code="STALLS", place=QINGSONG, text="投诉城管队员态度恶劣，还推搡摊主"
        )
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP_XFJ", ("supervisor_fallback",))
        (excluded,) = rec.excluded
        assert (excluded.code, excluded.reason, excluded.was_candidate) == (
            "DEP02",
            "accused",
            True,
        )
        assert rec.hide_identity_from == ("DEP02",)

    def test_corruption_goes_to_the_discipline_commission(self) -> None:
        rec = recommend_units(
            snapshot(), leaf_code="STALLS", place=QINGSONG, text="举报城管执法人员收受摊贩好处费"
        )
        assert lead(rec) == "DEP40"

    def test_a_complaint_against_a_supervisor_too_goes_to_the_next_one(self) -> None:
        rec = recommend_units(
            snapshot(), leaf_code="STALLS", place=QINGSONG, text="举报城管、纪委包庇违法摊贩"
        )
        assert lead(rec) == "DEP_XFJ"
        assert {e.code for e in rec.excluded} == {"DEP02", "DEP40"}

    def test_a_complaint_against_the_appeals_street_goes_elsewhere(self) -> None:
        rec = recommend_units(
            snapshot(), leaf_code="FACADE", place=QINGSONG, text="外墙掉皮，街道一直推诿"
        )
        assert lead(rec) == "DEP_XFJ"
        assert rec.hide_identity_from == ("S01",)

    def test_an_accused_co_unit_is_dropped(self) -> None:
        history = DispatchHistory()
        for _ in range(3):
            history.observe(
                leaf="STALLS", class_name=CLASS, place=QINGSONG, lead="DEP02", co_units=["S01"]
            )
        rec = recommend_units(
            snapshot(history),
            leaf_code="STALLS",
            place=QINGSONG,
            text="占道经营，街道办工作人员不作为",
        )
        assert (lead(rec), rec.co_units) == ("DEP02", ())
        assert [(e.code, e.was_candidate) for e in rec.excluded] == [("S01", False)]

    def test_a_strong_alternative_leads_instead_of_a_supervisor(self) -> None:
        history = DispatchHistory()
        for n in range(24):
            history.observe(
                leaf="PARK", class_name=CLASS, place=QINGSONG, lead="DEP02" if n < 10 else "DEP16"
            )
        assert lead(recommend_units(snapshot(history), leaf_code="PARK", place=QINGSONG)) == "DEP02"
        rec = recommend_units(
            snapshot(history), leaf_code="PARK", place=QINGSONG, text="投诉城管不作为"
        )
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP16", ("history",))

    def test_a_named_staff_member_excludes_their_unit_and_is_hidden_from(self) -> None:
        rec = recommend_units(
            snapshot(), leaf_code="HOUSING", place=QINGSONG, text="举报住建局工作人员严家德索贿"
        )
        assert lead(rec) == "DEP40"
        assert rec.hide_identity_from_staff == ("dep01.handler",)
        assert rec.as_dict()["excluded"][0]["unit"] == "DEP01"

    def test_an_appeal_naming_no_target_excludes_nothing(self) -> None:
        rec = recommend_units(
            snapshot(), leaf_code="STALLS", place=QINGSONG, text="希望城管来处理门口占道经营"
        )
        assert (lead(rec), rec.excluded, rec.hide_identity_from) == ("DEP02", (), ())
