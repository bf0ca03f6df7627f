from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from minyi.core.errors import Invalid
from minyi.integrations.tabular import read_rows, write_csv, write_xlsx

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


class TestExportsAreSafeToOpen:
    def test_csv_cells_that_would_run_as_formulas_are_neutralised_and_read_back_exactly(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "out.csv"
        path.write_bytes(b"".join(write_csv(["v"], [[v] for v in HOSTILE])))
        with path.open(encoding="utf-8-sig", newline="") as f:
            written = [row[0] for row in csv.reader(f)][1:]
        assert written == ["'" + v for v in HOSTILE]
        _, rows = read_rows(path)
        assert [r["v"] for _, r in rows] == HOSTILE

    def test_xlsx_text_cells_are_text_never_formulas_or_numbers(self) -> None:
        data = write_xlsx(
            ["v", "phone", "id_card"], [[v, "13812345678", "11010519491231002X"] for v in HOSTILE]
        )
        sheet = load_workbook(io.BytesIO(data)).active
        for row in sheet.iter_rows(min_row=2):
            assert [c.data_type for c in row] == ["s", "s", "s"]
            assert row[1].value == "13812345678" and row[1].number_format == "@"


class TestBoundedReading:
    def test_csv_that_is_not_utf8_is_invalid(self, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_bytes("a,b\n中,文\n".encode("gb18030"))
        with pytest.raises(Invalid, match="UTF-8"):
            read_rows(path)

    def test_a_cell_beyond_the_csv_field_limit_is_invalid(self, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_bytes(b"a,b\n1," + b"x" * 200_000 + b"\n")
        with pytest.raises(Invalid, match="row 2"):
            read_rows(path)

    def test_a_workbook_with_a_dtd_entity_is_refused(self, tmp_path: Path) -> None:
        data = write_xlsx(["a"], [["b"]])
        import zipfile

        src, out = io.BytesIO(data), io.BytesIO()
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                body = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + body.replace(
                        b">b<", b">&e;<"
                    )
                zout.writestr(item, body)
        path = tmp_path / "dtd.xlsx"
        path.write_bytes(out.getvalue())
        with pytest.raises(Invalid, match=r"bad_xlsx|cannot be read|not a readable"):
            read_rows(path)

    def test_a_file_that_is_not_a_workbook_is_invalid(self, tmp_path: Path) -> None:
        path = tmp_path / "x.xlsx"
        path.write_bytes(b"PK\x03\x04 nope")
        with pytest.raises(Invalid):
            read_rows(path)
