"""Forms for the work around a case: whistles (吹哨/报到), instructions (批示), supervision orders
(督办) and letters. Each calls the same service function as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.cases.queries import CaseFilter, page_cases, titles_of_rows
from minyi.cases.rules import OPEN
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.core.listing import first_href, next_href
from minyi.escalation.holdings import take_case
from minyi.meetings.queries import meeting_titles
from minyi.meetings.rules import parse_subject_ref
from minyi.org.queries import unit_choices
from minyi.supervision.letters import document_for
from minyi.supervision.queries import (
    describe_letters,
    describe_orders,
    describe_tasks,
    get_letter,
    list_letters,
    list_orders,
    list_tasks,
    replies_of,
)
from minyi.supervision.rules import may_complete_task, may_reply_to_letter, may_respond_to_order
from minyi.supervision.service import (
    close_order,
    complete_task,
    issue_order,
    respond_order,
    write_instruction,
)
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import (
    STATUS,
    PostedForm,
    WebRoute,
    redirect,
    render,
    staff,
    staff_form,
    state_of,
)
from minyi.web.panels_leader import report_subjects
from minyi.web.pickers import form_message, unit_groups
from minyi.whistle.queries import (
    describe_whistles,
    list_whistles,
    staff_refs,
    summonses_of,
    unit_refs,
)
from minyi.whistle.rules import SUMMONED_KINDS, may_blow, summons_step
from minyi.whistle.service import act_on_summons, blow_whistle, confirm_whistle, report_in

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# The cases a whistle form offers by tracking number: the area's open ones, newest first.
WHISTLE_CASES = 200
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]


def _int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise Invalid("bad_number", f"'{field}' must be a whole number", field=field)
    return int(value)


@router.get("/console/whistles")
def whistles(
    request: Request,
    tracking_no: str | None = None,
    new: str | None = None,
    cursor: str | None = None,
) -> Response:
    return _whistles_page(
        request,
        kept={"tracking_no": (tracking_no or "").strip()[:40]},
        opened=new == "1",
        cursor=cursor,
    )


def _whistles_page(
    request: Request,
    *,
    kept: dict[str, Any],
    units_kept: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    opened: bool = False,
    cursor: str | None = None,
) -> Response:
    """The whistles list, with the form to blow one for street, community and grid staff;
    a refused form comes back with its message and everything typed."""
    actor = staff(request)
    state = state_of(request)
    may = may_blow(actor.role, actor.unit_kind)
    with state.db.reading() as session:
        listed = list_whistles(
            session,
            actor,
            status=None,
            unit_id=None,
            case_id=None,
            page=1,
            page_size=50,
            cursor=cursor,
        )
        rows = listed.rows
        summonses = summonses_of(session, [w.id for w in rows])
        units = unit_refs(
            session,
            {s.unit_id for ss in summonses.values() for s in ss} | {w.issuer_unit_id for w in rows},
        )
        people = staff_refs(session, {w.issuer_id for w in rows})
        # The texts as the reader may read them (the privacy policy), beside the rows for the forms.
        shown = describe_whistles(session, rows, state.clock.now(), actor=actor)
        tracking = dict(
            session.execute(
                select(Case.id, Case.tracking_no).where(
                    Case.id.in_({w.case_id for w in rows if w.case_id})
                )
            ).all()
        )
        departments, open_cases = [], []
        if may:
            departments = unit_groups(unit_choices(session, SUMMONED_KINDS))
            # The newest open cases, not counted: the form offers them, it does not page them.
            found = page_cases(
                session,
                actor,
                CaseFilter(status=list(OPEN)),
                cursor=None,
                size=WHISTLE_CASES,
                count=False,
            ).rows
            titles = titles_of_rows(session, actor, found)
            open_cases = [(c.tracking_no, titles.get(c.id, "")) for c, _ in found]
        # The step each summons offers this reader (whistle.rules), so the page compares nothing.
        steps = {
            (w.id, s.unit_id): summons_step(
                unit_id=actor.unit_id,
                unit_kind=actor.unit_kind,
                summoned_unit_id=s.unit_id,
                issuer_unit_id=w.issuer_unit_id,
                reported=s.reported_at is not None,
                acted=s.acted_at is not None,
                confirmed=s.confirmed_at is not None,
            )
            for w in rows
            for s in summonses.get(w.id, [])
        }
        return render(
            request,
            "console/whistles.html",
            status_code=status_code,
            total=listed.total,
            next_href=next_href("/console/whistles", listed.next_cursor),
            first_href=first_href("/console/whistles", cursor),
            units=units,
            people=people,
            steps=steps,
            items=[
                (w, list(zip(summonses.get(w.id, []), v["summonses"], strict=True)), v)
                for w, v in zip(rows, shown, strict=True)
            ],
            tracking=tracking,
            may_blow=may,
            departments=departments,
            open_cases=open_cases,
            kept=kept,
            units_kept=units_kept or [],
            error=error,
            opened=opened,
        )


@router.get("/console/tasks")
def tasks(request: Request) -> Response:
    """A unit's instruction tasks (批示) and supervision orders (督办) to answer."""
    actor = staff(request)
    state = state_of(request)
    now = state.clock.now()
    with state.db.reading() as session:
        task_rows = list_tasks(session, actor, unit_id=actor.unit_id, page=1, page_size=50).rows
        order_rows = list_orders(session, actor, unit_id=actor.unit_id, page=1, page_size=50).rows
        described = describe_tasks(session, task_rows, now, actor=actor)
        # Letters addressed to this unit (a 通报 to all units is read on the supervision board).
        letter_rows = (
            list_letters(session, actor, unit_id=actor.unit_id, page=1, page_size=50).rows
            if actor.unit_id
            else []
        )
        letter_replies = replies_of(session, letter_rows, actor=actor)
        # Which rows this reader's unit answers (supervision.rules), so the page compares nothing.
        may = {
            "tasks": {
                t.id
                for t in task_rows
                if may_complete_task(actor, unit_id=t.unit_id, status=t.status)
            },
            "orders": {
                o.id
                for o in order_rows
                if may_respond_to_order(actor, unit_id=o.unit_id, status=o.status)
            },
            "letters": {
                letter.id
                for letter in letter_rows
                if may_reply_to_letter(
                    actor,
                    addressee_unit_id=letter.addressee_unit_id,
                    answered=bool(letter_replies.get(letter.id)),
                )
            },
        }
        # A joint meeting's decisions reach units as tasks too (meetings gives them through
        # supervision.give_task); they are listed under the meeting, not as a leader's 批示.
        meeting_tasks = []
        for t in described:
            ref = parse_subject_ref(t["instruction"]["subject_ref"])
            if ref is not None:
                t["meeting_id"] = ref[0]
                meeting_tasks.append(t)
        titles = meeting_titles(session, {t["meeting_id"] for t in meeting_tasks})
        for t in meeting_tasks:
            t["meeting_title"] = titles.get(t["meeting_id"], "")
        return render(
            request,
            "console/tasks.html",
            tasks=[t for t in described if t not in meeting_tasks],
            meeting_tasks=meeting_tasks,
            orders=describe_orders(session, order_rows, now, actor=actor),
            may=may,
            letters=describe_letters(session, letter_rows, actor=actor),
            letter_replies=letter_replies,
            subjects=report_subjects(
                session,
                {
                    t["instruction"]["subject_ref"]
                    for t in described
                    if t["instruction"]["subject_ref"]
                },
            ),
        )


@router.post("/console/whistles")
def blow(request: Request, form: PostedForm) -> Response:
    actor, state, fields = staff_form(request, form)
    # The picker posts one value per department; a typed list of codes (the API's habit) also works.
    units = [
        c.strip()
        for v in form.getlist("units")
        if isinstance(v, str)
        for c in v.replace("，", ",").split(",")
        if c.strip()
    ]
    try:
        with state.db.unit_of_work() as session:
            whistle = blow_whistle(
                session,
                actor=actor,
                description=fields.get("description", ""),
                units=units,
                now=state.clock.now(),
                case_id=_int(fields.get("case_id"), "case_id"),
                place=fields.get("place") or None,
                address=fields.get("address") or None,
                report_within_minutes=_int(fields.get("minutes"), "minutes"),
                tracking_no=fields.get("tracking_no") or None,
            )
            whistle_id = whistle.id
    except (Invalid, Conflict) as exc:
        message = form_message(exc, Translator(pick_lang(request)))
        return _whistles_page(
            request,
            kept=fields,
            units_kept=units,
            error=message,
            status_code=STATUS.get(exc.kind, 400),
        )
    return redirect(f"/console/whistles#w{whistle_id}")


@router.post("/console/whistles/{whistle_id}/{step}")
def whistle_step(request: Request, form: PostedForm, whistle_id: int, step: str) -> Response:
    actor, state, fields = staff_form(request, form)
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        if step == "report-in":
            report_in(session, whistle_id, actor=actor, now=now)
        elif step == "act":
            act_on_summons(session, whistle_id, actor=actor, text=fields.get("text", ""), now=now)
        elif step == "confirm":
            confirm_whistle(
                session,
                whistle_id,
                actor=actor,
                now=now,
                unit=fields.get("unit") or None,
                note=fields.get("note") or None,
            )
        else:
            raise NotFound("no_such_step", f"no whistle step '{step}'")
    return redirect(f"/console/whistles#w{whistle_id}")


@router.post("/console/cases/{case_id}/instructions")
def instruct(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        write_instruction(
            session,
            actor=actor,
            text=fields.get("text", ""),
            units=_codes(fields.get("units", "")),
            within_days=_int(fields.get("within_days"), "within_days"),
            case_id=case_id,
            now=state.clock.now(),
        )
    return redirect(f"/console/cases/{case_id}?done=instruct")


@router.post("/console/tasks/{task_id}/complete")
def finish_task(request: Request, form: PostedForm, task_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        complete_task(
            session, task_id, actor=actor, result=fields.get("result", ""), now=state.clock.now()
        )
    return redirect("/console/tasks")


@router.post("/console/cases/{case_id}/holding")
def hold(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        take_case(
            session, case_id, actor=actor, plan=fields.get("plan") or None, now=state.clock.now()
        )
    return redirect(f"/console/cases/{case_id}?done=holding_take")


@router.post("/console/cases/{case_id}/orders")
def order(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        issue_order(
            session,
            actor=actor,
            reason=fields.get("reason", ""),
            case_id=case_id,
            unit=fields.get("unit") or None,
            within_days=_int(fields.get("within_days"), "within_days"),
            now=state.clock.now(),
        )
    return redirect(f"/console/cases/{case_id}?done=supervise")


@router.post("/console/orders/{order_id}/{step}")
def order_step(request: Request, form: PostedForm, order_id: int, step: str) -> Response:
    actor, state, fields = staff_form(request, form)
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        if step == "respond":
            respond_order(
                session, order_id, actor=actor, response=fields.get("response", ""), now=now
            )
        elif step == "close":
            close_order(session, order_id, actor=actor, note=fields.get("note") or None, now=now)
        else:
            raise NotFound("no_such_step", f"no order step '{step}'")
    return redirect("/console/supervision" if step == "close" else "/console/tasks")


@router.get("/console/letters/{letter_id}.docx")
def letter(request: Request, letter_id: int) -> Response:
    actor = staff(request)
    with state_of(request).db.reading() as session:
        row = get_letter(session, letter_id, actor, with_document=True)
        return Response(
            document_for(session, row, actor, tz=state_of(request).tz),
            media_type=DOCX,
            headers={
                "Content-Disposition": f"attachment; filename=\"letter-{row.id}.docx\"; filename*=UTF-8''{quote(row.number)}.docx",
            },
        )
