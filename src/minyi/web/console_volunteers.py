"""平安志愿者 pages of the console: the volunteers of an area (register, approve, reject,
suspend), the reports waiting to be verified, the point rules (administrator), the ledger and
the rankings. Names and phones come through the privacy policy (volunteers.queries)."""

from __future__ import annotations

import re
from typing import Any, TypedDict

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from minyi.core.errors import Forbidden, MinyiError
from minyi.core.listing import first_href, next_href
from minyi.org.rules import DISTRICT_WIDE, Actor, Role
from minyi.privacy.rules import VOLUNTEER_KEEPERS
from minyi.taxonomy.rules import FIVE_CLASSES
from minyi.volunteers.queries import (
    area_ledger,
    area_of,
    balance,
    communities,
    figures,
    ledger,
    ranking,
    report_page,
    rules_table,
    streets,
    volunteer_by_code,
    volunteer_page,
    volunteer_row,
)
from minyi.volunteers.rules import (
    REPORT_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    ReportState,
    RuleKind,
    VolunteerStatus,
)
from minyi.volunteers.service import (
    decide_volunteer,
    get_report,
    keeper_path,
    raise_report,
    reader_path,
    register_volunteer,
    set_rule,
    verify_report,
)
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
READERS = VOLUNTEER_KEEPERS | DISTRICT_WIDE
PAGE_SIZE = 50
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


def _reader(request: Request) -> Actor:
    return staff(request, READERS)


# The English switch's words for the domain's Chinese labels.
STATUS_EN = {
    VolunteerStatus.PENDING: "waiting for approval",
    VolunteerStatus.APPROVED: "approved",
    VolunteerStatus.REJECTED: "not approved",
    VolunteerStatus.SUSPENDED: "suspended",
}
REPORT_EN = {
    ReportState.SUBMITTED: "to verify",
    ReportState.VERIFIED: "verified",
    ReportState.REJECTED: "not true",
    ReportState.REPEAT: "repeat",
}
RULE_EN = {RuleKind.VERIFIED: "report verified", RuleKind.CLOSED: "case closed bonus"}


class Labels(TypedDict):
    """Code -> label of volunteer states, report states and rule kinds."""

    status_labels: dict[str, str]
    report_labels: dict[str, str]
    rule_labels: dict[str, str]


def labels(request: Request) -> Labels:
    """The labels of volunteer states, report states and rule kinds in the reader's language."""
    zh = Translator(pick_lang(request)).zh
    return {
        "status_labels": {
            s.value: label for s, label in (STATUS_LABELS if zh else STATUS_EN).items()
        },
        "report_labels": {
            s.value: label for s, label in (REPORT_LABELS if zh else REPORT_EN).items()
        },
        "rule_labels": {k.value: label for k, label in (RULE_LABELS if zh else RULE_EN).items()},
    }


def _base(request: Request, actor: Actor, tab: str) -> dict[str, Any]:
    return {
        "tab": tab,
        "may_keep": actor.role in VOLUNTEER_KEEPERS,
        "is_admin": actor.role is Role.ADMIN,
        **labels(request),
    }


# --- volunteers --------------------------------------------------------------------------------
def _volunteers_page(
    request: Request,
    actor: Actor,
    status: str | None,
    page: int = 1,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
    cursor: str | None = None,
) -> Response:
    st = state_of(request)
    wanted = VolunteerStatus(status) if status in {s.value for s in VolunteerStatus} else None
    page = max(page, 1)
    with st.db.reading() as session:
        path = reader_path(actor)
        found = volunteer_page(
            session, actor, status=wanted, page=page, page_size=PAGE_SIZE, cursor=cursor
        )
        kept = {"status": wanted.value if wanted else None}
        return render(
            request,
            "console/volunteers/list.html",
            status_code=status_code,
            rows=found.rows,
            total=found.total,
            next_href=next_href("/console/volunteers", found.next_cursor, **kept),
            first_href=first_href("/console/volunteers", cursor or page > 1, **kept),
            status=wanted.value if wanted else "",
            figures=figures(session, path),
            communities=communities(session, path),
            error=error,
            notice=notice,
            values=values or {},
            **_base(request, actor, "list"),
        )


@router.get("/console/volunteers")
def volunteers_page(
    request: Request, status: str | None = None, page: int = 1, cursor: str | None = None
) -> Response:
    return _volunteers_page(request, _reader(request), status, page, cursor=cursor)


@router.post("/console/volunteers/register")
def post_register(request: Request, form: PostedForm) -> Response:
    actor = staff(request, VOLUNTEER_KEEPERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            row, created = register_volunteer(
                session,
                name=fields.get("name", ""),
                phone=fields.get("phone", ""),
                community=fields.get("community", ""),
                actor=actor,
                now=st.clock.now(),
            )
            code = row.code
    except Forbidden:
        raise
    except MinyiError as exc:
        return _volunteers_page(
            request, actor, None, status_code=422, error=_say(exc), values=fields
        )
    notice = f"已登记，志愿者编号：{code}" if created else f"该手机号已登记为志愿者（编号{code}）"
    return _volunteers_page(request, actor, None, notice=notice)


@router.post("/console/volunteers/{volunteer_id}/decision")
def post_decision(request: Request, volunteer_id: int, form: PostedForm) -> Response:
    actor = staff(request, VOLUNTEER_KEEPERS)
    st = state_of(request)
    fields = fields_of(form)
    back = fields.get("status") or None
    try:
        with st.db.unit_of_work() as session:
            decide_volunteer(
                session,
                volunteer_id,
                actor=actor,
                decision=fields.get("decision", ""),
                note=fields.get("note"),
                now=st.clock.now(),
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        code = 409 if exc.kind == "conflict" else 404 if exc.kind == "not_found" else 422
        return _volunteers_page(request, actor, back, status_code=code, error=_say(exc))
    return redirect("/console/volunteers" + (f"?status={back}" if back else ""))


# --- reports -----------------------------------------------------------------------------------
def _reports_page(
    request: Request,
    actor: Actor,
    state: str | None,
    page: int = 1,
    *,
    status_code: int = 200,
    error: str | None = None,
    cursor: str | None = None,
) -> Response:
    st = state_of(request)
    wanted = (
        ReportState(state)
        if state in {s.value for s in ReportState}
        else None
        if state == "all"
        else ReportState.SUBMITTED
    )
    page = max(page, 1)
    with st.db.reading() as session:
        found = report_page(
            session, actor, state=wanted, page=page, page_size=PAGE_SIZE, cursor=cursor
        )
        kept = {"state": wanted.value if wanted else "all"}
        return render(
            request,
            "console/volunteers/reports.html",
            status_code=status_code,
            rows=found.rows,
            total=found.total,
            next_href=next_href("/console/volunteers/reports", found.next_cursor, **kept),
            first_href=first_href("/console/volunteers/reports", cursor or page > 1, **kept),
            state=wanted.value if wanted else "all",
            error=error,
            **_base(request, actor, "reports"),
        )


@router.get("/console/volunteers/reports")
def reports_page(
    request: Request, state: str | None = None, page: int = 1, cursor: str | None = None
) -> Response:
    return _reports_page(request, _reader(request), state, page, cursor=cursor)


@router.post("/console/volunteers/reports/{report_id}/verify")
def post_verify(request: Request, report_id: int, form: PostedForm) -> Response:
    actor = staff(request, VOLUNTEER_KEEPERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            verify_report(
                session,
                report_id,
                actor=actor,
                verified=fields.get("verified") == "yes",
                note=fields.get("note"),
                now=st.clock.now(),
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        code = 409 if exc.kind == "conflict" else 404 if exc.kind == "not_found" else 422
        return _reports_page(request, actor, None, status_code=code, error=_say(exc))
    return redirect("/console/volunteers/reports")


@router.post("/console/volunteers/reports/{report_id}/raise")
async def post_raise(request: Request, report_id: int, form: PostedForm) -> Response:
    """A report whose case was not registered (the writer failed after the report was kept):
    register it now; the report's external id makes a second press answer the same case."""
    del form  # CSRF-checked by the dependency; the press carries no fields
    actor = await run_in_threadpool(staff, request, VOLUNTEER_KEEPERS)
    st = state_of(request)

    def check() -> None:
        with st.db.reading() as session:
            _, path = get_report(session, actor, report_id)
            if not path.startswith(keeper_path(actor)):
                raise Forbidden("not_your_area", "该上报不在您的辖区内")

    try:
        await run_in_threadpool(check)
        await raise_report(st, report_id)
    except Forbidden:
        raise
    except MinyiError as exc:
        error = _say(exc)
        return await run_in_threadpool(
            lambda: _reports_page(request, actor, None, status_code=422, error=error)
        )
    return redirect("/console/volunteers/reports")


# --- rules -------------------------------------------------------------------------------------
def _rules_page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        return render(
            request,
            "console/volunteers/rules.html",
            status_code=status_code,
            rules=rules_table(session),
            kinds=list(RuleKind),
            classes=FIVE_CLASSES,
            error=error,
            notice=notice,
            **_base(request, actor, "rules"),
        )


@router.get("/console/volunteers/rules")
def rules_page(request: Request) -> Response:
    return _rules_page(request, _reader(request))


@router.post("/console/volunteers/rules")
def post_rule(request: Request, form: PostedForm) -> Response:
    actor = staff(request, (Role.ADMIN,))
    st = state_of(request)
    fields = fields_of(form)
    try:
        points = int(fields.get("points", ""))
    except ValueError:
        return _rules_page(
            request,
            actor,
            status_code=422,
            error="积分须为整数" if Translator(pick_lang(request)).zh else "Points: a whole number",
        )
    try:
        with st.db.unit_of_work() as session:
            set_rule(
                session,
                actor=actor,
                kind=fields.get("kind", ""),
                class_name=fields.get("class_name") or None,
                points=points,
                is_active=fields.get("is_active") == "on",
                now=st.clock.now(),
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        return _rules_page(request, actor, status_code=422, error=_say(exc))
    zh = Translator(pick_lang(request)).zh
    return _rules_page(
        request,
        actor,
        notice="积分规则已保存，此后的奖励按新规则计算"
        if zh
        else "Saved: points from now on follow the new rule",
    )


# --- ledger and ranking ------------------------------------------------------------------------
@router.get("/console/volunteers/ledger")
def ledger_page(request: Request, code: str | None = None) -> Response:
    actor = _reader(request)
    st = state_of(request)
    with st.db.reading() as session:
        path = reader_path(actor)
        found = volunteer_by_code(session, actor, code) if code else None
        person = volunteer_row(session, actor, found.id) if found else None
        return render(
            request,
            "console/volunteers/ledger.html",
            code=code or "",
            person=person,
            lines=ledger(session, found.id) if found else [],
            total=balance(session, found.id) if found else 0,
            latest=[] if code else area_ledger(session, path),
            missing=bool(code) and found is None,
            **_base(request, actor, "ledger"),
        )


@router.get("/console/volunteers/ranking")
def ranking_page(request: Request, area: str | None = None) -> Response:
    actor = _reader(request)
    st = state_of(request)
    with st.db.reading() as session:
        path = reader_path(actor)
        unit = area_of(session, area, path)
        return render(
            request,
            "console/volunteers/ranking.html",
            rows=ranking(session, actor, area_path=unit.path if unit else path),
            area=unit.code if unit else "",
            area_name=unit.name if unit else None,
            streets=streets(session, path),
            communities=communities(session, path),
            **_base(request, actor, "ranking"),
        )
