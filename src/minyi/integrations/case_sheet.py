"""A case list as a spreadsheet for people (not for re-import; that is `case_export`): Chinese
headers, names instead of codes, real date cells in local time, phone and ID numbers as text,
column widths that fit, the header row frozen. Personal fields come through the reader's privacy
view from `case_export.export_records`, the one export path, so the two files cannot disagree."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import CaseUnit
from minyi.cases.queries import CaseFilter
from minyi.core.i18n import RATING_ZH, STATUS_ZH
from minyi.intake.models import Channel
from minyi.integrations.case_export import export_records
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.taxonomy.models import DictionaryEntry

if TYPE_CHECKING:  # openpyxl is imported where a sheet is made: see write_sheet
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment

DATE_FORMAT = "yyyy-mm-dd hh:mm"
MAX_EXPORT_ROWS = 50_000  # a list for people to read; the interchange export has no such cap
CHUNK = 500


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float  # in Excel's character units; CJK characters take two
    kind: str = "text"  # text | date | number


COLUMNS = [
    Column("tracking_no", "受理编号", 18),
    Column("registered_at", "登记时间", 17, "date"),
    Column("channel", "渠道", 20),
    Column("status", "办理状态", 10),
    Column("overdue", "是否超期", 9),
    Column("due_at", "办理时限", 17, "date"),
    Column("name", "诉求人", 10),
    Column("phone", "联系电话", 14),
    Column("id_card", "身份证号", 21),
    Column("title", "诉求标题", 30),
    Column("body", "诉求内容", 50),
    Column("category", "事项类别", 18),
    Column("street", "街道", 12),
    Column("community", "社区", 14),
    Column("address", "地址", 28),
    Column("lead_unit", "主办单位", 20),
    Column("co_units", "协办单位", 24),
    Column("crowd_size", "涉及人数", 9, "number"),
    Column("closed_at", "办结时间", 17, "date"),
    Column("reply_text", "答复内容", 40),
    Column("rating", "群众评价", 10),
]


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    # Excel has no time zones: the cell holds the local (Beijing) wall time.
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


def sheet_rows(
    session: Session, actor: Actor, f: CaseFilter, *, order: list[Any] | None, tz: ZoneInfo
) -> Iterator[list[Any]]:
    """One list of values per case, in COLUMNS order, at most MAX_EXPORT_ROWS."""
    units = {uid: name for uid, name in session.execute(select(Unit.id, Unit.name))}
    channels = {cid: name for cid, name in session.execute(select(Channel.id, Channel.name))}
    leaves = {
        lid: name
        for lid, name in session.execute(select(DictionaryEntry.id, DictionaryEntry.level4))
    }
    batch: list[tuple[Any, Any]] = []
    for count, (row, view) in enumerate(export_records(session, actor, f, order=order), start=1):
        batch.append((dict(row), view))
        if len(batch) == CHUNK:
            yield from _format(session, batch, units, channels, leaves, tz)
            batch = []
        if count >= MAX_EXPORT_ROWS:
            break
    yield from _format(session, batch, units, channels, leaves, tz)


def _format(
    session: Session,
    batch: list[tuple[dict[str, Any], Any]],
    units: dict[int, str],
    channels: dict[int, str],
    leaves: dict[int, str],
    tz: ZoneInfo,
) -> Iterator[list[Any]]:
    if not batch:
        return
    co: dict[int, list[str]] = {}
    for case_id, unit_id in session.execute(
        select(CaseUnit.case_id, CaseUnit.unit_id)
        .where(
            CaseUnit.case_id.in_([r["id"] for r, _ in batch]),
            CaseUnit.is_active.is_(True),
            CaseUnit.role == "co",
        )
        .order_by(CaseUnit.id)
    ):
        co.setdefault(case_id, []).append(units.get(unit_id, ""))
    for r, view in batch:
        values = {
            "tracking_no": r["tracking_no"],
            "registered_at": _local(r["registered_at"], tz),
            "channel": channels.get(r["channel_id"], ""),
            "status": STATUS_ZH.get(r["status"], r["status"]),
            "overdue": "是" if r["is_overdue"] else "否",
            "due_at": _local(r["due_at"], tz),
            "name": view.show_name(r["citizen_name"]) or ("匿名" if r["is_anonymous"] else None),
            "phone": view.show_phone(r["phone"]),
            "id_card": view.show_id_card(r["id_card"]),
            "title": view.show_text(r["title"]),
            "body": view.show_text(r["body"]),
            "category": leaves.get(r["category_id"]) if r["category_id"] else None,
            "street": units.get(r["street_id"]) if r["street_id"] else None,
            "community": units.get(r["community_id"]) if r["community_id"] else None,
            "address": view.show_address(r["address"]),
            "lead_unit": units.get(r["lead_unit_id"]) if r["lead_unit_id"] else None,
            "co_units": "、".join(co.get(r["id"], [])) or None,
            "crowd_size": r["crowd_size"],
            "closed_at": _local(r["closed_at"], tz),
            "reply_text": view.show_text(r["reply_text"]),
            "rating": RATING_ZH.get(r["rating"] or "", r["rating"]),
        }
        yield [values[c.key] for c in COLUMNS]


def write_sheet(rows: Iterable[list[Any]], *, title: str = "案件清单") -> bytes:
    """The workbook: write-only (a long list does not sit in memory as cell objects)."""
    # openpyxl is imported where a sheet is made or read: it costs every process a fifth of a
    # CPU second at start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook(write_only=True)
    ws = book.create_sheet(title[:31])
    for n, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(n)].width = column.width
    ws.freeze_panes = "A2"
    # Printed: A4 landscape with the header row on every page (21 columns squeezed onto one
    # page's width would be unreadable, so the columns run on over pages).
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", Worksheet.PAPERSIZE_A4
    ws.print_title_rows = "1:1"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment = (
            bold,
            fill,
            Alignment(horizontal="center", vertical="center"),
        )
        header.append(cell)
    ws.append(header)
    wrap = Alignment(vertical="top", wrap_text=False)
    for row in rows:
        ws.append(
            [
                _cell(WriteOnlyCell(ws, value=None), column, value, wrap)
                for column, value in zip(COLUMNS, row, strict=True)
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(cell: Cell, column: Column, value: Any, align: Alignment) -> Cell:
    """`cell`: a new empty write-only cell."""
    cell.alignment = align
    if value is None:
        return cell
    if column.kind == "date":
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif column.kind == "number":
        cell.value = value
    else:
        # Text stays text: a string cell is never run as a formula however it starts (= + - @;
        # the apostrophe CSV needs would show here), and the '@' format keeps a phone or an
        # 18-digit ID number from turning into a rounded number when someone edits the cell.
        cell.value = str(value)
        cell.data_type = "s"
        cell.number_format = "@"
    return cell
