"""The PDF renderer remembers recent documents by the hash of their HTML: an unchanged one comes
back without being set again (the very bytes of the first render), a changed one is rendered."""

from __future__ import annotations

import pytest
from weasyprint import HTML

from minyi.core import pdf

PAGE = "<html><body><h1>调解协议书</h1><p>{}</p></body></html>"


def test_an_unchanged_document_is_not_rendered_again() -> None:
    first = pdf.html_to_pdf(PAGE.format("双方自愿达成协议。"))
    again = pdf.html_to_pdf(PAGE.format("双方自愿达成协议。"))
    assert again is first  # served from memory
    assert first == bytes(HTML(string=PAGE.format("双方自愿达成协议。")).write_pdf())


def test_a_changed_document_is_rendered() -> None:
    one = pdf.html_to_pdf(PAGE.format("甲方赔偿乙方一千元。"))
    other = pdf.html_to_pdf(PAGE.format("甲方赔偿乙方两千元。"))
    assert other != one and other.startswith(b"%PDF")


def test_only_the_last_few_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "KEEP", 2)
    first = pdf.html_to_pdf(PAGE.format("第0份"))
    for n in range(1, pdf.KEEP + 1):
        pdf.html_to_pdf(PAGE.format(f"第{n}份"))
    assert pdf.html_to_pdf(PAGE.format("第0份")) is not first
