"""Complaint targets: which unit or official an appeal complains about, and which names only
place the matter or ask for help."""

from __future__ import annotations

import pytest

from minyi.triage.accused.detector import AccusedDetector, StaffRef
from minyi.triage.places.values import NamedPlace, Place, RegistryUnit

UNITS = [
    ("D", "汀澜区", "district", None),
    ("S01", "青松街道", "street", "D"),
    ("S01C01", "竹林社区", "community", "S01"),
    ("S01C01G01", "竹林社区第1网格", "grid", "S01C01"),
    ("DEP01", "区住房和建设局", "department", "D"),
    ("DEP02", "区城市管理和综合执法局", "department", "D"),
    ("DEP03", "区教育局", "department", "D"),
    ("DEP06", "区市场监督管理局", "department", "D"),
    ("DEP39", "区委政法委（区综治中心）", "department", "D"),
]
STAFF = [
    StaffRef("mayor", "韩立新", "区长", "D"),
    StaffRef("leader03", "罗海燕", "副区长（分管城建）", "D"),
    StaffRef("dep01.head", "朱鹏", "单位负责人", "DEP01"),
    StaffRef("dep01.handler", "严家德", "承办人", "DEP01"),
    StaffRef("dep02.handler", "何彤凯", "承办人", "DEP02"),
    StaffRef("s01.staff", "丁芳英", "街道诉求服务专员", "S01"),
    StaffRef("s01.deputy", "丁国强", "街道诉求服务专员", "S01"),
    StaffRef("s01c01g01.staff", "王秀兰", "网格员", "S01C01G01"),
]
PLACE = Place("S01", "S01C01", "S01C01G01")


def registry() -> list[RegistryUnit]:
    ids = {code: n for n, (code, *_rest) in enumerate(UNITS, start=1)}
    return [
        RegistryUnit(ids[code], code, name, kind, ids.get(parent or ""))
        for code, name, kind, parent in UNITS
    ]


DETECTOR = AccusedDetector.build(registry(), STAFF, [NamedPlace("执法中队", "alias", "DEP02")])


class TestUnitsAccused:
    @pytest.mark.parametrize(
        ("text", "unit", "conduct"),
        [
            ("举报区住房和建设局工作人员索贿", "DEP01", "corruption"),
            ("举报住建局审批违规，请上级调查", "DEP01", "unspecified"),
            ("城管队员态度恶劣，还推搡摊主", "DEP02", "attitude"),
            ("投诉城管执法过程中粗暴执法", "DEP02", "abuse"),
            ("多次反映，区市场监管局一直推诿扯皮", "DEP06", "inaction"),
            ("被投诉单位：区市场监督管理局", "DEP06", "unspecified"),
            ("举报综治中心不作为", "DEP39", "inaction"),
            ("执法中队队员态度恶劣", "DEP02", "attitude"),
            ("投诉竹林社区居委会不处理楼道堆物", "S01C01", "inaction"),
        ],
    )
    def test_a_named_unit_with_a_complaint_cue(self, text: str, unit: str, conduct: str) -> None:
        finding = DETECTOR.find(text, PLACE)
        assert finding.unit_codes == (unit,)
        assert finding.conduct == {conduct}
        assert finding.hide_identity_from == (unit,)

    def test_the_last_of_a_place_chain_is_the_target(self) -> None:
        assert DETECTOR.find("投诉青松街道竹林社区不作为", PLACE).unit_codes == ("S01C01",)

    def test_several_targets_listed_share_the_verb(self) -> None:
        finding = DETECTOR.find("举报城管、住建局", PLACE)
        assert finding.unit_codes == ("DEP02", "DEP01")
        assert [span.cue for span in finding.evidence] == ["举报", "举报"]

    def test_evidence_spans_index_the_original_text(self) -> None:
        text = "我要举报区住建局工作人员收受好处费！"
        (span,) = DETECTOR.find(text, PLACE).evidence
        assert text[span.start : span.end] == span.text == "区住建局工作人员"
        assert text[span.cue_start : span.cue_end] == span.cue == "收受"


class TestGenericNames:
    def test_the_street_without_its_name_is_the_appeals_own(self) -> None:
        assert DETECTOR.find("多次向街道反映，街道一直推诿", PLACE).unit_codes == ("S01",)

    def test_a_grid_worker_is_the_appeals_own_grid(self) -> None:
        finding = DETECTOR.find("社区网格员王某态度很差", PLACE)
        assert finding.unit_codes == ("S01C01G01",)
        assert finding.staff_usernames == ("s01c01g01.staff",)

    def test_without_a_place_a_generic_name_names_nobody(self) -> None:
        assert not DETECTOR.find("街道一直推诿")


class TestStaffAccused:
    def test_a_named_staff_member_and_their_unit(self) -> None:
        finding = DETECTOR.find("举报区住建局工作人员严家德收受好处费", PLACE)
        assert finding.staff_usernames == ("dep01.handler",)
        assert finding.unit_codes == ("DEP01",)

    def test_a_title_and_surname_name_the_units_staff_with_that_surname(self) -> None:
        finding = DETECTOR.find("投诉青松街道办主任丁某不作为，多次反映无人处理", PLACE)
        assert finding.unit_codes == ("S01",)
        assert set(finding.staff_usernames) == {"s01.staff", "s01.deputy"}

    def test_a_name_alone_with_a_cue(self) -> None:
        finding = DETECTOR.find("何彤凯态度恶劣", PLACE)
        assert (finding.staff_usernames, finding.unit_codes) == (("dep02.handler",), ("DEP02",))

    def test_a_leader_is_hidden_from_but_the_district_is_not_excluded(self) -> None:
        finding = DETECTOR.find("我要投诉区长", PLACE)
        assert finding.staff_usernames == ("mayor",)
        assert finding.unit_codes == ()
        assert bool(finding)

    def test_a_title_held_by_one_person_names_them(self) -> None:
        assert DETECTOR.find("举报副区长以权谋私", PLACE).staff_usernames == ("leader03",)


class TestNotAccused:
    @pytest.mark.parametrize(
        "text",
        [
            "投诉青松街道竹林社区的物业公司乱收费",
            "投诉城管噪音扰民",
            "希望城管来处理占道经营的违法行为",
            "向城管投诉过多次，小区门口占道经营",
            "城管来了以后摊贩态度恶劣",
            "小区物业不作为，希望住建局处理",
            "举报人：丁先生，反映竹林社区楼道堆物",
            "城管没有推诿，处理很及时，表示感谢",
            "城市绿洲花园小区门口的垃圾中转站臭味很大，夏天尤其严重，希望尽快处理。",
            "",
        ],
    )
    def test_a_mention_is_not_a_complaint_about_it(self, text: str) -> None:
        finding = DETECTOR.find(text, PLACE)
        assert not finding, finding
