"""Use cases: write an instruction (its tasks and their clocks), complete a task; issue, answer
and close a supervision order; mark either overdue when its clock breaches. Each runs in the
caller's transaction and leaves an entry on the case's timeline when there is a case. Letters
live in `letters.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.sla.service import complete_clocks, start_clock
from minyi.supervision.hooks import Issued, notify_issued
from minyi.supervision.models import Instruction, InstructionTask, SupervisionOrder
from minyi.supervision.queries import orders_visible_to, tasks_visible_to
from minyi.supervision.rules import (
    LEADERS,
    MAX_TASK_UNITS,
    ORDER_CLOCK_NAME,
    ORDER_MILESTONE,
    ORDER_SUBJECT,
    SUPERVISORS,
    TARGET_UNIT_KINDS,
    TASK_CLOCK_NAME,
    TASK_MILESTONE,
    TASK_SUBJECT,
    OrderAction,
    OrderStatus,
    TaskStatus,
    check_deadline,
    next_order_status,
    require_role,
    required_text,
)


def _target_unit(session: Session, code: str, field: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit.is_active or unit.kind not in TARGET_UNIT_KINDS:
        raise Invalid("bad_unit", f"'{code}' is not a unit that can be given work", field=field)
    return unit


# ---- instructions (批示) ------------------------------------------------------------------


def write_instruction(
    session: Session,
    *,
    actor: Actor,
    text: str,
    units: Sequence[str],
    deadline: datetime | None = None,
    within_days: int | None = None,
    case_id: int | None = None,
    subject_ref: str | None = None,
    now: datetime,
) -> Instruction:
    """A leader's instruction on a case (or a report item): one task with its clock per unit."""
    require_role(actor, LEADERS, "leaders_only", "only a leader writes instructions (批示)")
    body = required_text(text, "text")
    ref = (subject_ref or "").strip() or None
    if case_id is None and ref is None:
        raise Invalid(
            "subject_required", "an instruction is on a case or on a named item", field="case_id"
        )
    if ref is not None and len(ref) > 200:
        raise Invalid("too_long", "subject_ref is longer than 200 characters", field="subject_ref")
    codes = [c.strip() for c in units if c and c.strip()]
    if not codes:
        raise Invalid(
            "units_required", "name at least one unit to carry out the instruction", field="units"
        )
    if len(codes) > MAX_TASK_UNITS:
        raise Invalid("too_many_units", f"at most {MAX_TASK_UNITS} units", field="units")
    if len(set(codes)) != len(codes):
        raise Invalid("duplicate_unit", "a unit is named twice", field="units")
    due = check_deadline(deadline, within_days, now)
    targets = [_target_unit(session, code, "units") for code in codes]
    case = (
        get_visible_case(session, case_id, actor, for_update=True) if case_id is not None else None
    )

    instruction = Instruction(
        case_id=case_id, subject_ref=ref, author_id=actor.staff_id, text=body, created_at=now
    )
    session.add(instruction)
    session.flush()
    for unit in targets:
        give_task(session, instruction, unit_id=unit.id, deadline=due, now=now)
    if case is not None:
        record_case_event(
            session,
            case,
            action="instruct",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=body,
            payload={"instruction_id": instruction.id, "units": codes, "deadline": due.isoformat()},
        )
    session.flush()
    return instruction


def give_task(
    session: Session, instruction: Instruction, *, unit_id: int, deadline: datetime, now: datetime
) -> InstructionTask:
    """One unit's task on an instruction, with its clock, in the unit's to-do list. Packages
    above (a joint meeting's decision) give work to units through this, so every such task is
    completed, chased and counted the same way."""
    task = InstructionTask(
        instruction_id=instruction.id,
        unit_id=unit_id,
        deadline=deadline,
        status=TaskStatus.OPEN.value,
        is_overdue=False,
    )
    session.add(task)
    session.flush()
    start_clock(
        session,
        subject=TASK_SUBJECT,
        subject_id=task.id,
        milestone=TASK_MILESTONE,
        name=TASK_CLOCK_NAME,
        duration=deadline - now,
        now=now,
        case_id=instruction.case_id,
    )
    notify_issued(session, Issued("instruction", task.id, unit_id, instruction.case_id, now))
    return task


def complete_task(
    session: Session, task_id: int, *, actor: Actor, result: str, now: datetime
) -> InstructionTask:
    """Staff of the task's unit report what they did; the task's clock stops."""
    task = session.scalar(
        select(InstructionTask)
        .where(InstructionTask.id == task_id, tasks_visible_to(actor))
        .with_for_update()
    )
    if task is None:
        raise NotFound("task_not_found", f"no task {task_id}")
    if actor.unit_id != task.unit_id:
        raise Forbidden(
            "not_task_unit", "only the staff of the unit named in the instruction complete its task"
        )
    text = required_text(result, "result")
    if task.status == TaskStatus.DONE:
        raise Conflict(
            "task_done",
            "this task is already done",
            done_at=task.done_at.isoformat() if task.done_at else None,
        )
    task.status, task.done_at, task.done_by_id, task.result = (
        TaskStatus.DONE.value,
        now,
        actor.staff_id,
        text,
    )
    complete_clocks(session, subject=TASK_SUBJECT, subject_id=task.id, now=now)
    instruction = session.get(Instruction, task.instruction_id)
    assert instruction is not None
    if instruction.case_id is not None:
        case = session.get(Case, instruction.case_id)
        assert case is not None
        record_case_event(
            session,
            case,
            action="instruction_done",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=text,
            payload={"instruction_id": instruction.id, "task_id": task.id, "unit": actor.unit_code},
        )
    session.flush()
    return task


def mark_task_overdue(session: Session, task_id: int, *, now: datetime) -> bool:
    """The task's clock breached (called by the worker's handler). Idempotent."""
    task = session.get(InstructionTask, task_id)
    if task is None or task.is_overdue or task.status != TaskStatus.OPEN:
        return False
    task.is_overdue = True
    instruction = session.get(Instruction, task.instruction_id)
    if instruction is not None and instruction.case_id is not None:
        case = session.get(Case, instruction.case_id)
        unit = session.get(Unit, task.unit_id)
        if case is not None:
            record_case_event(
                session,
                case,
                action="instruction_overdue",
                actor_label="system",
                actor_id=None,
                now=now,
                reason="批示办理超期",
                payload={
                    "instruction_id": instruction.id,
                    "task_id": task.id,
                    "unit": unit.code if unit else None,
                },
            )
    return True


# ---- supervision orders (督办) -----------------------------------------------------------


def issue_order(
    session: Session,
    *,
    actor: Actor,
    reason: str,
    case_id: int | None = None,
    unit: str | None = None,
    deadline: datetime | None = None,
    within_days: int | None = None,
    now: datetime,
) -> SupervisionOrder:
    """An order on a case goes to the unit named, or else to the case's lead unit; an order on
    a unit alone chases its work at large."""
    require_role(
        actor, SUPERVISORS, "supervisors_only", "only a supervisor issues supervision orders (督办)"
    )
    text = required_text(reason, "reason")
    due = check_deadline(deadline, within_days, now)
    case = (
        get_visible_case(session, case_id, actor, for_update=True) if case_id is not None else None
    )
    if unit:
        target = _target_unit(session, unit, "unit")
    elif case is not None:
        if case.lead_unit_id is None:
            raise Invalid(
                "no_lead_unit",
                "the case has no lead unit yet; name the unit to chase",
                field="unit",
            )
        lead = session.get(Unit, case.lead_unit_id)
        assert lead is not None
        target = lead
    else:
        raise Invalid("target_required", "an order is on a case or a unit", field="unit")
    order = SupervisionOrder(
        case_id=case_id,
        unit_id=target.id,
        reason=text,
        deadline=due,
        status=OrderStatus.OPEN.value,
        is_overdue=False,
        issued_by_id=actor.staff_id,
        issued_at=now,
    )
    session.add(order)
    session.flush()
    start_clock(
        session,
        subject=ORDER_SUBJECT,
        subject_id=order.id,
        milestone=ORDER_MILESTONE,
        name=ORDER_CLOCK_NAME,
        duration=due - now,
        now=now,
        case_id=case_id,
    )
    notify_issued(session, Issued("order", order.id, target.id, case_id, now))
    if case is not None:
        record_case_event(
            session,
            case,
            action="supervise",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=text,
            payload={"order_id": order.id, "unit": target.code, "deadline": due.isoformat()},
        )
    session.flush()
    return order


def _order_for_update(session: Session, order_id: int, actor: Actor) -> SupervisionOrder:
    order = session.scalar(
        select(SupervisionOrder)
        .where(SupervisionOrder.id == order_id, orders_visible_to(actor))
        .with_for_update()
    )
    if order is None:
        raise NotFound("order_not_found", f"no supervision order {order_id}")
    return order


def respond_order(
    session: Session, order_id: int, *, actor: Actor, response: str, now: datetime
) -> SupervisionOrder:
    order = _order_for_update(session, order_id, actor)
    if actor.unit_id != order.unit_id:
        raise Forbidden(
            "not_order_unit", "only the staff of the unit under the order respond to it"
        )
    text = required_text(response, "response")
    order.status = next_order_status(OrderStatus(order.status), OrderAction.RESPOND).value
    order.response, order.responded_at, order.responded_by_id = text, now, actor.staff_id
    complete_clocks(session, subject=ORDER_SUBJECT, subject_id=order.id, now=now)
    _order_event(session, order, "supervision_response", actor, now, text)
    session.flush()
    return order


def close_order(
    session: Session, order_id: int, *, actor: Actor, note: str | None, now: datetime
) -> SupervisionOrder:
    require_role(
        actor, SUPERVISORS, "supervisors_only", "only a supervisor closes a supervision order"
    )
    order = _order_for_update(session, order_id, actor)
    order.status = next_order_status(OrderStatus(order.status), OrderAction.CLOSE).value
    order.closed_at, order.closed_by_id = now, actor.staff_id
    order.close_note = (note or "").strip() or None
    _order_event(session, order, "supervision_closed", actor, now, order.close_note)
    session.flush()
    return order


def mark_order_overdue(session: Session, order_id: int, *, now: datetime) -> bool:
    """The order's clock breached before the unit responded. Idempotent."""
    order = session.get(SupervisionOrder, order_id)
    if order is None or order.is_overdue or order.status != OrderStatus.OPEN:
        return False
    order.is_overdue = True
    if order.case_id is not None:
        case = session.get(Case, order.case_id)
        if case is not None:
            record_case_event(
                session,
                case,
                action="supervision_overdue",
                actor_label="system",
                actor_id=None,
                now=now,
                reason="督办反馈超期",
                payload={"order_id": order.id},
            )
    return True


def _order_event(
    session: Session,
    order: SupervisionOrder,
    action: str,
    actor: Actor,
    now: datetime,
    reason: str | None,
) -> None:
    if order.case_id is None:
        return
    case = session.get(Case, order.case_id)
    assert case is not None
    record_case_event(
        session,
        case,
        action=action,
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload={"order_id": order.id},
    )
