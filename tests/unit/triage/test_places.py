"""Place finding on a small hand-made district: full names, short forms, grids, admin names,
ambiguity and contradictions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.scan import Matcher
from minyi.triage.places.values import NamedPlace, PlaceCandidate, RegistryUnit, chinese_number

UNITS = [
    ("D", "汀澜区", "district", None),
    ("S01", "青松街道", "street", "D"),
    ("S02", "翠湖街道", "street", "D"),
    ("S01C01", "竹林社区", "community", "S01"),
    ("S01C02", "杨柳社区", "community", "S01"),
    ("S02C01", "太平社区", "community", "S02"),
    ("S02C02", "花园社区", "community", "S02"),
    ("S01C01G01", "竹林社区第1网格", "grid", "S01C01"),
    ("S01C01G02", "竹林社区第2网格", "grid", "S01C01"),
    ("S02C01G01", "太平社区第1网格", "grid", "S02C01"),
    ("DEP01", "区住房和建设局", "department", "D"),
]
ENTRIES = [
    NamedPlace("云栖花园", "estate", "S01C01G02"),
    NamedPlace("滨江路", "road", "S01C01"),
    NamedPlace("滨江路", "road", "S02C01"),
    NamedPlace("翠湖公园", "landmark", "S02C01"),
    NamedPlace("住建局宿舍", "estate", "DEP01"),  # not an area: ignored by place finding
]


def registry(inactive: frozenset[str] = frozenset()) -> list[RegistryUnit]:
    ids = {code: n for n, (code, *_rest) in enumerate(UNITS, start=1)}
    return [
        RegistryUnit(ids[code], code, name, kind, ids.get(parent or ""), code not in inactive)
        for code, name, kind, parent in UNITS
    ]


GAZETTEER = Gazetteer.build(registry(), ENTRIES)


def places(candidates: list[PlaceCandidate]) -> list[tuple[str | None, str | None, str | None]]:
    return [(c.street, c.community, c.grid) for c in candidates]


class TestFullNames:
    def test_street_and_community_in_the_address_give_one_certain_place(self) -> None:
        found = GAZETTEER.find_place("楼道灯坏了", "汀澜区青松街道竹林社区长青路12号")
        assert places(found) == [("S01", "S01C01", None)]
        assert found[0].score == 1.0

    def test_a_street_alone_is_a_weak_reading(self) -> None:
        found = GAZETTEER.find_place(None, "青松街道")
        assert places(found) == [("S01", None, None)]
        assert found[0].score < 0.5

    def test_a_full_grid_name_gives_its_community_and_street(self) -> None:
        found = GAZETTEER.find_place("竹林社区第2网格有人占道经营")
        assert places(found)[0] == ("S01", "S01C01", "S01C01G02")

    def test_a_grid_number_refines_the_community_named_elsewhere(self) -> None:
        assert places(GAZETTEER.find_place("第2网格路灯不亮", "竹林社区"))[0] == (
            "S01",
            "S01C01",
            "S01C01G02",
        )

    def test_grid_numbers_in_chinese_and_full_width_digits(self) -> None:
        assert places(GAZETTEER.find_place("竹林社区第二网格"))[0][2] == "S01C01G02"
        assert places(GAZETTEER.find_place("竹林社区第２网格"))[0][2] == "S01C01G02"

    def test_a_grid_number_alone_names_no_place(self) -> None:
        assert GAZETTEER.find_place("第2网格路灯不亮") == []

    def test_office_forms_of_the_names(self) -> None:
        assert places(GAZETTEER.find_place("去了青松街道办事处和竹林居委会"))[0] == (
            "S01",
            "S01C01",
            None,
        )

    def test_no_place_name_gives_no_candidate(self) -> None:
        assert GAZETTEER.find_place("小区垃圾没人清运", "") == []

    def test_evidence_points_into_the_original_strings(self) -> None:
        address = "汀澜区青松街道竹林社区"
        (found,) = GAZETTEER.find_place(None, address)
        assert {(e.source, address[e.start : e.end], e.unit_code) for e in found.evidence} == {
            ("address", "青松街道", "S01"),
            ("address", "竹林社区", "S01C01"),
        }


class TestShortForms:
    def test_short_forms_chain_in_an_address(self) -> None:
        found = GAZETTEER.find_place(None, "青松竹林5栋")
        assert places(found)[0] == ("S01", "S01C01", None)
        assert {e.name_kind for e in found[0].evidence} == {"short"}

    def test_a_short_form_before_a_locality_word(self) -> None:
        assert places(GAZETTEER.find_place("我家在竹林村这边"))[0][1] == "S01C01"

    def test_a_short_form_inside_another_name_is_not_a_place(self) -> None:
        # 花园 is the short form of 花园社区, but here it is part of an estate's name.
        assert GAZETTEER.find_place("城市绿洲花园小区门口垃圾中转站臭味很大") == []
        assert GAZETTEER.find_place("竹林花园物业乱收费") == []

    def test_short_forms_count_less_than_full_names(self) -> None:
        (short,) = GAZETTEER.find_place(None, "青松竹林")
        (full,) = GAZETTEER.find_place(None, "青松街道竹林社区")
        assert short.score < full.score


class TestAdminNames:
    def test_an_estate_resolves_to_its_grid(self) -> None:
        found = GAZETTEER.find_place("我家住在云栖花园3栋，楼下烧烤噪音扰民")
        assert places(found)[0] == ("S01", "S01C01", "S01C01G02")
        assert found[0].evidence[0].name_kind == "estate"

    def test_a_road_through_two_communities_gives_two_equal_candidates(self) -> None:
        found = GAZETTEER.find_place("滨江路上有个大坑")
        assert sorted(places(found)) == [("S01", "S01C01", None), ("S02", "S02C01", None)]
        assert found[0].score == found[1].score < 0.5

    def test_the_street_named_with_the_road_ranks_its_community_first(self) -> None:
        found = GAZETTEER.find_place("滨江路上有个大坑", "翠湖街道")
        assert places(found)[0] == ("S02", "S02C01", None)
        assert found[0].score > found[1].score

    def test_names_outside_the_area_tree_are_ignored(self) -> None:
        assert GAZETTEER.find_place("住建局宿舍漏水") == []

    def test_inactive_units_are_not_offered(self) -> None:
        gazetteer = Gazetteer.build(registry(frozenset({"S01C01"})), ENTRIES)
        assert all(c.community != "S01C01" for c in gazetteer.find_place("竹林社区滨江路"))


class TestContradictions:
    def test_a_community_outside_the_named_street_gives_ranked_readings(self) -> None:
        found = GAZETTEER.find_place("翠湖街道竹林社区门口")
        assert places(found) == [("S01", "S01C01", None), ("S02", None, None)]
        assert found[0].score > found[1].score > 0

    def test_the_address_outweighs_a_place_mentioned_in_the_text(self) -> None:
        text = "上周去翠湖公园玩，回来发现家门口占道经营"
        assert places(GAZETTEER.find_place(text))[0] == ("S02", "S02C01", None)
        assert places(GAZETTEER.find_place(text, "青松街道竹林社区"))[0] == ("S01", "S01C01", None)

    def test_a_repeated_name_is_one_piece_of_evidence(self) -> None:
        once = GAZETTEER.find_place("滨江路有坑", "翠湖街道")
        twice = GAZETTEER.find_place("滨江路有坑，滨江路真的有坑，滨江路", "翠湖街道")
        assert [c.score for c in once] == [c.score for c in twice]


class TestLookups:
    def test_area_of_a_grid(self) -> None:
        place = GAZETTEER.area_of("S01C01G02")
        assert (place.street, place.community, place.grid) == ("S01", "S01C01", "S01C01G02")
        assert GAZETTEER.area_of("DEP01").street is None
        assert GAZETTEER.name_of("S02") == "翠湖街道"

    def test_chinese_numbers(self) -> None:
        assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 35, 99)] == [
            "一",
            "九",
            "十",
            "十二",
            "二十",
            "三十五",
            "九十九",
        ]


def _leftmost_longest(words: list[str], text: str) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < len(text):
        best = max((w for w in words if text.startswith(w, i)), key=len, default=None)
        if best:
            out.append((i, i + len(best)))
            i += len(best)
        else:
            i += 1
    return out


class TestMatcher:
    @given(
        st.lists(st.text("abc", min_size=1, max_size=4), min_size=1, max_size=6, unique=True),
        st.text("abcd", max_size=20),
    )
    def test_leftmost_longest_without_overlaps(self, words: list[str], text: str) -> None:
        hits = Matcher(dict.fromkeys(words, 0)).scan(text)
        assert [(h.start, h.end) for h in hits] == _leftmost_longest(words, text)

    def test_an_empty_matcher_finds_nothing(self) -> None:
        assert Matcher({}).scan("任何文字") == []
