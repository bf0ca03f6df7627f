"""Reading and writing the spreadsheets staff live in: CSV (UTF-8, with or without BOM) and
.xlsx. Rows are numbered as the spreadsheet shows them (the header is row 1), so a validation
report points at the line a person sees.

Reading is bounded: a file that is not UTF-8, not a workbook, has an oversized cell or too
many rows is `Invalid` (a 4xx, exit 2), never a crash; openpyxl parses the workbook's XML with
defusedxml (a dependency), so DTDs and entity expansion are refused. Writing is safe to open:
a text cell that a spreadsheet would run as a formula (= + - @, tab, CR) is neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zipfile import BadZipFile

from minyi.core.errors import Invalid

# openpyxl is imported where a sheet is read or made: importing it costs every process a fifth
# of a CPU second at start.
if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

FORMATS = ("csv", "xlsx")
MAX_ROWS = 200_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # our own export's neutralising apostrophe: the round trip is exact
    return text or None


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The header and the (row number, {header: value}) of every non-empty row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _read_csv(path)
    elif suffix == ".xlsx":
        header, rows = _read_xlsx(path)
    else:
        raise Invalid(
            "bad_file_type", f"{path.name}: only .csv and .xlsx files can be imported", field="file"
        )
    if not header or not any(header):
        raise Invalid(
            "no_header", f"{path.name}: the first row must name the columns", field="file"
        )
    return header, rows


def _too_many(path: Path) -> Invalid:
    return Invalid(
        "too_many_rows", f"{path.name}: more than {MAX_ROWS} rows; split the file", field="file"
    )


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    n = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            for n, r in enumerate(reader, start=2):
                if n > MAX_ROWS + 1:
                    raise _too_many(path)
                if any(c.strip() for c in r):
                    rows.append((n, dict(zip(header, map(_cell, r), strict=False))))
    except UnicodeDecodeError:
        raise Invalid(
            "bad_encoding",
            f"{path.name}: the file is not UTF-8 text; save it as CSV UTF-8",
            field="file",
        ) from None
    except csv.Error as error:
        # field larger than field limit (131072), NUL in a line, and the like: the row after n.
        raise Invalid(
            "bad_csv", f"{path.name}: row {n + 1} cannot be read ({error})", field="file"
        ) from None
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise Invalid(
            "bad_xlsx",
            f"{path.name}: not a readable .xlsx workbook ({type(error).__name__})",
            field="file",
        ) from None
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(values, ())]
        rows: list[tuple[int, dict[str, Any]]] = []
        for n, r in enumerate(values, start=2):
            if n > MAX_ROWS + 1:
                raise _too_many(path)
            if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in r):
                raise Invalid(
                    "cell_too_long",
                    f"{path.name}: row {n} has a cell longer than {MAX_CELL_CHARS} characters",
                    field="file",
                )
            if any(c not in (None, "") for c in r):
                rows.append((n, dict(zip(header, map(_cell, r), strict=False))))
    except Invalid:
        raise
    except Exception as error:  # noqa: BLE001 - any parser failure inside a workbook is the file's fault
        raise Invalid(
            "bad_xlsx",
            f"{path.name}: the workbook cannot be read ({type(error).__name__})",
            field="file",
        ) from None
    finally:
        book.close()
    return header, rows


def safe_text(value: Any) -> Any:
    """A CSV value that no spreadsheet runs as a formula: text starting with = + - @ tab or CR
    gets a leading apostrophe (OWASP's advice); numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(columns: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly; yields chunks to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else safe_text(v) for v in row])
        if n % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(columns: list[str], rows: Iterable[list[Any]], *, sheet: str = "cases") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append([_text_cell(WriteOnlyCell(ws, value=c)) for c in columns])
    for row in rows:
        ws.append(
            [_text_cell(WriteOnlyCell(ws, value=v)) if isinstance(v, str) else v for v in row]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(cell: Cell) -> Cell:
    """Text stays text: openpyxl would store '=…' as a formula, and a cell formatted '@' keeps
    a phone or ID number as typed when someone edits it (Excel would round 18 digits)."""
    cell.data_type = "s"
    cell.number_format = "@"
    return cell
