from __future__ import annotations

import pytest
import yaml

from minyi.core import safe_yaml
from minyi.core.digits import ascii_digits


class TestSafeYaml:
    def test_an_ordinary_document_with_a_few_aliases_loads(self) -> None:
        assert safe_yaml.load("base: &b {a: 1}\nx: *b\ny: *b\n") == {
            "base": {"a": 1},
            "x": {"a": 1},
            "y": {"a": 1},
        }

    def test_an_alias_bomb_is_refused_before_it_is_walked(self) -> None:
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        lines += [
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(9)
        ]
        with pytest.raises(yaml.YAMLError, match=r"aliases|expand"):
            safe_yaml.load("\n".join(lines))

    def test_python_tags_are_refused(self) -> None:
        with pytest.raises(yaml.YAMLError):
            safe_yaml.load("!!python/object/apply:os.system ['true']")

    def test_an_oversized_document_is_refused(self) -> None:
        with pytest.raises(yaml.YAMLError, match="longer"):
            safe_yaml.load("a: " + "x" * (safe_yaml.MAX_CHARS + 1))


class TestAsciiDigits:
    @pytest.mark.parametrize(
        ("typed", "ascii_"),
        [("５６７８", "5678"), ("٥٦٧٨", "5678"), ("१२३४", "1234"), ("12ab", "12ab")],
    )
    def test_any_scripts_digits_become_ascii(self, typed: str, ascii_: str) -> None:
        assert ascii_digits(typed) == ascii_
