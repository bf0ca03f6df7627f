"""Import and export the event dictionary (CSV, Excel), one new version per import."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.org.models import Unit
from minyi.taxonomy.five_classes import five_class_of
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.taxonomy.rules import (
    COLUMNS,
    LEAD_UNIT_KINDS,
    LIMITS,
    POLICY_CODES,
    THREE_LEVEL_COLUMNS,
    check_rows,
    reply_approval_of,
)

CLASS_PREFIX = {
    "投诉建议": "TS",
    "纠纷调解": "JF",
    "法律服务": "FL",
    "心理服务": "XL",
    "帮扶救助": "BZ",
}


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a .csv or .xlsx file as dicts keyed by the header row."""
    if not path.exists():
        raise Invalid("file_not_found", f"no such file: {path}", field="file")
    if path.suffix.lower() == ".xlsx":
        # Imported here: openpyxl costs every process a fifth of a CPU second at start.
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip() for h in rows[0]]
        return [
            {h: ("" if v is None else str(v).strip()) for h, v in zip(header, row, strict=False)}
            for row in rows[1:]
            if any(v is not None for v in row)
        ]
    if path.suffix.lower() != ".csv":
        raise Invalid("bad_file_type", "dictionary files are .csv or .xlsx", field="file")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            {k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(f)
        ]


def from_three_level(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A plain three-level content taxonomy, placed under the five classes (see five_classes.py).

    Its three levels become levels 2-4; the lead unit is the appeal's own street (属地管理)
    until an administrator names a department, and the clock policy is the ordinary 1-2-3.
    """
    out = []
    counters: dict[str, int] = {}
    for row in rows:
        cls = five_class_of(row["level1"], row.get("level2", ""), row.get("level3", ""))
        counters[cls] = counters.get(cls, 0) + 1
        out.append(
            {
                "code": f"{CLASS_PREFIX[cls]}-X{counters[cls]:04d}",
                "class": cls,
                "level2": row["level1"],
                "level3": row.get("level2") or row["level1"],
                "level4": row.get("level3") or row.get("level2") or row["level1"],
                "lead_unit_kind": "street",
                "lead_unit": None,
                "policy": "1-2-3",
            }
        )
    return out


def import_dictionary(
    session: Session, rows: list[dict[str, Any]], *, source: str, now: datetime
) -> DictionaryVersion:
    if rows and set(THREE_LEVEL_COLUMNS) <= set(rows[0]) and "class" not in rows[0]:
        rows = from_three_level(rows)
    if not rows:
        raise Invalid("empty_dictionary", "the file has no rows", field="file")
    departments = {
        u.code: u.id for u in session.scalars(select(Unit).where(Unit.kind == "department"))
    }
    check_rows(rows, set(departments))
    number = (session.scalar(select(func.max(DictionaryVersion.number))) or 0) + 1
    session.execute(update(DictionaryVersion).values(is_current=False))
    version = DictionaryVersion(number=number, created_at=now, source=source[:200], is_current=True)
    session.add(version)
    session.flush()
    session.execute(
        cast(Table, DictionaryEntry.__table__).insert(),
        [
            {
                "version_id": version.id,
                "code": r["code"],
                "class_name": r["class"],
                "level2": r["level2"],
                "level3": r["level3"],
                "level4": r["level4"],
                "lead_unit_kind": r["lead_unit_kind"],
                "lead_unit_id": departments.get(r.get("lead_unit") or ""),
                "policy_code": r["policy"],
                "reply_approval": reply_approval_of(r, n),
            }
            for n, r in enumerate(rows, start=2)
        ],
    )
    return version


def current_version(session: Session) -> DictionaryVersion:
    version = session.scalar(
        select(DictionaryVersion).where(DictionaryVersion.is_current.is_(True))
    )
    if version is None:
        raise NotFound("no_dictionary", "no event dictionary has been imported yet")
    return version


def export_rows(session: Session, version_number: int | None = None) -> list[dict[str, Any]]:
    version: DictionaryVersion | None
    if version_number is None:
        version = current_version(session)
    else:
        version = session.scalar(
            select(DictionaryVersion).where(DictionaryVersion.number == version_number)
        )
        if version is None:
            raise NotFound("no_dictionary_version", f"no dictionary version {version_number}")
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    entries = session.scalars(
        select(DictionaryEntry)
        .where(DictionaryEntry.version_id == version.id)
        .order_by(DictionaryEntry.code)
    )
    return [
        {
            "code": e.code,
            "class": e.class_name,
            "level2": e.level2,
            "level3": e.level3,
            "level4": e.level4,
            "lead_unit_kind": e.lead_unit_kind,
            "lead_unit": codes.get(e.lead_unit_id or 0, ""),
            "policy": e.policy_code,
            "reply_approval": {True: "是", False: "否"}.get(e.reply_approval, "")
            if e.reply_approval is not None
            else "",
        }
        for e in entries
    ]


def write_table(rows: list[dict[str, Any]], path: Path) -> None:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # here, as in read_table

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "事件字典"
        sheet.append(COLUMNS)
        for r in rows:
            sheet.append([r.get(c) or "" for c in COLUMNS])
        book.save(path)
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS)
    writer.writeheader()
    writer.writerows({c: r.get(c) or "" for c in COLUMNS} for r in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def leaf_by_code(session: Session, code: str) -> DictionaryEntry:
    entry = session.scalar(
        select(DictionaryEntry)
        .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
        .where(DictionaryVersion.is_current.is_(True), DictionaryEntry.code == code)
    )
    if entry is None:
        raise Invalid("unknown_category", f"no event-dictionary leaf '{code}'", field="category")
    return entry


LEAD_KIND_ZH = {"department": "职能部门", "street": "属地街道", "community": "属地社区"}


def edit_leaf(
    session: Session,
    code: str,
    *,
    level4: str,
    lead_unit_kind: str,
    lead_unit_id: int | None,
    policy: str,
    expected_version: int,
    by: str,
    now: datetime,
) -> DictionaryVersion:
    """One leaf edited from a form: a new dictionary version like an import, so cases keep the
    leaf they were filed under and every cache keyed by the version sees the edit. Refused when
    the dictionary changed since the form was opened (`expected_version`)."""
    current = session.scalar(
        select(DictionaryVersion).where(DictionaryVersion.is_current.is_(True)).with_for_update()
    )
    if current is None or current.number != expected_version:
        raise Conflict("version_conflict", "事项目录刚被他人修改（已有新版本），请刷新后重新编辑")
    level4 = level4.strip()
    if not level4:
        raise Invalid("missing_name", "请填写事项名称", field="level4")
    if len(level4) > LIMITS["level4"]:
        raise Invalid("too_long", f"事项名称不超过{LIMITS['level4']}个字", field="level4")
    if lead_unit_kind not in LEAD_UNIT_KINDS:
        raise Invalid("bad_lead_kind", "请选择牵头单位类型", field="lead_unit_kind")
    if policy not in POLICY_CODES:
        raise Invalid("bad_policy", "请选择时限标准", field="policy")
    lead_code = ""
    if lead_unit_id is not None:
        unit = session.get(Unit, lead_unit_id)
        if unit is None or unit.kind != "department" or not unit.is_active:
            raise Invalid("bad_lead_unit", "默认承办单位须是在用的职能部门", field="lead_unit")
        if lead_unit_kind != "department":
            raise Invalid(
                "bad_lead_unit", "牵头单位类型为属地时，不指定默认承办部门", field="lead_unit"
            )
        lead_code = unit.code
    rows = export_rows(session)
    row = next((r for r in rows if r["code"] == code), None)
    if row is None:
        raise NotFound("unknown_category", "事项目录中没有这一项")
    row.update(level4=level4, lead_unit_kind=lead_unit_kind, lead_unit=lead_code, policy=policy)
    return import_dictionary(session, rows, source=f"console:{by}:{code}"[:200], now=now)


def set_leaf_reply_approval(session: Session, code: str, value: bool | None) -> DictionaryEntry:
    """答复审核 for one leaf of the current dictionary: True or False overrides its clock policy's
    setting, None follows the policy again. Cases filed under the leaf follow at their next reply."""
    entry = leaf_by_code(session, code)
    entry.reply_approval = value
    session.flush()
    return entry
