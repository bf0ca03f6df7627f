"""Render a letter as a .docx in the layout of a Chinese official letter (GB/T 9704, simplified):
the masthead and number centred, a rule, the title centred, the addressee, the body, then the
issuing unit and the date right-aligned. Wording per kind lives in `templates/<kind>.toml`.

Only font names are written (SimSun for titles, FangSong for text): Word and WPS on the
reader's machine supply the fonts; nothing is embedded or downloaded."""

from __future__ import annotations

import functools
import io
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from minyi.supervision.rules import RIGHT_ZH, LetterKind, SuggestionRight

TITLE_FONT = "SimSun"  # 宋体 (the 小标宋 of the standard is rarely installed)
TEXT_FONT = "FangSong"  # 仿宋
MASTHEAD_PT, TITLE_PT, TEXT_PT = 26, 22, 16  # 一号, 二号, 三号
LINE_PT = 28  # fixed line spacing: 22 lines a page at 三号
RED = RGBColor(0xC0, 0x00, 0x00)


@dataclass(frozen=True)
class LetterText:
    kind: LetterKind
    number: str
    masthead_district: str
    title: str
    addressee: str
    body: str
    issuer: str
    issued_on: date
    subject: str
    right: SuggestionRight | None = None
    reply_by: date | None = None


@functools.cache
def template(kind: LetterKind) -> dict[str, Any]:
    text = (
        resources.files("minyi.supervision")
        .joinpath("templates", f"{kind.value}.toml")
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def paragraphs(letter: LetterText) -> dict[str, Any]:
    """The wording, before layout: what the tests and the preview read."""
    t = template(letter.kind)
    values = {
        "addressee": letter.addressee,
        "subject": letter.subject,
        "issuer": letter.issuer,
        "number": letter.number,
        "right": RIGHT_ZH[letter.right] if letter.right else "",
        "reply_by": chinese_date(letter.reply_by) if letter.reply_by else "",
    }
    body = [line.strip() for line in letter.body.splitlines() if line.strip()]
    opening = t["opening"].format(**values)
    closing = (t["closing_with_reply"] if letter.reply_by else t["closing"]).format(**values)
    return {
        "masthead": f"{letter.masthead_district}{t['heading']}",
        "number": letter.number,
        "title": letter.title,
        "addressee": f"{letter.addressee}：",
        "body": [p for p in (opening, *body, closing, t["sign_off"]) if p],
        "issuer": letter.issuer,
        "date": chinese_date(letter.issued_on),
    }


def official_document() -> Any:
    """An empty A4 document in the layout of official documents (GB/T 9704 margins, 仿宋 三号
    text); the district's letters and the joint meetings' minutes start from it."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = TEXT_FONT, Pt(TEXT_PT)
    east_asian(normal.element.get_or_add_rPr(), TEXT_FONT)
    return doc


def render_docx(letter: LetterText, *, issued_at: datetime) -> bytes:
    text = paragraphs(letter)
    doc = official_document()

    line(
        doc,
        text["masthead"],
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=MASTHEAD_PT,
        bold=True,
        color=RED,
    )
    number = line(doc, text["number"], align=WD_ALIGN_PARAGRAPH.CENTER)
    _rule_below(number)
    line(doc, "")
    line(
        doc,
        text["title"],
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=TITLE_PT,
        bold=True,
    )
    line(doc, "")
    line(doc, text["addressee"])
    for body in text["body"]:
        line(doc, body, indent=True)
    line(doc, "")
    line(doc, "")
    line(doc, text["issuer"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    line(doc, text["date"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)

    props = doc.core_properties
    props.title, props.subject, props.author = text["title"], letter.number, letter.issuer
    props.last_modified_by, props.keywords = letter.issuer, letter.kind.value
    props.created = props.modified = issued_at.replace(tzinfo=None)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def line(
    doc: Any,
    text: str,
    *,
    align: WD_PARAGRAPH_ALIGNMENT = WD_ALIGN_PARAGRAPH.LEFT,
    font: str = TEXT_FONT,
    size: int = TEXT_PT,
    bold: bool = False,
    color: RGBColor | None = None,
    indent: bool = False,
    right_chars: int = 0,
) -> Paragraph:
    paragraph: Paragraph = doc.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(max(LINE_PT, size + 6))
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # 首行缩进两字
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    if text:
        run = paragraph.add_run(text)
        run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
        if color is not None:
            run.font.color.rgb = color
        east_asian(run._element.get_or_add_rPr(), font)
    return paragraph


def east_asian(rpr: Any, font: str) -> None:
    """Chinese characters take the eastAsia font; without it Word falls back to its default."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)


def _rule_below(paragraph: Paragraph) -> None:
    """The red rule under the masthead (版头分隔线)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "12"),
        ("w:space", "6"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)
