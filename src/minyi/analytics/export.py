"""Assessment tables as CSV or Excel files, with Chinese headers for the people who read them."""

from __future__ import annotations

import csv
import io
from typing import Any

from minyi.analytics.assessment import Assessment

COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "排名"),
    ("unit", "单位代码"),
    ("unit_name", "单位"),
    ("score", "综合得分"),
    ("timely_acceptance_rate", "及时签收率"),
    ("on_time_closure_rate", "按期办结率"),
    ("resolution_rate", "一次解决率"),
    ("satisfaction_rate", "满意率"),
    ("repeat_rate", "重复诉求率"),
    ("bounce_rate", "退单率"),
    ("whistle_response_rate", "吹哨响应率"),
    ("assigned", "派单数"),
    ("closed", "办结数"),
    ("feedback", "评价数"),
    ("bounces", "退单数"),
    ("summoned", "被吹哨数"),
    ("coverage_rate", "包联覆盖率"),
    ("grid_events", "网格事件数"),
    ("grid_disposal_rate", "网格事件处置率"),
    ("grid_response_rate", "双报到响应率"),
    ("market_events", "服务市集场次"),
    ("market_spot_rate", "现场办结率"),
    ("receptions", "领导接访场次"),
    ("people_received", "接待人次"),
)


# 五类服务 side by side: the Excel file's second sheet (a CSV file holds one table: the units').
SERVICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("label", "服务类别"),
    ("received", "受理数"),
    ("closed", "办结数"),
    ("appointments", "预约数"),
    ("attended", "到场数"),
)


def _service_values(assessment: Assessment) -> list[list[Any]]:
    """One row per service: the counts, then each workflow figure as 'label: value'."""
    return [
        [row[key] for key, _ in SERVICE_COLUMNS]
        + [f"{f['label']}：{'' if f['value'] is None else f['value']}" for f in row["figures"]]
        for row in assessment.services
    ]


def _values(assessment: Assessment) -> list[list[Any]]:
    return [[getattr(row, key) for key, _ in COLUMNS] for row in assessment.rows]


def assessment_csv(assessment: Assessment) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _, zh in COLUMNS])
    writer.writerows(["" if v is None else v for v in row] for row in _values(assessment))
    # The BOM makes Excel open the Chinese headers as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def assessment_xlsx(assessment: Assessment) -> bytes:
    # Imported here: openpyxl costs every process a fifth of a CPU second at start.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"绩效{assessment.period.label}"[:31]
    sheet.append([zh for _, zh in COLUMNS])
    for row in _values(assessment):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if assessment.services:
        services = book.create_sheet("五类服务")
        services.append([zh for _, zh in SERVICE_COLUMNS] + ["各项服务指标"])
        for row in _service_values(assessment):
            services.append(row)
        for cell in services[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
