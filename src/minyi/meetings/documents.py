"""The minutes (会议纪要) of a joint meeting as a .docx in the layout of a Chinese official
document: the title centred, then time, place, convener and attending units, then one section
per case (summary, decision, tasks with their units and deadlines in a table). Only font names
are written (SimSun titles, FangSong text), as for the supervision letters."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from minyi.supervision.documents import TEXT_FONT, TITLE_FONT, chinese_date

HEAD_FONT = "SimHei"  # 黑体, for the first-level headings (一、二、)
TITLE_PT, TEXT_PT, TABLE_PT = 22, 16, 12  # 二号, 三号, 小四
LINE_PT = 28
NUMERALS = "一二三四五六七八九十"


def chinese_time(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def minutes_lines(meeting: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The wording, before layout (what the tests read beside the file itself)."""
    convener = meeting["convener"]
    who = convener["name"] + (f"（{convener['title']}）" if convener.get("title") else "")
    sections = []
    for item in meeting["items"]:
        tasks = [
            [t["unit_name"], t["text"] or "", chinese_time(t["deadline"], tz)]
            for t in item["tasks"]
        ]
        sections.append(
            {
                "heading": f"{numeral(item['number'])}、{item['title']}（{item['tracking_no']}）",
                "summary": item["summary"],
                "reasons": item["reasons"] or "",
                "decision": item["decision"] or "会议未作议定。",
                "tasks": tasks,
            }
        )
    return {
        "title": f"{meeting['level_label']}纪要",
        "subtitle": meeting["title"],
        "facts": [
            ("时间", chinese_time(meeting["starts_at"], tz)),
            ("地点", meeting["place"]),
            ("召集人", who),
            ("参会单位", "、".join(m["name"] for m in meeting["members"]) or "无"),
        ],
        "sections": sections,
        # 落款: who issues the minutes, dated the day of the meeting.
        "issuer": meeting["street_name"] or "区信联办",
        "date": chinese_date(meeting["starts_at"].astimezone(tz).date()),
    }


def render_minutes(meeting: dict[str, Any], *, tz: ZoneInfo, made_at: datetime) -> bytes:
    text = minutes_lines(meeting, tz)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = TEXT_FONT, Pt(TEXT_PT)
    _east_asian(normal.element.get_or_add_rPr(), TEXT_FONT)

    _line(
        doc,
        text["title"],
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=TITLE_PT,
        bold=True,
    )
    _line(doc, text["subtitle"], align=WD_ALIGN_PARAGRAPH.CENTER)
    _line(doc, "")
    for label, value in text["facts"]:
        _line(doc, f"{label}：{value}", indent=True)
    _line(doc, "")
    _line(doc, "会议研究了以下疑难信访事项，议定如下：", indent=True)
    for s in text["sections"]:
        _line(doc, s["heading"], font=HEAD_FONT, indent=True)
        if s["reasons"]:
            _line(doc, f"列入原因：{s['reasons']}。", indent=True)
        _line(doc, f"基本情况：{s['summary']}", indent=True)
        _line(doc, f"会议议定：{s['decision']}", indent=True)
        if s["tasks"]:
            _line(doc, "任务分工：", indent=True)
            _table(doc, ["责任单位", "任务", "办理时限"], s["tasks"])
    _line(doc, "")
    _line(doc, "各责任单位须在时限内办结并在平台反馈办理结果。", indent=True)
    _line(doc, "")
    _line(doc, text["issuer"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    _line(doc, text["date"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)

    props = doc.core_properties
    props.title, props.author = text["title"], "民意速办"
    props.created = props.modified = made_at.replace(tzinfo=None)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _line(
    doc: Any,
    text: str,
    *,
    align: Any = WD_ALIGN_PARAGRAPH.LEFT,
    font: str = TEXT_FONT,
    size: int = TEXT_PT,
    bold: bool = False,
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
        _run(paragraph, text, font, size, bold)
    return paragraph


def _run(paragraph: Paragraph, text: str, font: str, size: int, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    _east_asian(run._element.get_or_add_rPr(), font)


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, value in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cell.paragraphs[0], value, HEAD_FONT, TABLE_PT)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _run(cell.paragraphs[0], value, TEXT_FONT, TABLE_PT)
    for row in table.rows:
        for cell, width in zip(row.cells, (Cm(4.0), Cm(8.6), Cm(3.0)), strict=True):
            cell.width = width


def _east_asian(rpr: Any, font: str) -> None:
    """Chinese characters take the eastAsia font; without it Word falls back to its default."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)
