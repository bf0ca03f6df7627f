"""Every template parses, and the environment escapes by default (also for inline strings)."""

from __future__ import annotations

import pytest

from minyi.web.i18n import TEXT, Translator
from minyi.web.pages import HERE, env

TEMPLATES = sorted(
    str(p.relative_to(HERE / "templates")) for p in (HERE / "templates").rglob("*.html")
)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_compiles(name: str) -> None:
    env.get_template(name)


def test_autoescape_is_on_for_files_and_strings() -> None:
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"


def test_every_ui_word_has_both_languages() -> None:
    assert all(zh and en for zh, en in TEXT.values())
    assert Translator("en").status("signed_for") == "Signed for"
    assert Translator("zh-CN").status("signed_for") == "已签收"
