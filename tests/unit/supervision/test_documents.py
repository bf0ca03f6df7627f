"""The letter as a .docx: the official layout, the fonts, the wording per kind."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from minyi.supervision.documents import LetterText, chinese_date, paragraphs, render_docx
from minyi.supervision.rules import LetterKind, SuggestionRight, letter_title


def letter(
    kind: LetterKind = LetterKind.REMINDER,
    right: SuggestionRight | None = None,
    reply_by: date | None = date(2026, 11, 27),
) -> LetterText:
    subject = "城市绿洲花园垃圾中转站臭味扰民问题"
    return LetterText(
        kind=kind,
        number="汀澜信督提〔2026〕7号",
        masthead_district="汀澜区",
        title=letter_title(kind, subject, right),
        addressee="区住房和建设局",
        body="该件已超期两日未答复。\n\n请加快办理。",
        issuer="汀澜区委督查室",
        issued_on=date(2026, 11, 20),
        subject=subject,
        right=right,
        reply_by=reply_by,
    )


def opened(data: bytes) -> list[tuple[str, object]]:
    return [(p.text, p) for p in Document(io.BytesIO(data)).paragraphs]


class TestLayout:
    def test_order_of_the_parts(self) -> None:
        texts = [
            t
            for t, _ in opened(
                render_docx(letter(), issued_at=datetime(2026, 11, 20, 2, tzinfo=UTC))
            )
            if t
        ]
        assert texts[0] == "汀澜区信访工作提醒函"
        assert texts[1] == "汀澜信督提〔2026〕7号"
        assert texts[2] == "关于城市绿洲花园垃圾中转站臭味扰民问题的提醒函"
        assert texts[3] == "区住房和建设局："
        assert "该件已超期两日未答复。" in texts
        assert "请加快办理。" in texts
        assert texts[-2:] == ["汀澜区委督查室", "2026年11月20日"]

    def test_title_centred_signature_right_aligned(self) -> None:
        paras = {
            t: p
            for t, p in opened(
                render_docx(letter(), issued_at=datetime(2026, 11, 20, 2, tzinfo=UTC))
            )
            if t
        }
        assert (
            paras["关于城市绿洲花园垃圾中转站臭味扰民问题的提醒函"].alignment
            == WD_ALIGN_PARAGRAPH.CENTER
        )  # type: ignore[attr-defined]
        assert paras["汀澜信督提〔2026〕7号"].alignment == WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
        assert paras["汀澜区委督查室"].alignment == WD_ALIGN_PARAGRAPH.RIGHT  # type: ignore[attr-defined]
        assert paras["2026年11月20日"].alignment == WD_ALIGN_PARAGRAPH.RIGHT  # type: ignore[attr-defined]

    def test_chinese_fonts_are_named(self) -> None:
        doc = Document(
            io.BytesIO(render_docx(letter(), issued_at=datetime(2026, 11, 20, 2, tzinfo=UTC)))
        )
        fonts = {}
        for p in doc.paragraphs:
            for run in p.runs:
                fonts[p.text] = run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
        assert fonts["关于城市绿洲花园垃圾中转站臭味扰民问题的提醒函"] == "SimSun"
        assert fonts["区住房和建设局："] == "FangSong"
        assert doc.core_properties.subject == "汀澜信督提〔2026〕7号"


class TestWording:
    def test_reply_date_in_the_closing(self) -> None:
        body = paragraphs(letter())["body"]
        assert "于2026年11月27日前将办理情况书面反馈汀澜区委督查室" in body[-2]
        assert body[-1] == "特此提醒。"

    def test_without_a_reply_date(self) -> None:
        assert all("前将" not in p for p in paragraphs(letter(reply_by=None))["body"])

    @pytest.mark.parametrize(
        ("right", "words"),
        [
            (SuggestionRight.ACCOUNTABILITY, "追究责任"),
            (SuggestionRight.IMPROVE_POLICY, "完善政策"),
        ],
    )
    def test_suggestion_names_the_right(self, right: SuggestionRight, words: str) -> None:
        text = paragraphs(letter(LetterKind.SUGGESTION, right))
        assert f"信访部门提出{words}建议" in text["body"][0]
        assert text["title"].endswith(f"的{words}建议函")
        assert text["masthead"] == "汀澜区信访工作建议函"

    def test_notice(self) -> None:
        text = paragraphs(letter(LetterKind.NOTICE, reply_by=None))
        assert text["body"][-1] == "特此通报。"

    def test_chinese_date(self) -> None:
        assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
