"""Administration: units, staff, the event dictionary, clock policies and channels — each shown,
and each replaced through the same importers the CLI and API use."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from minyi.core.errors import Invalid
from minyi.intake.models import Channel
from minyi.intake.service import import_channels
from minyi.notify.queries import unsent_counts
from minyi.org.accounts import reset_to_temporary, set_active
from minyi.org.models import Staff, Unit
from minyi.org.rules import Role
from minyi.org.service import import_org, org_from_csv, parse_org_yaml
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.service import import_policies
from minyi.taxonomy.service import export_rows, import_dictionary, read_table
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ADMIN = {Role.ADMIN}
IMPORT_MAX = 5 * 1024 * 1024


@router.get("/console/admin")
def admin(request: Request, done: str | None = None) -> Response:
    """The index: what there is, a link to each form, and the file imports."""
    staff(request, ADMIN)
    state = state_of(request)
    with state.db.reading() as session:
        unit_counts = dict(
            session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all()
        )
        leaves = export_rows(session)
        return render(
            request,
            "console/admin.html",
            done=done,
            unit_counts=unit_counts,
            staff_total=session.scalar(select(func.count()).select_from(Staff)),
            leaves_total=len(leaves),
            outbox=unsent_counts(session),
            channels=list(session.scalars(select(Channel).order_by(Channel.id))),
            calendar=calendar_status(session, today_in_beijing(state.clock.now())),
        )


def _file(form: FormData) -> tuple[str, bytes]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("missing_file", "请选择文件 (choose a file)", field="file")
    data = upload.file.read(IMPORT_MAX + 1)
    if len(data) > IMPORT_MAX:
        raise Invalid("file_too_large", "导入文件不超过5MB", field="file")
    return upload.filename, data


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            "bad_encoding", "文件须为UTF-8编码 (the file must be UTF-8)", field="file"
        ) from None


@router.post("/console/admin/import/{what}")
def import_file(request: Request, form: PostedForm, what: str) -> Response:
    actor, state, _ = staff_form(request, form, ADMIN)
    name, data = _file(form)
    suffix = Path(name).suffix.lower()
    with state.db.unit_of_work() as session:
        if what == "org":
            text = _text(data)
            import_org(
                session,
                org_from_csv(text) if suffix == ".csv" else parse_org_yaml(text),
                password_hash=None,
            )
        elif what == "dictionary":
            if suffix not in (".csv", ".xlsx"):
                raise Invalid("bad_file_type", "事项目录须为 .csv 或 .xlsx", field="file")
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                tmp.write(data)
                tmp.flush()
                rows = read_table(Path(tmp.name))
            import_dictionary(session, rows, source=name[:200], now=state.clock.now())
        elif what == "policies":
            import_policies(session, _text(data), by=actor.username, now=state.clock.now())
        elif what == "channels":
            rows = [
                {
                    **r,
                    "allows_anonymous": (r.get("allows_anonymous") or "").strip().lower()
                    in ("1", "true", "yes", "是"),
                }
                for r in csv.DictReader(io.StringIO(_text(data)))
            ]
            if not rows or not {"code", "kind", "name"} <= set(rows[0]):
                raise Invalid(
                    "bad_csv",
                    "渠道CSV的表头须含 code,kind,name[,owner,allows_anonymous]",
                    field="file",
                )
            import_channels(session, rows)
        else:
            raise Invalid("unknown_import", f"nothing to import as '{what}'")
    state.refs.clear()
    return redirect(f"/console/admin?done={what}")


@router.post("/console/admin/staff/{username}/reset")
def reset_staff_password(request: Request, form: PostedForm, username: str) -> Response:
    """A temporary password, shown once on the answer page; the person's sessions end."""
    _, state, _ = staff_form(request, form, ADMIN)
    password = reset_to_temporary(state.db, username=username, now=state.clock.now())
    with state.db.reading() as session:
        # The page names the person and their unit (a Chinese page shows no login names).
        person = session.execute(
            select(Staff.name, Unit.name)
            .join(Unit, Unit.id == Staff.unit_id)
            .where(Staff.username == username)
        ).one()
    return render(
        request, "console/password_reset.html", person=person[0], unit=person[1], password=password
    )


@router.post("/console/admin/staff/{username}/{action}")
def set_staff_active(request: Request, form: PostedForm, username: str, action: str) -> Response:
    _, state, _ = staff_form(request, form, ADMIN)
    if action not in ("deactivate", "reactivate"):
        raise Invalid("bad_action", "未知操作", field="action")
    with state.db.unit_of_work() as session:
        set_active(session, username=username, active=action == "reactivate", now=state.clock.now())
    return redirect("/console/admin/people")
