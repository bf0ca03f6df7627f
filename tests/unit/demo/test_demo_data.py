"""The generated demo district, the demo event dictionary and the five-class mapping."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from minyi.demo.dictionary import build_dictionary
from minyi.demo.district import build_district
from minyi.taxonomy.five_classes import RULES_DOC, five_class_of
from shared_data import TAXONOMY_CSV

FIVE_CLASSES = {"投诉建议", "纠纷调解", "法律服务", "心理服务", "帮扶救助"}
ROLES = {
    "intake_clerk",
    "service_staff",
    "dispatcher",
    "unit_handler",
    "unit_head",
    "street_staff",
    "community_staff",
    "grid_staff",
    "leader",
    "supervisor",
    "admin",
}
CHANNEL_KINDS = {
    "hotline",
    "mailbox",
    "walk_in",
    "letter",
    "grid",
    "market",
    "reception",
    "miniprogram",
    "api",
    "import",
}


@pytest.fixture(scope="module")
def district() -> dict:
    return build_district()


@pytest.fixture(scope="module")
def units_by_code(district: dict) -> dict[str, dict]:
    return {u["code"]: u for u in district["units"]}


@pytest.fixture(scope="module")
def dictionary() -> list[dict]:
    return build_dictionary()


def _of_kind(district: dict, kind: str) -> list[dict]:
    return [u for u in district["units"] if u["kind"] == kind]


# --- district ------------------------------------------------------------------------------


def test_build_district_is_deterministic() -> None:
    assert build_district(7) == build_district(7)
    assert build_district(7) != build_district(8)


def test_unit_counts(district: dict) -> None:
    assert len(_of_kind(district, "district")) == 1
    assert len(_of_kind(district, "street")) == 10
    assert 80 <= len(_of_kind(district, "community")) <= 100
    assert 650 <= len(_of_kind(district, "grid")) <= 750
    assert 38 <= len(_of_kind(district, "department")) <= 45
    assert len(_of_kind(district, "site")) > 10


def test_communities_per_street(district: dict) -> None:
    per_street = Counter(u["parent"] for u in _of_kind(district, "community"))
    assert set(per_street) == {f"S{i:02d}" for i in range(1, 11)}
    assert all(7 <= n <= 11 for n in per_street.values())


def test_unit_codes_unique_and_parents_exist(district: dict, units_by_code: dict) -> None:
    codes = [u["code"] for u in district["units"]]
    assert len(codes) == len(set(codes))
    allowed_parent_kinds = {
        "district": {None},
        "street": {"district"},
        "community": {"street"},
        "grid": {"community"},
        "department": {"district"},
        "site": {"street", "community"},
    }
    for u in district["units"]:
        parent_kind = units_by_code[u["parent"]]["kind"] if u["parent"] is not None else None
        assert parent_kind in allowed_parent_kinds[u["kind"]], u


def test_fixed_codes_and_names(units_by_code: dict) -> None:
    assert units_by_code["D"]["kind"] == "district"
    assert units_by_code["D"]["parent"] is None
    assert units_by_code["D"]["name"].endswith("区")
    assert units_by_code["DEP_XFJ"]["kind"] == "department"
    assert "信访局" in units_by_code["DEP_XFJ"]["name"]
    assert units_by_code["DISPATCH"]["kind"] == "department"
    assert all(f"S{i:02d}-SITE" in units_by_code for i in range(1, 11))
    patterns = {"street": r"S\d\d", "community": r"S\d\dC\d\d", "grid": r"S\d\dC\d\dG\d\d"}
    for u in units_by_code.values():
        pattern = patterns.get(u["kind"])
        if pattern:
            assert re.fullmatch(pattern, u["code"]), u
            assert u["kind"] == "street" or u["code"].startswith(u["parent"]), u


def test_names_unique_within_parent(district: dict) -> None:
    seen = Counter((u["parent"], u["name"]) for u in district["units"])
    assert max(seen.values()) == 1
    assert all(u["name"].endswith("街道") for u in _of_kind(district, "street"))
    assert all(u["name"].endswith("社区") for u in _of_kind(district, "community"))
    assert all("网格" in u["name"] for u in _of_kind(district, "grid"))


def test_staff(district: dict, units_by_code: dict) -> None:
    staff = district["staff"]
    usernames = [s["username"] for s in staff]
    assert len(usernames) == len(set(usernames))
    by_username = {s["username"]: s for s in staff}
    for s in staff:
        assert re.fullmatch(r"[a-z0-9._]+", s["username"]), s
        assert s["role"] in ROLES
        assert s["unit"] in units_by_code
        assert re.fullmatch(r"13\d{9}", s["phone"])
        assert 2 <= len(s["name"]) <= 3
        assert all(a in units_by_code for a in s["areas"])
    fixed = {
        "admin": ("admin", "D"),
        "clerk": ("intake_clerk", "DISPATCH"),
        "dispatcher": ("dispatcher", "DISPATCH"),
        "secretary": ("leader", "D"),
        "mayor": ("leader", "D"),
    }
    for username, (role, unit) in fixed.items():
        assert (by_username[username]["role"], by_username[username]["unit"]) == (role, unit)
    assert by_username["supervisor"]["role"] == "supervisor"
    for street in _of_kind(district, "street"):
        for kind in ("mediator", "lawyer", "counsellor"):
            person = by_username[f"{street['code'].lower()}.{kind}"]
            assert (person["role"], person["unit"]) == ("service_staff", f"{street['code']}-SITE")
    assert by_username["secretary"]["areas"] == ["S01"]
    assert by_username["mayor"]["areas"] == ["S02"]
    for u in _of_kind(district, "department"):
        assert by_username[f"{u['code'].lower()}.head"]["role"] == "unit_head"
        assert by_username[f"{u['code'].lower()}.handler"]["role"] == "unit_handler"
    for u in _of_kind(district, "street"):
        assert by_username[f"{u['code'].lower()}.staff"]["role"] == "street_staff"
    for u in _of_kind(district, "community"):
        assert by_username[f"{u['code'].lower()}.staff"]["role"] == "community_staff"
        assert by_username[f"{u['code'].lower()}g01.staff"]["role"] == "grid_staff"
    assert len({s["phone"] for s in staff}) == len(staff)


def test_every_street_and_community_has_a_leader(district: dict) -> None:
    leaders = [s for s in district["staff"] if s["role"] == "leader"]
    assert len(leaders) >= 10
    linked = {a for s in leaders for a in s["areas"]}
    for u in _of_kind(district, "street") + _of_kind(district, "community"):
        assert u["code"] in linked, u


def test_channels(district: dict) -> None:
    channels = {c["code"]: c for c in district["channels"]}
    usernames = {s["username"] for s in district["staff"]}
    for code in (
        "hotline_12345",
        "mailbox_secretary",
        "mailbox_mayor",
        "mailbox_dep01",
        "walk_in",
        "letter",
        "grid",
        "market",
        "reception",
        "miniprogram",
        "api",
        "import",
    ):
        assert code in channels
    assert channels["mailbox_secretary"]["owner"] == "secretary"
    assert channels["mailbox_mayor"]["owner"] == "mayor"
    assert channels["mailbox_dep01"]["owner"] == "dep01.head"
    for c in channels.values():
        assert c["kind"] in CHANNEL_KINDS
        assert c["owner"] is None or c["owner"] in usernames
        assert c["allows_anonymous"] == (c["kind"] in {"hotline", "mailbox", "miniprogram"})


# --- event dictionary ----------------------------------------------------------------------


def test_dictionary_size_and_codes(dictionary: list[dict]) -> None:
    assert len(dictionary) >= 300
    codes = [r["code"] for r in dictionary]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"(TS|JF|FL|XL|BZ)-\d\d-\d\d-\d\d", c) for c in codes)


def test_dictionary_rows(dictionary: list[dict], units_by_code: dict) -> None:
    assert {r["class"] for r in dictionary} == FIVE_CLASSES
    for r in dictionary:
        assert all(str(r[k]).strip() for k in ("class", "level2", "level3", "level4")), r
        assert r["policy"] in {"10-30-24", "1-2-3", "xf-statutory"}
        assert r["lead_unit_kind"] in {"department", "street", "community"}
        if r["lead_unit_kind"] == "department":
            assert units_by_code[r["lead_unit"]]["kind"] == "department", r
        else:
            assert r["lead_unit"] is None
    leaves = Counter((r["class"], r["level2"], r["level3"], r["level4"]) for r in dictionary)
    assert max(leaves.values()) == 1
    assert {r["policy"] for r in dictionary} == {"10-30-24", "1-2-3", "xf-statutory"}


def test_dictionary_is_mostly_complaints_but_covers_all(dictionary: list[dict]) -> None:
    per_class = Counter(r["class"] for r in dictionary)
    assert per_class.most_common(1)[0][0] == "投诉建议"
    assert all(n >= 15 for n in per_class.values())


# --- five classes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("纪检监察", "贪污贿赂", "贪污"), "法律服务"),
        (("政法", "行政复议", "不服决定"), "法律服务"),
        (("政法", "仲裁与调解", "劳动仲裁"), "纠纷调解"),
        (("政法", "仲裁与调解", "生效法律文书执行"), "法律服务"),
        (("政法", "社会治安", "治安案件"), "投诉建议"),
        (("民政", "社会救助", "城镇低保"), "帮扶救助"),
        (("民政", "婚姻登记", ""), "投诉建议"),
        (("劳动和社会保障", "劳动关系", "劳动合同纠纷"), "纠纷调解"),
        (("劳动和社会保障", "工资福利", "工资发放"), "纠纷调解"),
        (("劳动和社会保障", "城镇职工社会保险", "职工养老保险"), "帮扶救助"),
        (("卫生计生", "公共卫生", "心理健康"), "心理服务"),
        (("城乡建设", "城市建设和市政管理", "园林绿化环卫"), "投诉建议"),
        (("帮扶救助", "", ""), "帮扶救助"),
        (("", "", ""), "投诉建议"),
    ],
)
def test_five_class_of_examples(row: tuple[str, str, str], expected: str) -> None:
    assert five_class_of(*row) == expected


def test_rules_doc_is_bilingual() -> None:
    assert "心理服务" in RULES_DOC
    assert "everything else" in RULES_DOC


@pytest.mark.skipif(not TAXONOMY_CSV.exists(), reason=f"shared file absent: {TAXONOMY_CSV}")
def test_five_class_of_covers_shared_taxonomy() -> None:
    with TAXONOMY_CSV.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    hits = Counter(five_class_of(r["level1"], r["level2"], r["level3"]) for r in rows)
    assert set(hits) <= FIVE_CLASSES
    assert set(hits) == FIVE_CLASSES, hits
