from __future__ import annotations

import pytest

from minyi.intake.rules import check_id_card, normalise_phone


class TestNormalisePhone:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("13812345678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("0086 13812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("0755-83456789", "075583456789"),
            ("(010) 6512 3456", "01065123456"),
        ],
    )
    def test_accepts_mainland_numbers(self, raw: str, expected: str) -> None:
        assert normalise_phone(raw) == expected

    @pytest.mark.parametrize("raw", ["12345", "12812345678", "abc", "138123456789", ""])
    def test_refuses_others(self, raw: str) -> None:
        with pytest.raises(ValueError, match="号码"):
            normalise_phone(raw)


class TestIdCard:
    def test_accepts_a_valid_checksum(self) -> None:
        # The GB 11643 worked example.
        assert check_id_card("11010519491231002x") == "11010519491231002X"

    def test_refuses_a_wrong_check_digit(self) -> None:
        with pytest.raises(ValueError, match="校验位"):
            check_id_card("110105194912310021")

    def test_refuses_wrong_length(self) -> None:
        with pytest.raises(ValueError, match="18位"):
            check_id_card("1101051949123100")


class TestDigitsAsTyped:
    """Full-width and other scripts' digits are the same number, stored in ASCII."""

    @pytest.mark.parametrize(
        "raw", ["１３８ １２３４ ５６７８", "+８６ 138-1234-5678", "٠١٣٨١٢٣٤٥٦٧٨"[1:]]
    )
    def test_phone_in_any_digits_is_stored_ascii(self, raw: str) -> None:
        assert normalise_phone(raw) == "13812345678"

    @pytest.mark.parametrize("raw", ["abc", "13812345678x", "+1 212 555 0100", "\x00"])
    def test_phone_that_is_not_a_number_is_refused(self, raw: str) -> None:
        with pytest.raises(ValueError, match="电话"):
            normalise_phone(raw)

    def test_full_width_id_card_is_stored_ascii(self) -> None:
        assert check_id_card("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"

    def test_id_card_with_impossible_birth_date_is_refused(self) -> None:
        with pytest.raises(ValueError, match="身份证"):
            check_id_card("110105194913310023")
