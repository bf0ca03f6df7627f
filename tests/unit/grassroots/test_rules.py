"""Coverage states, the place file's row checks, the disposal rate and the map's layout: pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from minyi.grassroots.drawing import Rect, layout, render_svg
from minyi.grassroots.queries import AreaNode, BuildingCoverage
from minyi.grassroots.rules import (
    Counts,
    Coverage,
    coverage_of,
    disposal_rate,
    header_keys,
    parse_place,
    percent,
    response_rate,
)
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import household_head

NOW = datetime(2026, 11, 20, 1, tzinfo=UTC)


class TestCoverageOf:
    def test_nobody_assigned_is_a_gap_whatever_the_visits(self) -> None:
        assert coverage_of(None, NOW, NOW) is Coverage.UNASSIGNED

    def test_assigned_but_never_visited_is_overdue(self) -> None:
        assert coverage_of(30, None, NOW) is Coverage.OVERDUE

    def test_the_interval_is_inclusive(self) -> None:
        assert coverage_of(7, NOW - timedelta(days=7), NOW) is Coverage.COVERED
        assert coverage_of(7, NOW - timedelta(days=7, seconds=1), NOW) is Coverage.OVERDUE


class TestCounts:
    def test_rate_is_covered_over_all(self) -> None:
        c = Counts()
        for state in (Coverage.COVERED, Coverage.OVERDUE, Coverage.UNASSIGNED, Coverage.COVERED):
            c = c.add(state)
        assert (c.total, c.covered, c.rate) == (4, 2, 0.5)
        assert Counts().rate is None
        assert percent(c.rate) == "50.0%" and percent(None) == "—"

    def test_disposal_rate(self) -> None:
        assert disposal_rate(0, 0) is None
        assert disposal_rate(4, 3) == 0.75


class TestPlaceRows:
    def test_a_good_building_row(self) -> None:
        row = parse_place(
            2,
            {
                "kind": "楼栋",
                "code": " B1 ",
                "name": "1栋",
                "grid": "G",
                "road": "R",
                "households": "12.0",
            },
        )
        assert (row.kind, row.code, row.road, row.households) == ("building", "B1", "R", 12)

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"kind": "房子", "code": "x", "name": "n", "grid": "g"}, "类型须为"),
            ({"kind": "道路", "code": "", "name": "n", "grid": "g"}, "编码不能为空"),
            ({"kind": "道路", "code": "x", "name": "n", "grid": ""}, "网格编码不能为空"),
            (
                {"kind": "道路", "code": "x", "name": "n", "grid": "g", "road": "r"},
                "道路行不填道路编码",
            ),
            (
                {"kind": "楼栋", "code": "x", "name": "n", "grid": "g", "households": "-1"},
                "户数须在",
            ),
        ],
    )
    def test_bad_rows_say_why_in_chinese(self, raw: dict[str, str], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_place(3, raw)

    def test_headers_in_chinese_or_english(self) -> None:
        assert header_keys(["类型", "Code", "名称", "网格", "备注"]) == [
            "kind",
            "code",
            "name",
            "grid",
            None,
        ]


def _tree() -> AreaNode:
    def b(i: int, state: Coverage) -> BuildingCoverage:
        return BuildingCoverage(i, f"B{i}", f"{i}栋", 0, None, None, 0, 30, None, state, None)

    grids = [
        AreaNode(
            10 + g,
            f"G{g}",
            f"第{g}网格",
            "grid",
            buildings=[
                b(g * 10 + k, Coverage(s))
                for k, s in enumerate(("covered", "overdue", "unassigned")[: 1 + g % 3])
            ],
        )
        for g in range(5)
    ]
    community = AreaNode(2, "C1", "甲社区", "community", children=grids[:3])
    community2 = AreaNode(3, "C2", "乙社区", "community", children=grids[3:])
    street = AreaNode(1, "S1", "甲街道", "street", children=[community, community2])
    for node in (*grids, community, community2, street):
        c = Counts()
        for bc in _all(node):
            c = c.add(bc.state)
        node.counts = c
    return street


def _all(node: AreaNode) -> list[BuildingCoverage]:
    return [*node.buildings, *(b for child in node.children for b in _all(child))]


class TestMap:
    def test_children_tile_inside_their_parent(self) -> None:
        placed = {n.code: r for n, r in layout(_tree(), Rect(0, 0, 1000, 700))}
        for child, parent in (("C1", "S1"), ("C2", "S1"), ("G0", "C1"), ("G4", "C2")):
            c, p = placed[child], placed[parent]
            assert (
                p.x <= c.x
                and c.x + c.w <= p.x + p.w + 1e-6
                and p.y <= c.y
                and c.y + c.h <= p.y + p.h + 1e-6
            )

    def test_the_drawing_is_deterministic_and_colours_each_building(self) -> None:
        svg = render_svg(_tree())
        assert svg == render_svg(_tree())
        assert len(re.findall(r"data-building=", svg)) == len(_all(_tree()))
        for word in ("按期走访", "超期未走访", "无人包联", "甲街道网格覆盖图"):
            assert word in svg

    def test_names_are_escaped(self) -> None:
        tree = _tree()
        tree.children[0].name = "<script>"
        assert "<script>" not in render_svg(tree)

    def test_with_a_link_each_area_below_the_root_is_a_named_link(self) -> None:
        svg = render_svg(_tree(), link="/console/grassroots?area=")
        links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)"', svg)
        assert [href for href, _ in links] == [
            "/console/grassroots?area=C1",
            "/console/grassroots?area=C2",
        ]
        assert all("覆盖率" in label for _, label in links)
        assert 'role="group"' in svg and 'role="img"' not in svg
        assert "<a " not in render_svg(_tree())

    def test_a_linked_name_is_escaped_too(self) -> None:
        tree = _tree()
        tree.children[0].name = '"><script>'
        assert "<script>" not in render_svg(tree, link="/x?area=")


class TestHouseholdRows:
    def test_a_household_row_needs_its_building_not_its_grid(self) -> None:
        row = parse_place(
            3,
            {
                "kind": "住户",
                "code": "H1",
                "name": "2单元301",
                "building": "B1",
                "head_name": "王建国",
                "head_phone": "139-1234-5678",
                "members": "3",
            },
        )
        assert (row.kind, row.building, row.grid, row.members) == ("household", "B1", "", 3)

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"name": "1", "building": ""}, "住户须填写楼栋编码"),
            ({"name": "", "building": "B"}, "住户名称（门牌）不能为空，且不超过60个字符"),
            ({"name": "1", "building": "B", "head_phone": "电话"}, "联系电话格式不正确"),
            ({"name": "1", "building": "B", "members": "多"}, "人口须为整数"),
            ({"name": "1", "building": "B", "members": "500"}, "人口须在0至200之间"),
        ],
    )
    def test_bad_household_rows_say_why(self, raw: dict[str, str], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_place(2, {"kind": "户", "code": "H", **raw})


class TestResponseRate:
    def test_answered_whistles_over_decided_ones(self) -> None:
        assert response_rate(0, 0) is None
        assert response_rate(4, 3) == 0.75


class TestHouseholdPrivacy:
    @staticmethod
    def _actor(role: Role, path: str | None) -> Actor:
        return Actor(
            staff_id=9,
            username="u",
            name="u",
            role=role,
            unit_id=1,
            unit_code="U",
            unit_kind="grid",
            unit_path=path,
        )

    def test_the_area_clear_coverers_masked_others_nothing(self) -> None:
        grid = "D/S1/C1/G1/"
        area = self._actor(Role.COMMUNITY_STAFF, "D/S1/C1/")
        elsewhere = self._actor(Role.COMMUNITY_STAFF, "D/S1/C2/")
        cadre = self._actor(Role.UNIT_HANDLER, "D/DEP/")
        leader = self._actor(Role.LEADER, None)
        name, phone = "欧阳娜娜", "13800138000"
        assert household_head(area, name, phone, grid_path=grid) == (name, phone)
        masked = household_head(cadre, name, phone, grid_path=grid, covers=True)
        assert masked[0] == "欧阳**" and masked[1] != phone and (masked[1] or "").endswith("8000")
        for reader in (elsewhere, leader, cadre):
            assert household_head(reader, name, phone, grid_path=grid) == (None, None)
