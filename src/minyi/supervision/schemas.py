"""The public shapes: request bodies shared by the API and the CLI, and the views of
instructions, tasks, orders and letters (with their clocks) as the reader sees them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.privacy.rules import CaseView
from minyi.sla.models import Clock
from minyi.sla.schemas import ClockView
from minyi.sla.service import clock_view
from minyi.supervision.models import Instruction, InstructionTask, Letter, SupervisionOrder
from minyi.supervision.rules import (
    LETTER_KIND_ZH,
    ORDER_STATUS_ZH,
    RIGHT_ZH,
    TASK_STATE_ZH,
    LetterKind,
    SuggestionRight,
    TaskStatus,
    task_state,
    time_left_label,
)

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InstructionIn(BaseModel):
    model_config = STRICT

    text: str = Field(min_length=1, max_length=4000, description="the instruction (批示)")
    units: list[str] = Field(
        min_length=1, max_length=20, description="codes of the units that must act"
    )
    case_id: int | None = Field(None, description="the case instructed on")
    subject_ref: str | None = Field(
        None, max_length=200, description="another item instructed on, e.g. a daily-report item"
    )
    deadline: AwareDatetime | None = Field(None, description="by when; or give within_days")
    within_days: int | None = Field(None, ge=1, le=366)


class TaskResultIn(BaseModel):
    model_config = STRICT

    result: str = Field(min_length=1, max_length=4000, description="what the unit did")


class OrderIn(BaseModel):
    model_config = STRICT

    reason: str = Field(min_length=1, max_length=4000)
    case_id: int | None = None
    unit: str | None = Field(
        None, max_length=40, description="unit code; defaults to the case's lead unit"
    )
    deadline: AwareDatetime | None = None
    within_days: int | None = Field(None, ge=1, le=366)


class OrderResponseIn(BaseModel):
    model_config = STRICT

    response: str = Field(min_length=1, max_length=4000)


class OrderCloseIn(BaseModel):
    model_config = STRICT

    note: str | None = Field(None, max_length=4000)


class LetterIn(BaseModel):
    model_config = STRICT

    kind: LetterKind
    subject: str = Field(
        min_length=1, max_length=200, description="what the letter is about: 关于{subject}的提醒函"
    )
    body: str = Field(min_length=1, max_length=20000, description="paragraphs, one per line")
    addressee_unit: str | None = Field(
        None, max_length=40, description="unit code; required but for a notice"
    )
    addressee: str | None = Field(
        None, max_length=200, description="the addressee line, if not the unit's name"
    )
    suggestion_right: SuggestionRight | None = Field(
        None, description="suggestion letters: which of the three rights"
    )
    case_id: int | None = None
    order_id: int | None = None
    reply_by: date | None = Field(None, description="the date by which the addressee reports back")


Units = dict[int, tuple[str, str]]
People = dict[int, tuple[str, str, str | None]]


def clock_out(clock: Clock | None, now: datetime) -> dict[str, Any] | None:
    """The clock as sla shows it, plus `time_left` in words; an open breached clock says by
    how much it is overdue (超期 …)."""
    if clock is None:
        return None
    view = clock_view(clock, now)
    seconds = view["seconds_left"]
    if seconds is None and clock.state == "breached" and clock.completed_at is None:
        seconds = (clock.due_at - now).total_seconds()
    view["time_left"] = time_left_label(seconds)
    return view


def view_person(people: People, staff_id: int | None) -> dict[str, Any] | None:
    if staff_id is None or staff_id not in people:
        return None
    username, name, title = people[staff_id]
    return {"username": username, "name": name, "title": title}


def task_view(
    task: InstructionTask,
    clock: Clock | None,
    units: Units,
    people: People,
    now: datetime,
    *,
    view: CaseView,
) -> dict[str, Any]:
    """`view`: the reader's privacy view of the instruction's case (the unit's result may quote
    the appeal)."""
    breached = task.is_overdue or (clock is not None and clock.state == "breached")
    state = task_state(
        TaskStatus(task.status), deadline=task.deadline, done_at=task.done_at, is_breached=breached
    )
    code, name = units.get(task.unit_id, ("", ""))
    return {
        "id": task.id,
        "instruction_id": task.instruction_id,
        "unit": code,
        "unit_name": name,
        "deadline": task.deadline,
        "status": task.status,
        "state": state.value,
        "state_label": TASK_STATE_ZH[state.value],
        "is_overdue": breached,
        "done_at": task.done_at,
        "done_by": view_person(people, task.done_by_id),
        "result": view.show_text(task.result),
        "clock": clock_out(clock, now),
    }


def instruction_view(
    instruction: Instruction,
    tasks: list[InstructionTask],
    clocks: dict[int, Clock],
    units: Units,
    people: People,
    now: datetime,
    *,
    view: CaseView,
) -> dict[str, Any]:
    views = [task_view(t, clocks.get(t.id), units, people, now, view=view) for t in tasks]
    return {
        "id": instruction.id,
        "case_id": instruction.case_id,
        "subject_ref": instruction.subject_ref,
        "author": view_person(people, instruction.author_id),
        "text": view.show_text(instruction.text),
        "created_at": instruction.created_at,
        "tasks": views,
        "summary": {
            "tasks": len(views),
            "done": sum(v["status"] == "done" for v in views),
            "overdue": sum(v["state"] in ("overdue", "done_late") for v in views),
        },
    }


def order_view(
    order: SupervisionOrder,
    clock: Clock | None,
    units: Units,
    people: People,
    now: datetime,
    *,
    view: CaseView,
) -> dict[str, Any]:
    code, name = units.get(order.unit_id, ("", ""))
    return {
        "id": order.id,
        "case_id": order.case_id,
        "unit": code,
        "unit_name": name,
        "reason": view.show_text(order.reason),
        "deadline": order.deadline,
        "status": order.status,
        "status_label": ORDER_STATUS_ZH.get(order.status, order.status),
        "is_overdue": order.is_overdue or (clock is not None and clock.state == "breached"),
        "issued_by": view_person(people, order.issued_by_id),
        "issued_at": order.issued_at,
        "response": view.show_text(order.response),
        "responded_at": order.responded_at,
        "responded_by": view_person(people, order.responded_by_id),
        "closed_at": order.closed_at,
        "close_note": view.show_text(order.close_note),
        "clock": clock_out(clock, now),
    }


def letter_view(letter: Letter, units: Units, people: People, *, view: CaseView) -> dict[str, Any]:
    unit = units.get(letter.addressee_unit_id or 0)
    return {
        "id": letter.id,
        "kind": letter.kind,
        "kind_label": LETTER_KIND_ZH[LetterKind(letter.kind)],
        "number": letter.number,
        "year": letter.year,
        "seq": letter.seq,
        "suggestion_right": letter.suggestion_right,
        "suggestion_right_label": RIGHT_ZH[SuggestionRight(letter.suggestion_right)]
        if letter.suggestion_right
        else None,
        "title": view.show_text(letter.title),
        "subject": view.show_text(letter.subject),
        "addressee_unit": unit[0] if unit else None,
        "addressee": letter.addressee,
        "body": view.show_text(letter.body),
        "reply_by": letter.fields.get("reply_by"),
        "case_id": letter.case_id,
        "order_id": letter.order_id,
        "issuer": letter.issuer,
        "issued_by": view_person(people, letter.issued_by_id),
        "issued_at": letter.issued_at,
        "document_sha256": letter.document_sha256,
    }


# ---- response models: what the API declares it answers (the views above, typed) ------------


class PersonOut(BaseModel):
    username: str
    name: str
    title: str | None = None


class ClockOut(ClockView):
    time_left: str | None = Field(None, description="剩余 2天3小时 / 超期 5小时12分")


class TaskOut(BaseModel):
    id: int
    instruction_id: int
    unit: str
    unit_name: str
    deadline: datetime
    status: str
    state: str = Field(description="open | overdue | done | done_late")
    state_label: str
    is_overdue: bool
    done_at: datetime | None
    done_by: PersonOut | None
    result: str | None = Field(description="what the unit did, through the reader's privacy view")
    clock: ClockOut | None


class TaskInstructionOut(BaseModel):
    text: str
    case_id: int | None
    subject_ref: str | None
    author: PersonOut | None
    created_at: datetime


class TaskItemOut(TaskOut):
    instruction: TaskInstructionOut


class InstructionSummaryOut(BaseModel):
    tasks: int
    done: int
    overdue: int


class InstructionOut(BaseModel):
    id: int
    case_id: int | None
    subject_ref: str | None
    author: PersonOut | None
    text: str = Field(description="the instruction, through the reader's privacy view of its case")
    created_at: datetime
    tasks: list[TaskOut]
    summary: InstructionSummaryOut


class OrderOut(BaseModel):
    id: int
    case_id: int | None
    unit: str
    unit_name: str
    reason: str
    deadline: datetime
    status: str
    status_label: str
    is_overdue: bool
    issued_by: PersonOut | None
    issued_at: datetime
    response: str | None
    responded_at: datetime | None
    responded_by: PersonOut | None
    closed_at: datetime | None
    close_note: str | None
    clock: ClockOut | None


class LetterOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    number: str
    year: int
    seq: int
    suggestion_right: str | None
    suggestion_right_label: str | None
    title: str
    subject: str
    addressee_unit: str | None
    addressee: str
    body: str
    reply_by: str | None
    case_id: int | None
    order_id: int | None
    issuer: str
    issued_by: PersonOut | None
    issued_at: datetime
    document_sha256: str
    download: str = Field(description="where to fetch the .docx as this reader may read it")
