"""The administrator's calendar page (节假日与调休): a year's holidays and 调休 workdays, shown,
edited one day at a time, or replaced from a CSV file, through the services the API and CLI use."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from minyi.core.errors import Invalid
from minyi.sla.calendar_service import (
    SOURCES,
    calendar_status,
    parse_days_csv,
    replace_year,
    set_day,
    today_in_beijing,
    year_view,
)
from minyi.sla.schemas import SetDayIn
from minyi.web.admin_forms import ADMIN, Posted, admin_form
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CSV_MAX = 40_000


@router.get("/console/admin/calendar")
def calendar_page(request: Request, year: int | None = None, done: str | None = None) -> Response:
    staff(request, ADMIN)
    state = state_of(request)
    today = today_in_beijing(state.clock.now())
    shown = (
        year
        if year is not None and 2000 <= year <= 2100
        else today.year + (1 if today.month == 12 else 0)
    )
    with state.db.reading() as session:
        return render(
            request,
            "console/calendar.html",
            year=shown,
            view=year_view(session, shown),
            calendar=calendar_status(session, today),
            done=done,
        )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            "bad_calendar", "日期格式应为 年-月-日，例如 2027-02-05", field="date"
        ) from None


@router.post("/console/admin/calendar/day")
def calendar_day(request: Request, form: PostedForm) -> Response:
    """A refused day (bad date, wrong kind, a page another edit overtook) is shown on the form
    with what was typed; the shown year is the one the form was on."""
    today = today_in_beijing(state_of(request).clock.now())

    def load(session: Session, fields: dict[str, str]) -> dict[str, Any]:
        shown = (
            int(fields["year"])
            if fields.get("year", "").isdigit() and 2000 <= int(fields["year"]) <= 2100
            else today.year
        )
        return {
            "year": shown,
            "view": year_view(session, shown),
            "calendar": calendar_status(session, today),
        }

    def save(session: Session, posted: Posted) -> str:
        fields = posted.values
        day = _date(fields.get("date", ""))
        try:
            # The API's body (PUT /api/v1/calendar/days/{day}); a longer note is cut, as before.
            body = SetDayIn.model_validate(
                {
                    "kind": fields.get("kind", ""),
                    "note": (fields.get("note") or "").strip()[:60] or None,
                }
            )
        except ValidationError:
            raise Invalid(
                "bad_calendar", "请选择：节假日、调休上班日或恢复正常", field="kind"
            ) from None
        expected = (
            int(fields["version"])
            if fields.get("version", "").isdigit() and day.year == posted.context["year"]
            else None
        )
        set_day(
            session,
            day,
            body.kind,
            note=body.note,
            by=posted.actor.username,
            now=posted.now,
            expected_version=expected,
        )
        return f"/console/admin/calendar?year={day.year}&done=day"

    return admin_form(request, form, "console/calendar.html", load=load, save=save)


@router.post("/console/admin/calendar/import")
def calendar_import(request: Request, form: PostedForm) -> Response:
    actor, state, fields = staff_form(request, form, ADMIN)
    try:
        year = int(fields.get("year", ""))
    except ValueError:
        raise Invalid("bad_year", "请填写年份", field="year") from None
    source = fields.get("source", "official")
    if source not in SOURCES:
        raise Invalid("bad_calendar", "来源须为国务院通知或法定节假日", field="source")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("missing_file", "请选择文件", field="file")
    data = upload.file.read(CSV_MAX + 1)
    if len(data) > CSV_MAX:
        raise Invalid("file_too_large", "一年的日历文件不超过40KB", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("bad_encoding", "文件须为UTF-8编码", field="file") from None
    days = parse_days_csv(text, year)
    with state.db.unit_of_work() as session:
        replace_year(
            session,
            year,
            days,
            source=source,
            note=(fields.get("note") or "").strip()[:2000] or None,
            by=actor.username,
            now=state.clock.now(),
        )
    return redirect(f"/console/admin/calendar?year={year}&done=import")
