"""The privacy policy's pure parts: who reads what, and the free-text masker's catches and
its false positives."""

from __future__ import annotations

import pytest

from minyi.org.rules import Actor, Role
from minyi.privacy.rules import (
    UNLINKED_VIEW,
    Reader,
    Show,
    case_view,
    identity_hidden,
    looks_personal,
    mask_address,
    mask_id_card,
    mask_name,
    mask_phone,
    mask_text,
    oversight_view,
)


def actor(
    role: Role | None,
    code: str | None = "S01C03",
    path: str | None = "D/S01/S01C03/",
    unit_id: int = 7,
) -> Actor:
    return Actor(
        staff_id=1,
        username="u",
        name="u",
        role=role,
        unit_id=unit_id,
        unit_code=code,
        unit_kind=None,
        unit_path=path,
    )


def view(
    a: Actor,
    *,
    hidden: list[str] | None = None,
    handling: set[int] | None = None,
    confidential: bool = False,
    checked: bool = True,
):  # type: ignore[no-untyped-def]
    return case_view(
        a,
        hidden_from=hidden,
        handling_unit_ids=handling or set(),
        is_confidential=confidential,
        citizen_name="张三",
        checked=checked,
    )


class TestWhoReadsWhat:
    def test_accused_unit_and_units_under_it_see_no_identity(self) -> None:
        for a in (
            actor(Role.COMMUNITY_STAFF),
            actor(Role.GRID_STAFF, "S01C03G01", "D/S01/S01C03/S01C03G01/"),
        ):
            v = view(a, hidden=["S01C03"], handling={7})
            assert v.reader is Reader.ACCUSED
            assert (v.name, v.phone, v.id_card, v.attachments, v.text) == (Show.HIDDEN,) * 5
            assert v.address is Show.MASKED

    def test_the_street_above_the_accused_community_is_not_accused(self) -> None:
        assert (
            view(actor(Role.STREET_STAFF, "S01", "D/S01/"), hidden=["S01C03"]).reader
            is Reader.OVERSIGHT
        )

    def test_contact_roles_and_handling_units_see_clear(self) -> None:
        assert view(actor(Role.DISPATCHER, "D", "D/")).reader is Reader.CONTACT
        assert view(actor(Role.INTAKE_CLERK, "D", "D/")).reader is Reader.CONTACT
        assert (
            view(actor(Role.UNIT_HANDLER, "DEP1", "D/DEP1/"), handling={7}).reader is Reader.CONTACT
        )
        assert view(actor(Role.COMMUNITY_STAFF), handling={7}).reader is Reader.CONTACT

    def test_leaders_and_units_not_handling_see_masked_unless_their_unit_handles(self) -> None:
        for role in (
            Role.LEADER,
            Role.SUPERVISOR,
            Role.ADMIN,
            Role.STREET_STAFF,
            Role.UNIT_HANDLER,
        ):
            v = view(actor(role, "D", "D/"))
            assert v.reader is Reader.OVERSIGHT
            assert (
                v.show_phone("13800138000"),
                v.show_id_card("110101199003071233"),
                v.show_name("张三"),
            ) == ("138****8000", "1101**********1233", "张*")
        assert view(actor(Role.LEADER, "D", "D/"), handling={7}).reader is Reader.CONTACT

    def test_a_citizen_sees_no_personal_data(self) -> None:
        v = view(actor(None, None, None))
        assert v.reader is Reader.PUBLIC
        assert v.show_phone("13800138000") is None and v.show_address("幸福小区3栋") is None

    def test_confidential_hides_the_name_from_all_but_contact(self) -> None:
        assert view(actor(Role.LEADER, "D", "D/"), confidential=True).show_name("张三") is None
        assert (
            view(actor(Role.DISPATCHER, "D", "D/"), confidential=True).show_name("张三") == "张三"
        )

    def test_not_yet_checked_is_hidden_from_every_unit_level_reader(self) -> None:
        assert identity_hidden(Role.COMMUNITY_STAFF, "S01C04", "D/S01/S01C04/", None, checked=False)
        assert identity_hidden(Role.UNIT_HANDLER, "DEP1", "D/DEP1/", None, checked=False)
        assert not identity_hidden(Role.DISPATCHER, "D", "D/", None, checked=False)
        assert not identity_hidden(Role.COMMUNITY_STAFF, "S01C04", "D/S01/S01C04/", ["S01C03"])


class TestPhones:
    @pytest.mark.parametrize(
        "written",
        [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "1380 013 8000",
            "+86 13800138000",
            "+8613800138000",
            "0086-138-0013-8000",
            "８６１３８００１３８０００",
            "１３８００１３８０００",
            "１３８ ００１３ ８０００",
            "138－0013－8000",
        ],
    )
    def test_mobiles_written_any_way_are_masked(self, written: str) -> None:
        out = mask_text(f"我的电话{written}，请回电")
        assert out == "我的电话138****8000，请回电", written
        assert mask_text(f"电话{written}", hide=True) == "电话[电话已隐去]"

    @pytest.mark.parametrize(
        "written",
        [
            "0571-88886666",
            "057188886666",
            "(0571)88886666",
            "010-6655 4433",
            "０５７１－８８８８６６６６",
        ],
    )
    def test_landlines_with_area_code_are_masked(self, written: str) -> None:
        assert "8888" not in mask_text(f"座机{written}转") or "6666" not in mask_text(
            f"座机{written}"
        )
        assert mask_text(f"座机{written}", hide=True) == "座机[电话已隐去]"

    @pytest.mark.parametrize(
        "text",
        [
            "受理编号20261121-000001",
            "2026-11-21 来电",
            "2026年11月21日",
            "金额13800元",
            "欠薪138000.50元",
            "订单号202611211380013800",
            "共12栋楼",
            "车牌浙A12345",
            "面积120平方米",
            "工号 1380013",
            "编号 20261121000001",
        ],
    )
    def test_dates_amounts_and_tracking_numbers_are_not_phones(self, text: str) -> None:
        out = mask_text(text)
        assert "****" not in out and "[" not in out, out


class TestIdNumbers:
    @pytest.mark.parametrize(
        "written",
        [
            "110101199003071233",
            "11010119900307123X",
            "11010119900307123x",
            "110101 19900307 1233",
            "110101-19900307-1233",
            "１１０１０１１９９００３０７１２３３",
            "110101900307123",
        ],
    )
    def test_ids_are_masked(self, written: str) -> None:
        out = mask_text(f"身份证{written}。")
        assert "1990" not in out and "900307" not in out, out
        assert out.startswith("身份证1101") and out.endswith("。")
        assert mask_text(f"身份证{written}", hide=True) == "身份证[身份证号已隐去]"

    def test_an_order_number_without_a_birth_date_stays(self) -> None:
        assert mask_text("订单号123456789012345678") == "订单号123456789012345678"


class TestNamesAndAddresses:
    def test_own_name_and_surname_with_title(self) -> None:
        assert mask_text("张三反映，张先生说", names=["张三"]) == "张*反映，某先生说"
        assert mask_text("张三反映", names=["张三"], hide=True) == "某某反映"
        assert mask_text("欧阳娜娜女士来电", names=["欧阳娜娜"]) == "欧阳**女士来电"
        assert mask_text("李四来电", names=["张三"]) == "李四来电"
        assert mask_name("程先生") == "某先生"

    @pytest.mark.parametrize(
        ("written", "kept"),
        [
            ("幸福小区3栋2单元501室", "幸福小区"),
            ("幸福小区3幢501", "幸福小区"),
            ("人民路88号5号楼3单元302", "人民路88号"),
            ("阳光花园B座1203室", "阳光花园"),
            ("锦绣苑12-3-402", "锦绣苑"),
            ("新村三单元", "新村"),
            ("华庭7楼702号", "华庭"),
            ("幸福小区３栋２单元５０１室", "幸福小区"),
        ],
    )
    def test_flats_below_the_building_are_masked(self, written: str, kept: str) -> None:
        assert mask_address(written) == kept + "***"
        assert mask_text(f"住{written}，漏水") == f"住{kept}***，漏水"

    @pytest.mark.parametrize(
        "text", ["请于2026-12-05前办结", "回复期限2026-11-27", "截至2026-1-5共12件"]
    )
    def test_dates_with_dashes_are_not_flats(self, text: str) -> None:
        assert mask_text(text) == text

    def test_road_and_estate_alone_stay(self) -> None:
        assert mask_address("人民路88号幸福小区") == "人民路88号幸福小区"
        assert mask_text("两室一厅，一座桥") == "两室一厅，一座桥"


def test_masking_helpers_keep_their_shape() -> None:
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("１３９１２３４５６７８") == "139****5678"
    assert mask_id_card("110101199003071233") == "1101**********1233"
    assert mask_name("张三丰") == "张**"


class TestLooksPersonal:
    @pytest.mark.parametrize(
        "q", ["8000", "138 0013", "１３８００", "19900307", "0307123X", "3栋2单元", "B座", "张先生"]
    )
    def test_terms_that_could_be_personal(self, q: str) -> None:
        assert looks_personal(q)

    @pytest.mark.parametrize("q", ["噪音", "b9984f4fb9b2", "12", "幸福小区", "施工扰民"])
    def test_ordinary_terms(self, q: str) -> None:
        assert not looks_personal(q)


class TestTextsWithoutAReader:
    def test_the_oversight_view_masks_and_names_the_complainant(self) -> None:
        shown = oversight_view("张三").show_text("张三来电13912345678")
        assert shown == "张*来电139****5678"
        assert oversight_view("张三", is_confidential=True).name is Show.HIDDEN

    def test_text_on_no_case_has_its_numbers_and_flats_masked(self) -> None:
        assert (
            UNLINKED_VIEW.show_text("幸福小区3栋501室，电话13912345678")
            == "幸福小区***，电话139****5678"
        )
