"""The minutes (会议纪要) of a joint meeting as a .docx in the layout of a Chinese official
document: the title centred, then time, place, convener and attending units, then one section
per case (summary, decision, tasks with their units and deadlines in a table). Only font names
are written (SimSun titles, FangSong text), as for the supervision letters."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from minyi.supervision.documents import (
    TEXT_FONT,
    TITLE_FONT,
    chinese_date,
    east_asian,
    line,
    official_document,
)

HEAD_FONT = "SimHei"  # 黑体, for the first-level headings (一、二、)
TITLE_PT, TEXT_PT, TABLE_PT = 22, 16, 12  # 二号, 三号, 小四
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
    doc = official_document()

    line(
        doc,
        text["title"],
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=TITLE_PT,
        bold=True,
    )
    line(doc, text["subtitle"], align=WD_ALIGN_PARAGRAPH.CENTER)
    line(doc, "")
    for label, value in text["facts"]:
        line(doc, f"{label}：{value}", indent=True)
    line(doc, "")
    line(doc, "会议研究了以下疑难信访事项，议定如下：", indent=True)
    for s in text["sections"]:
        line(doc, s["heading"], font=HEAD_FONT, indent=True)
        if s["reasons"]:
            line(doc, f"列入原因：{s['reasons']}。", indent=True)
        line(doc, f"基本情况：{s['summary']}", indent=True)
        line(doc, f"会议议定：{s['decision']}", indent=True)
        if s["tasks"]:
            line(doc, "任务分工：", indent=True)
            _table(doc, ["责任单位", "任务", "办理时限"], s["tasks"])
    line(doc, "")
    line(doc, "各责任单位须在时限内办结并在平台反馈办理结果。", indent=True)
    line(doc, "")
    line(doc, text["issuer"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    line(doc, text["date"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)

    props = doc.core_properties
    props.title, props.author = text["title"], "民意速办"
    props.created = props.modified = made_at.replace(tzinfo=None)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _run(paragraph: Paragraph, text: str, font: str, size: int, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    east_asian(run._element.get_or_add_rPr(), font)


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
