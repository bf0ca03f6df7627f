"""Reading and writing the spreadsheets staff live in: CSV (UTF-8, with or without BOM) and
.xlsx. Rows are numbered as the spreadsheet shows them (the header is row 1), so a validation
report points at the line a person sees."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from minyi.core.errors import Invalid

FORMATS = ("csv", "xlsx")


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The header and the (row number, {header: value}) of every non-empty row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            rows = [(n, dict(zip(header, map(_cell, r), strict=False))) for n, r in enumerate(reader, start=2) if any(c.strip() for c in r)]
    elif suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(values, ())]
            rows = [
                (n, dict(zip(header, map(_cell, r), strict=False)))
                for n, r in enumerate(values, start=2)
                if any(c not in (None, "") for c in r)
            ]
        finally:
            book.close()
    else:
        raise Invalid("bad_file_type", f"{path.name}: only .csv and .xlsx files can be imported", field="file")
    if not header or not any(header):
        raise Invalid("no_header", f"{path.name}: the first row must name the columns", field="file")
    return header, rows


def write_csv(columns: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly; yields chunks to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v for v in row])
        if n % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(columns: list[str], rows: Iterable[list[Any]], *, sheet: str = "cases") -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(columns)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
