"""The portal's relief application (帮扶救助申请), phone first: the form, and the confirmation by
the application's number. The confirmation shows only the number, the kind, the state and the
case's tracking number: nothing personal."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from minyi.core.errors import MinyiError
from minyi.intake.attachments import store_attachment
from minyi.org.models import Unit
from minyi.org.rules import UnitKind
from minyi.relief.queries import application_by_ref
from minyi.relief.rules import KIND_LABELS
from minyi.relief.schemas import ApplicationIn
from minyi.relief.service import apply
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, state_of
from minyi.web.portal import limits
from minyi.web.security import TooManyRequests, client_of
from minyi.web.uploads import Upload, read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FORM = "/services/relief/apply"


def _communities(request: Request) -> list[dict[str, Any]]:
    """Streets with their communities, for the form's grouped choice."""
    with state_of(request).db.reading() as session:
        units = list(
            session.scalars(
                select(Unit)
                .where(
                    Unit.kind.in_((UnitKind.STREET, UnitKind.COMMUNITY)),
                    Unit.is_active.is_(True),
                )
                .order_by(Unit.path)
            )
        )
    streets = {
        u.id: {"name": u.name, "communities": []} for u in units if u.kind == UnitKind.STREET
    }
    for u in units:
        if u.kind == UnitKind.COMMUNITY and u.parent_id in streets:
            streets[u.parent_id]["communities"].append({"code": u.code, "name": u.name})
    return [s for s in streets.values() if s["communities"]]


def relief_form(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    action: str | None = None,
) -> Response:
    """The application form: the portal's, or a window's (`action`, the console's address)."""
    values = values or {}
    return render(
        request,
        "portal/relief_apply.html",
        status_code=status_code,
        streets=_communities(request),
        kinds=list(KIND_LABELS.items()),
        error=error,
        values=values,
        token=values.get("token") or secrets.token_urlsafe(16),
        action=action,
    )


@router.get(FORM)
def apply_form(request: Request) -> Response:
    return relief_form(request)


def relief_entry(fields: dict[str, str]) -> ApplicationIn:
    documents = [line.strip() for line in fields.get("documents", "").splitlines() if line.strip()]
    members = fields.get("members") or "1"
    return ApplicationIn(
        name=fields.get("name", ""),
        phone=fields.get("phone", ""),
        id_number=fields.get("id_number") or None,
        address=fields.get("address", ""),
        community=fields.get("community", ""),
        kind=fields.get("kind", ""),
        members=int(members) if members.isdigit() and len(members) < 4 else 0,
        income=fields.get("income") or None,
        requested_amount=fields.get("requested_amount") or None,
        request=fields.get("request", ""),
        documents=documents,
        token=fields.get("token") or None,
    )


def _uploads(state: Any, form: FormData) -> list[Upload]:
    return read_uploads(
        [f for f in form.getlist("files") if isinstance(f, UploadFile)], state.settings
    )


def _store(state: Any, case_id: int, phone: str, uploads: list[Upload]) -> None:
    for upload in uploads:
        store_attachment(
            state.db,
            state.settings,
            case_id=case_id,
            filename=upload.filename,
            content_type=upload.content_type,
            data=upload.data,
            actor=None,
            phone_last4=phone[-4:],
            now=state.clock.now(),
        )


@router.post(FORM)
async def apply_post(request: Request, form: PostedForm) -> Response:
    """`async` only to await intake's group-commit writer; the reads and writes that block run
    in the threadpool."""
    state = state_of(request)
    fields = fields_of(form)
    try:
        limits(request).submit.hit(client_of(request))
    except TooManyRequests as exc:
        page = await run_in_threadpool(
            relief_form, request, status_code=429, error="提交过于频繁，请稍后再试", values=fields
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    try:
        entry = relief_entry(fields)
        uploads = await run_in_threadpool(_uploads, state, form)
        application = await apply(state, entry, actor=None)
        if uploads and application.case_id is not None:
            await run_in_threadpool(_store, state, application.case_id, application.phone, uploads)
    except MinyiError as exc:
        status = 409 if exc.kind == "conflict" else 422
        return await run_in_threadpool(
            relief_form, request, status_code=status, error=exc.message, values=fields
        )
    except ValueError:  # pydantic's ValidationError: a field too long for the form's limits
        return await run_in_threadpool(
            relief_form,
            request,
            status_code=422,
            error="填写的内容过长或格式不对，请核对",
            values=fields,
        )
    return redirect(f"/services/relief/applied/{application.ref}")


@router.get("/services/relief/applied/{ref}")
def applied(request: Request, ref: str) -> Response:
    with state_of(request).db.reading() as session:
        found = application_by_ref(session, ref[:20])
    return render(request, "portal/relief_applied.html", a=found)
