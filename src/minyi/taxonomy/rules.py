"""The five classes, the columns of a dictionary file, and row checks: pure code."""

from __future__ import annotations

from typing import Any

from minyi.core.errors import Invalid

FIVE_CLASSES = ("投诉建议", "纠纷调解", "法律服务", "心理服务", "帮扶救助")
LEAD_UNIT_KINDS = ("department", "street", "community")
POLICY_CODES = ("10-30-24", "1-2-3", "xf-statutory")
# What a case gets before anyone knows its leaf; sla's policy file may say more per channel.
DEFAULT_POLICY = "1-2-3"
COLUMNS = [
    "code",
    "class",
    "level2",
    "level3",
    "level4",
    "lead_unit_kind",
    "lead_unit",
    "policy",
    "reply_approval",
]
THREE_LEVEL_COLUMNS = ["level1", "level2", "level3"]
# Optional column: 答复审核 for the leaf ("是"/"否"; empty follows the clock policy).
REPLY_APPROVAL_VALUES: dict[str, bool | None] = {
    "": None,
    "是": True,
    "否": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}


def reply_approval_of(row: dict[str, Any], n: int) -> bool | None:
    value = str(row.get("reply_approval") or "").strip().lower()
    if value not in REPLY_APPROVAL_VALUES:
        raise Invalid(
            "bad_dictionary_row",
            f"row {n}: reply_approval must be 是, 否 or empty",
            field=f"row {n}.reply_approval",
        )
    return REPLY_APPROVAL_VALUES[value]


# Column widths of dictionary_entries: a longer cell is refused here, not by PostgreSQL.
LIMITS = {"code": 40, "level2": 60, "level3": 60, "level4": 100}


def check_rows(rows: list[dict[str, Any]], department_codes: set[str]) -> None:
    """Refuse the whole file on the first bad row, naming its row number and column."""
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        for key in ("code", "class", "level2", "level3", "level4", "lead_unit_kind", "policy"):
            if not str(row.get(key) or "").strip():
                raise Invalid(
                    "bad_dictionary_row", f"row {n}: '{key}' is empty", field=f"row {n}.{key}"
                )
        for key, limit in LIMITS.items():
            if len(str(row.get(key) or "")) > limit:
                raise Invalid(
                    "too_long",
                    f"row {n}: '{key}' is longer than {limit} characters",
                    field=f"row {n}.{key}",
                )
        if row["code"] in seen:
            raise Invalid(
                "bad_dictionary_row",
                f"row {n}: duplicate code {row['code']}",
                field=f"row {n}.code",
            )
        seen.add(row["code"])
        if row["class"] not in FIVE_CLASSES:
            raise Invalid(
                "bad_dictionary_row",
                f"row {n}: class must be one of {'、'.join(FIVE_CLASSES)}",
                field=f"row {n}.class",
            )
        if row["lead_unit_kind"] not in LEAD_UNIT_KINDS:
            raise Invalid(
                "bad_dictionary_row",
                f"row {n}: unknown lead_unit_kind",
                field=f"row {n}.lead_unit_kind",
            )
        if row["policy"] not in POLICY_CODES:
            raise Invalid(
                "bad_dictionary_row",
                f"row {n}: unknown policy {row['policy']}",
                field=f"row {n}.policy",
            )
        reply_approval_of(row, n)
        lead = row.get("lead_unit") or None
        if row["lead_unit_kind"] == "department" and lead and lead not in department_codes:
            raise Invalid(
                "bad_dictionary_row",
                f"row {n}: unknown department {lead}",
                field=f"row {n}.lead_unit",
            )
