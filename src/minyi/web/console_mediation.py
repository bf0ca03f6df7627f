"""纠纷调解 pages (/console/mediation): the disputes a reader may see with the form that opens
one on a case, a dispute's page (parties through the privacy policy, mediators, sessions planned,
held or cancelled, the outcome and the 人民调解协议书 with its terms' performance, judicial
confirmation, referral, and the case's timeline), and the agreement's .docx and PDF."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.core.errors import Forbidden, Invalid, MinyiError, NotFound
from minyi.mediation.documents import (
    agreement_lines,
    render_agreement_docx,
    render_agreement_pdf,
)
from minyi.mediation.queries import (
    describe,
    get_agreement,
    list_disputes,
    mediators_by_site,
    readable_dispute,
)
from minyi.mediation.rules import OUTCOME_LABELS, REFERRAL_LABELS, SIDE_LABELS, Side
from minyi.mediation.schemas import PartyIn, TermIn
from minyi.mediation.service import (
    cancel_session,
    file_confirmation,
    hold_session,
    open_dispute,
    plan_session,
    record_outcome,
    record_performance,
    record_ruling,
    refer_dispute,
)
from minyi.org.rules import Role
from minyi.services.queries import list_sites
from minyi.services.rules import Service
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# Who opens the pages at all; each list and dispute is further narrowed by mediation's scope.
READERS = frozenset(
    {
        Role.ADMIN,
        Role.INTAKE_CLERK,
        Role.DISPATCHER,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.STREET_STAFF,
        Role.COMMUNITY_STAFF,
        Role.SERVICE_STAFF,
    }
)
OPENERS = READERS - {Role.LEADER}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PARTY_ROWS = 2  # blank rows per side on the form (several per side)
TERM_ROWS = 5
_CJK = re.compile(r"[\u4e00-\u9fff]")
DONE = {
    "opened": "纠纷已登记",
    "planned": "调解已安排",
    "held": "调解会议已记录",
    "cancelled": "调解安排已取消",
    "outcome": "调解结果已登记",
    "performed": "履行情况已登记",
    "filed": "司法确认申请已登记",
    "ruled": "法院裁定已登记",
    "referred": "已转出",
}


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


def _day(text: str | None, field: str, label: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise Invalid("bad_date", f"请选择{label}", field=field) from None


# --- the list and the form that opens a dispute --------------------------------------------
def _list_page(
    request: Request, *, status_code: int = 200, error: str | None = None, values: Any = None
) -> Response:
    actor = staff(request, READERS)
    st = state_of(request)
    with st.db.reading() as session:
        sites = list_sites(session, service=Service.MEDIATION)
        people_of = mediators_by_site(session, [s.id for s in sites])
        mediators = [(s, people_of[s.id]) for s in sites]
        return render(
            request,
            "console/mediation/list.html",
            status_code=status_code,
            rows=list_disputes(session, actor, status=request.query_params.get("status") or None),
            may_open=actor.role in OPENERS,
            sites=sites,
            mediators=mediators,
            my_site=next(
                (s.id for s, people in mediators if actor.username in [u for u, _ in people]),
                None,
            ),
            sides=[(s.value, SIDE_LABELS[s]) for s in Side],
            party_rows=PARTY_ROWS,
            error=error,
            values=values or {},
        )


@router.get("/console/mediation")
def list_page(request: Request) -> Response:
    return _list_page(request)


def _parties(form: FormData) -> list[PartyIn]:
    out = []
    for side in Side:
        names, phones = form.getlist(f"{side.value}_name"), form.getlist(f"{side.value}_phone")
        ids, addresses = form.getlist(f"{side.value}_id"), form.getlist(f"{side.value}_address")
        for i, name in enumerate(names):
            if not str(name).strip():
                continue

            def at(values: list[Any]) -> str | None:
                return (str(values[i]).strip() or None) if i < len(values) else None  # noqa: B023

            out.append(
                PartyIn(
                    side=side,
                    name=str(name).strip(),
                    phone=at(phones),
                    id_number=at(ids),
                    address=at(addresses),
                )
            )
    return out


@router.post("/console/mediation")
def open_page(request: Request, form: PostedForm) -> Response:
    actor = staff(request, OPENERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        try:
            parties = _parties(form)
        except ValidationError:
            raise Invalid(
                "bad_party", "当事人信息有误：姓名60字以内，身份证号18位", field="parties"
            ) from None
        try:
            site_id = int(fields.get("site_id", ""))
        except ValueError:
            raise Invalid("bad_site", "请选择调解站点", field="site_id") from None
        number = fields.get("tracking_no", "")
        with st.db.unit_of_work() as session:
            case_id = session.scalar(select(Case.id).where(Case.tracking_no == number))
            if case_id is None:
                raise Invalid("unknown_case", "没有找到该诉求编号", field="tracking_no")
            d = open_dispute(
                session,
                actor,
                case_id=case_id,
                site_id=site_id,
                facts=fields.get("facts", ""),
                matters=fields.get("matters", ""),
                parties=parties,
                mediators=[str(m) for m in form.getlist("mediators") if str(m).strip()],
                reason=fields.get("reason"),
                now=st.clock.now(),
            )
            dispute_id = d.id
    except MinyiError as exc:
        return _list_page(request, status_code=422, error=_say(exc), values=fields)
    return redirect(f"/console/mediation/{dispute_id}?done=opened")


# --- a dispute ---------------------------------------------------------------------------------
def _detail_page(
    request: Request,
    dispute_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: Any = None,
) -> Response:
    actor = staff(request, READERS)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        view = describe(session, actor, readable_dispute(session, actor, dispute_id), tz=st.tz)
    return render(
        request,
        "console/mediation/detail.html",
        status_code=status_code,
        d=view,
        done=DONE.get(request.query_params.get("done") or "", ""),
        error=error,
        values=values or {},
        outcomes=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
        referrals=[(r.value, label) for r, label in REFERRAL_LABELS.items()],
        has_held=any(s["status"] == "held" for s in view["sessions"]),
        term_rows=TERM_ROWS,
        today=now.astimezone(st.tz).date().isoformat(),
        now_local=now.astimezone(st.tz).strftime("%Y-%m-%dT%H:%M"),
    )


@router.get("/console/mediation/{dispute_id}")
def detail(request: Request, dispute_id: int) -> Response:
    return _detail_page(request, dispute_id)


def _terms(form: FormData) -> list[TermIn]:
    texts, dues, amounts = (
        form.getlist("term"),
        form.getlist("term_due"),
        form.getlist("term_amount"),
    )
    out = []
    for i, text in enumerate(texts):
        if not str(text).strip():
            continue
        due = str(dues[i]).strip() if i < len(dues) else ""
        amount = str(amounts[i]).strip() if i < len(amounts) else ""
        try:
            out.append(
                TermIn.model_validate(
                    {"text": str(text), "due_on": due or None, "amount": amount or None}
                )
            )
        except ValidationError:
            raise Invalid(
                "bad_term",
                f"第{len(out) + 1}条的期限或金额有误（金额须为数字，最多两位小数）",
                field="terms",
            ) from None
    return out


def _act(request: Request, dispute_id: int, form: FormData, step: str, ident: int) -> Response:
    actor = staff(request, OPENERS)
    st = state_of(request)
    fields = fields_of(form)
    now, tz = st.clock.now(), st.tz
    try:
        with st.db.unit_of_work() as session:
            readable_dispute(session, actor, dispute_id)
            if step == "planned":
                try:
                    at = datetime.fromisoformat(fields.get("starts_at", "")).replace(tzinfo=tz)
                except ValueError:
                    raise Invalid("bad_time", "请填写调解时间", field="starts_at") from None
                plan_session(
                    session,
                    actor,
                    dispute_id,
                    starts_at=at,
                    place=fields.get("place"),
                    room_id=None,
                    is_online=fields.get("is_online") == "1",
                    now=now,
                    tz=tz,
                )
            elif step == "held":
                try:
                    came = [int(p) for p in form.getlist("party_ids") if isinstance(p, str)]
                except ValueError:
                    raise Invalid("bad_party", "请核对到场的当事人", field="party_ids") from None
                hold_session(
                    session,
                    actor,
                    ident,
                    minutes=fields.get("minutes", ""),
                    party_ids=came,
                    others=fields.get("others"),
                    now=now,
                )
            elif step == "cancelled":
                cancel_session(session, actor, ident, reason=fields.get("reason", ""), now=now)
            elif step == "outcome":
                record_outcome(
                    session,
                    actor,
                    dispute_id,
                    outcome=fields.get("outcome", ""),
                    note=fields.get("note"),
                    terms=_terms(form),
                    performance=fields.get("performance"),
                    signed_on=_day(fields.get("signed_on"), "signed_on", "签订日期")
                    if fields.get("signed_on")
                    else None,
                    now=now,
                    tz=tz,
                )
            elif step == "performed":
                record_performance(
                    session,
                    actor,
                    ident,
                    done=fields.get("done") != "0",
                    note=fields.get("note"),
                    now=now,
                )
            elif step == "filed":
                file_confirmation(
                    session,
                    actor,
                    ident,
                    court=fields.get("court", ""),
                    filed_on=_day(fields.get("filed_on"), "filed_on", "申请日期"),
                    now=now,
                    tz=tz,
                )
            elif step == "ruled":
                record_ruling(
                    session,
                    actor,
                    ident,
                    ruling=fields.get("ruling", ""),
                    ruled_on=_day(fields.get("ruled_on"), "ruled_on", "裁定日期"),
                    ruling_number=fields.get("ruling_number", ""),
                    reason=fields.get("reason"),
                    now=now,
                    tz=tz,
                )
            else:
                refer_dispute(
                    session,
                    actor,
                    dispute_id,
                    referral=fields.get("referral", ""),
                    reason=fields.get("reason", ""),
                    now=now,
                )
    except (Forbidden, NotFound):
        raise
    except MinyiError as exc:
        return _detail_page(request, dispute_id, status_code=422, error=_say(exc),
                            values=fields | {"form": step})  # fmt: skip
    return redirect(f"/console/mediation/{dispute_id}?done={step}")


@router.post("/console/mediation/{dispute_id}/sessions")
def plan(request: Request, dispute_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "planned", 0)


@router.post("/console/mediation/{dispute_id}/sessions/{session_id}/held")
def held(request: Request, dispute_id: int, session_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "held", session_id)


@router.post("/console/mediation/{dispute_id}/sessions/{session_id}/cancel")
def cancel(request: Request, dispute_id: int, session_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "cancelled", session_id)


@router.post("/console/mediation/{dispute_id}/outcome")
def outcome(request: Request, dispute_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "outcome", 0)


@router.post("/console/mediation/{dispute_id}/terms/{term_id}")
def performed(request: Request, dispute_id: int, term_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "performed", term_id)


@router.post("/console/mediation/{dispute_id}/agreements/{agreement_id}/filing")
def filing(request: Request, dispute_id: int, agreement_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "filed", agreement_id)


@router.post("/console/mediation/{dispute_id}/agreements/{agreement_id}/ruling")
def ruling(request: Request, dispute_id: int, agreement_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "ruled", agreement_id)


@router.post("/console/mediation/{dispute_id}/referral")
def referral(request: Request, dispute_id: int, form: PostedForm) -> Response:
    return _act(request, dispute_id, form, "referred", 0)


@router.get("/console/mediation/agreements/{agreement_id}.{kind}")
def agreement_file(request: Request, agreement_id: int, kind: str) -> Response:
    actor = staff(request, READERS)
    st = state_of(request)
    if kind not in ("pdf", "docx"):
        raise NotFound("not_found", "没有找到该文件")
    with st.db.reading() as session:
        a = get_agreement(session, agreement_id)
        view = describe(session, actor, readable_dispute(session, actor, a.dispute_id), tz=st.tz)
    text = agreement_lines(view, agreement_id)
    if kind == "pdf":
        body, media = render_agreement_pdf(text), "application/pdf"
    else:
        body, media = render_agreement_docx(text, made_at=st.clock.now()), DOCX
    label = quote(f"人民调解协议书{a.number}.{kind}")
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename=\"mediation-agreement-{agreement_id}.{kind}\"; filename*=UTF-8''{label}"
        },
    )
