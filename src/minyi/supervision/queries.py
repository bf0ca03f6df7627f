"""Read side: who may see which instructions, tasks, orders and letters; lists with filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, undefer

from minyi.cases.models import Case
from minyi.cases.queries import reader_views, text_view, visible_to
from minyi.core.errors import NotFound
from minyi.core.listing import Listing, list_page
from minyi.core.paging import SortKey, asc, desc
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.sla.models import Clock
from minyi.sla.service import clocks_of
from minyi.supervision.models import (
    Instruction,
    InstructionTask,
    Letter,
    LetterReply,
    SupervisionOrder,
)
from minyi.supervision.rules import ORDER_SUBJECT, OVERSEERS, TASK_SUBJECT, TaskStatus
from minyi.supervision.schemas import (
    instruction_view,
    letter_view,
    order_view,
    task_view,
    view_person,
)


def instructions_visible_to(actor: Actor) -> ColumnElement[bool]:
    """Leaders, supervisors and administrators read every instruction; other staff read those
    that give their unit a task, and those on a case they may see (the lead unit should know
    what the leader wrote). Out of scope reads as 'not found'."""
    if actor.role in OVERSEERS:
        return true()
    if actor.role is None or actor.unit_id is None:
        return false()
    return or_(
        exists().where(
            InstructionTask.instruction_id == Instruction.id,
            InstructionTask.unit_id == actor.unit_id,
        ),
        exists().where(Case.id == Instruction.case_id, visible_to(actor)),
    )


def tasks_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.role in OVERSEERS:
        return true()
    if actor.role is None or actor.unit_id is None:
        return false()
    return InstructionTask.unit_id == actor.unit_id


def orders_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.role in OVERSEERS:
        return true()
    if actor.role is None or actor.unit_id is None:
        return false()
    return SupervisionOrder.unit_id == actor.unit_id


def letters_visible_to(actor: Actor) -> ColumnElement[bool]:
    """A letter is read by its addressee unit; a notice to all units by all staff."""
    if actor.role in OVERSEERS:
        return true()
    if actor.role is None or actor.unit_id is None:
        return false()
    return or_(Letter.addressee_unit_id == actor.unit_id, Letter.addressee_unit_id.is_(None))


def _page(
    session: Session,
    stmt: Select[Any],
    order: list[SortKey],
    page: int,
    page_size: int,
    cursor: str | None,
) -> Listing[Any]:
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def get_instruction(session: Session, instruction_id: int, actor: Actor) -> Instruction:
    row = session.scalar(
        select(Instruction).where(Instruction.id == instruction_id, instructions_visible_to(actor))
    )
    if row is None:
        raise NotFound("instruction_not_found", f"no instruction {instruction_id}")
    return row


def list_instructions(
    session: Session,
    actor: Actor,
    *,
    author_id: int | None = None,
    case_id: int | None = None,
    subject_ref: str | None = None,
    state: str | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[Instruction]:
    """`state`: open (a task is still open), overdue (an open task is past its deadline), done."""
    stmt = select(Instruction).where(instructions_visible_to(actor))
    if author_id is not None:
        stmt = stmt.where(Instruction.author_id == author_id)
    if case_id is not None:
        stmt = stmt.where(Instruction.case_id == case_id)
    if subject_ref:
        stmt = stmt.where(Instruction.subject_ref == subject_ref)
    open_task = and_(
        InstructionTask.instruction_id == Instruction.id,
        InstructionTask.status == TaskStatus.OPEN.value,
    )
    if state == "open":
        stmt = stmt.where(exists().where(open_task))
    elif state == "overdue":
        stmt = stmt.where(exists().where(open_task, InstructionTask.is_overdue.is_(True)))
    elif state == "done":
        stmt = stmt.where(~exists().where(open_task))
    order = [desc(Instruction.created_at), desc(Instruction.id)]
    return _page(session, stmt, order, page, page_size, cursor)


def instructions_on_case(session: Session, case_ids: list[int]) -> dict[int, list[Instruction]]:
    out: dict[int, list[Instruction]] = {}
    if case_ids:
        for row in session.scalars(
            select(Instruction).where(Instruction.case_id.in_(case_ids)).order_by(Instruction.id)
        ):
            assert row.case_id is not None
            out.setdefault(row.case_id, []).append(row)
    return out


def tasks_of(session: Session, instruction_ids: list[int]) -> dict[int, list[InstructionTask]]:
    out: dict[int, list[InstructionTask]] = {}
    if instruction_ids:
        stmt = (
            select(InstructionTask)
            .where(InstructionTask.instruction_id.in_(instruction_ids))
            .order_by(InstructionTask.id)
        )
        for task in session.scalars(stmt):
            out.setdefault(task.instruction_id, []).append(task)
    return out


def get_task(session: Session, task_id: int, actor: Actor) -> InstructionTask:
    task = session.scalar(
        select(InstructionTask).where(InstructionTask.id == task_id, tasks_visible_to(actor))
    )
    if task is None:
        raise NotFound("task_not_found", f"no task {task_id}")
    return task


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    unit_id: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[InstructionTask]:
    stmt = select(InstructionTask).where(tasks_visible_to(actor))
    if unit_id is not None:
        stmt = stmt.where(InstructionTask.unit_id == unit_id)
    if status:
        stmt = stmt.where(InstructionTask.status == status)
    if overdue is not None:
        stmt = stmt.where(InstructionTask.is_overdue.is_(overdue))
    order = [asc(InstructionTask.deadline), asc(InstructionTask.id)]
    return _page(session, stmt, order, page, page_size, cursor)


def instructions_by_id(session: Session, ids: set[int]) -> dict[int, Instruction]:
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(Instruction).where(Instruction.id.in_(ids)))}


def get_order(session: Session, order_id: int, actor: Actor) -> SupervisionOrder:
    order = session.scalar(
        select(SupervisionOrder).where(SupervisionOrder.id == order_id, orders_visible_to(actor))
    )
    if order is None:
        raise NotFound("order_not_found", f"no supervision order {order_id}")
    return order


def list_orders(
    session: Session,
    actor: Actor,
    *,
    unit_id: int | None = None,
    case_id: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[SupervisionOrder]:
    stmt = select(SupervisionOrder).where(orders_visible_to(actor))
    if unit_id is not None:
        stmt = stmt.where(SupervisionOrder.unit_id == unit_id)
    if case_id is not None:
        stmt = stmt.where(SupervisionOrder.case_id == case_id)
    if status:
        stmt = stmt.where(SupervisionOrder.status == status)
    if overdue is not None:
        stmt = stmt.where(SupervisionOrder.is_overdue.is_(overdue))
    order = [desc(SupervisionOrder.issued_at), desc(SupervisionOrder.id)]
    return _page(session, stmt, order, page, page_size, cursor)


def get_letter(
    session: Session, letter_id: int, actor: Actor, *, with_document: bool = False
) -> Letter:
    stmt = select(Letter).where(Letter.id == letter_id, letters_visible_to(actor))
    if with_document:
        stmt = stmt.options(undefer(Letter.document))
    letter = session.scalar(stmt)
    if letter is None:
        raise NotFound("letter_not_found", f"no letter {letter_id}")
    return letter


def list_letters(
    session: Session,
    actor: Actor,
    *,
    kind: str | None = None,
    year: int | None = None,
    unit_id: int | None = None,
    case_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[Letter]:
    stmt = select(Letter).where(letters_visible_to(actor))
    if kind:
        stmt = stmt.where(Letter.kind == kind)
    if year is not None:
        stmt = stmt.where(Letter.year == year)
    if unit_id is not None:
        stmt = stmt.where(Letter.addressee_unit_id == unit_id)
    if case_id is not None:
        stmt = stmt.where(Letter.case_id == case_id)
    order = [desc(Letter.issued_at), desc(Letter.id)]
    return _page(session, stmt, order, page, page_size, cursor)


def task_clocks(session: Session, task_ids: list[int]) -> dict[int, Clock]:
    """The newest clock of each task."""
    return {sid: clocks[-1] for sid, clocks in clocks_of(session, TASK_SUBJECT, task_ids).items()}


def order_clocks(session: Session, order_ids: list[int]) -> dict[int, Clock]:
    return {sid: clocks[-1] for sid, clocks in clocks_of(session, ORDER_SUBJECT, order_ids).items()}


def unit_labels(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {
        uid: (code, name)
        for uid, code, name in session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids))
        )
    }


def staff_labels(session: Session, ids: set[int]) -> dict[int, tuple[str, str, str | None]]:
    """id -> (username, name, title)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.username, Staff.name, Staff.title).where(Staff.id.in_(ids))
    )
    return {sid: (username, name, title) for sid, username, name, title in rows}


# ---- views: each list is a fixed number of queries, whatever its length -------------------


def describe_instructions(
    session: Session, instructions: list[Instruction], now: datetime, *, actor: Actor | None
) -> list[dict[str, Any]]:
    """Instructions with their tasks, the texts through `actor`'s privacy view of each case
    (`None`: the oversight view, for reports)."""
    tasks = tasks_of(session, [i.id for i in instructions])
    all_tasks = [t for ts in tasks.values() for t in ts]
    clocks = task_clocks(session, [t.id for t in all_tasks])
    units = unit_labels(session, {t.unit_id for t in all_tasks})
    people = staff_labels(
        session, {i.author_id for i in instructions} | {t.done_by_id or 0 for t in all_tasks}
    )
    views = reader_views(session, actor, {i.case_id for i in instructions if i.case_id})
    return [
        instruction_view(
            i, tasks.get(i.id, []), clocks, units, people, now, view=text_view(views, i.case_id)
        )
        for i in instructions
    ]


def describe_tasks(
    session: Session, tasks: list[InstructionTask], now: datetime, *, actor: Actor | None
) -> list[dict[str, Any]]:
    """Tasks as a unit's to-do list: each with the instruction's text, author and case."""
    instructions = instructions_by_id(session, {t.instruction_id for t in tasks})
    clocks = task_clocks(session, [t.id for t in tasks])
    units = unit_labels(session, {t.unit_id for t in tasks})
    people = staff_labels(
        session, {i.author_id for i in instructions.values()} | {t.done_by_id or 0 for t in tasks}
    )
    views = reader_views(session, actor, {i.case_id for i in instructions.values() if i.case_id})
    out = []
    for task in tasks:
        instruction = instructions[task.instruction_id]
        shown = text_view(views, instruction.case_id)
        view = task_view(task, clocks.get(task.id), units, people, now, view=shown)
        view["instruction"] = {
            "text": shown.show_text(instruction.text),
            "case_id": instruction.case_id,
            "subject_ref": instruction.subject_ref,
            "author": view_person(people, instruction.author_id),
            "created_at": instruction.created_at,
        }
        out.append(view)
    return out


def describe_orders(
    session: Session, orders: list[SupervisionOrder], now: datetime, *, actor: Actor | None
) -> list[dict[str, Any]]:
    clocks = order_clocks(session, [o.id for o in orders])
    units = unit_labels(session, {o.unit_id for o in orders})
    people = staff_labels(
        session, {o.issued_by_id for o in orders} | {o.responded_by_id or 0 for o in orders}
    )
    views = reader_views(session, actor, {o.case_id for o in orders if o.case_id})
    return [
        order_view(o, clocks.get(o.id), units, people, now, view=text_view(views, o.case_id))
        for o in orders
    ]


def describe_letters(
    session: Session, letters: list[Letter], *, actor: Actor | None
) -> list[dict[str, Any]]:
    units = unit_labels(session, {letter.addressee_unit_id or 0 for letter in letters})
    people = staff_labels(session, {letter.issued_by_id for letter in letters})
    views = reader_views(session, actor, {letter.case_id for letter in letters if letter.case_id})
    return [
        letter_view(letter, units, people, view=text_view(views, letter.case_id))
        for letter in letters
    ]


def replies_of(
    session: Session, letters: list[Letter], *, actor: Actor | None
) -> dict[int, list[dict[str, Any]]]:
    """letter id -> the units' replies, oldest first: unit name, text (through `actor`'s view
    of the letter's case, as the letter's own texts), who and when."""
    if not letters:
        return {}
    case_of = {letter.id: letter.case_id for letter in letters}
    views = reader_views(session, actor, {c for c in case_of.values() if c})
    rows = list(
        session.scalars(
            select(LetterReply)
            .where(LetterReply.letter_id.in_(case_of))
            .order_by(LetterReply.replied_at, LetterReply.id)
        )
    )
    units = unit_labels(session, {r.unit_id for r in rows})
    people = staff_labels(session, {r.replied_by_id for r in rows})
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.letter_id, []).append(
            {
                "unit": units.get(r.unit_id, ("", ""))[0],
                "unit_name": units.get(r.unit_id, ("", ""))[1],
                "text": text_view(views, case_of[r.letter_id]).show_text(r.text),
                "replied_at": r.replied_at,
                "replied_by": view_person(people, r.replied_by_id),
            }
        )
    return out
