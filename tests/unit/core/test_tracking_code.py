"""The tracking code's form: what a citizen may type for it, and what is stored of it."""

from __future__ import annotations

import re
from collections import Counter

from minyi.core.ids import (
    CODE_ALPHABET,
    new_tracking_code,
    normalise_tracking_code,
    tracking_code_digest,
)

FULL_WIDTH = str.maketrans(
    CODE_ALPHABET + "-", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＭＮＰＱＲＳＴＶＷＸＹＺ－"
)


class TestNewCode:
    def test_twelve_unambiguous_symbols_in_three_groups(self) -> None:
        code, digest = new_tracking_code()
        assert re.fullmatch(rf"[{CODE_ALPHABET}]{{4}}(-[{CODE_ALPHABET}]{{4}}){{2}}", code)
        assert digest == tracking_code_digest(code) and code.replace("-", "") not in digest

    def test_every_symbol_is_used(self) -> None:
        seen = Counter(c for _ in range(2000) for c in new_tracking_code()[0] if c != "-")
        assert set(seen) == set(CODE_ALPHABET)


class TestTypedCode:
    def test_case_spaces_dashes_and_full_width_do_not_matter(self) -> None:
        code, digest = new_tracking_code()
        for typed in (
            code.lower(),
            code.replace("-", ""),
            f" {code.replace('-', ' ')} ",
            code.translate(FULL_WIDTH),
        ):
            assert tracking_code_digest(typed) == digest, typed

    def test_misread_letters_are_read_as_digits(self) -> None:
        assert normalise_tracking_code("o1il-2345-6789") == "011123456789"

    def test_what_cannot_be_a_code_is_none(self) -> None:
        for typed in ("1234", "U" * 12, "ABCD-EFGH-JKM", "ABCD-EFGH-JKMN-P", "ABCD-EFGH-JKM!", ""):
            assert normalise_tracking_code(typed) is None and tracking_code_digest(typed) is None
