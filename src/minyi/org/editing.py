"""An administrator's one-row edits of staff and units, with messages in Chinese.

Staff and units carry no version column; an edit carries the `stamp` of the row it was made
from (a digest of the fields the form shows) and is refused when the row has changed since,
as `set_password` refuses on a changed hash: the second of two admins editing one person sees
a conflict instead of silently undoing the first one's change."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.org.models import Staff, Unit
from minyi.org.rules import ALLOWED_PARENTS, Role, UnitKind

USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,59}")
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
CHANGED = "该记录刚被他人修改，请核对后重新提交"


def stamp(*values: Any) -> str:
    """A short digest of what a form showed, to detect a concurrent change at save time."""
    return hashlib.sha256(
        "\x1f".join("" if v is None else str(v) for v in values).encode()
    ).hexdigest()[:16]


def staff_stamp(person: Staff) -> str:
    return stamp(
        person.name,
        person.role,
        person.title,
        person.unit_id,
        person.phone,
        person.email,
        person.is_active,
    )


def unit_stamp(unit: Unit) -> str:
    return stamp(unit.name, unit.kind, unit.parent_id, unit.is_active)


@dataclass(frozen=True)
class StaffFields:
    name: str
    role: str
    unit_id: int | None
    title: str | None = None
    phone: str | None = None
    email: str | None = None


def _check_staff(session: Session, fields: StaffFields) -> Unit:
    if not fields.name:
        raise Invalid("missing_name", "请填写姓名", field="name")
    if len(fields.name) > 60:
        raise Invalid("too_long", "姓名不超过60个字", field="name")
    if fields.role not in set(Role):
        raise Invalid("bad_role", "请选择岗位", field="role")
    if fields.title and len(fields.title) > 60:
        raise Invalid("too_long", "职务不超过60个字", field="title")
    if fields.phone and not PHONE.fullmatch(fields.phone):
        raise Invalid("bad_phone", "电话应为11位手机号或带区号的固定电话", field="phone")
    if fields.email and (len(fields.email) > 200 or not EMAIL.fullmatch(fields.email)):
        raise Invalid(
            "bad_email", "电子邮箱格式不正确，例如 zhangsan@example.gov.cn", field="email"
        )
    unit = session.get(Unit, fields.unit_id) if fields.unit_id else None
    if unit is None:
        raise Invalid("unknown_unit", "请选择所在单位", field="unit")
    if not unit.is_active:
        raise Invalid("inactive_unit", "所选单位已停用", field="unit")
    return unit


def create_staff(session: Session, *, username: str, fields: StaffFields) -> Staff:
    """A new person who cannot sign in until an administrator gives them a temporary password."""
    if not USERNAME.fullmatch(username):
        raise Invalid(
            "bad_username", "用户名为3至60位小写字母、数字或 . _ -，以字母开头", field="username"
        )
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Invalid("username_taken", "该用户名已被使用", field="username")
    _check_staff(session, fields)
    person = Staff(username=username, password_hash=None)
    _apply_staff(person, fields)
    session.add(person)
    session.flush()
    return person


def update_staff(session: Session, staff_id: int, *, fields: StaffFields, expected: str) -> Staff:
    person = _person(session, staff_id)
    if staff_stamp(person) != expected:
        raise Conflict("version_conflict", CHANGED)
    _check_staff(session, fields)
    _apply_staff(person, fields)
    session.flush()
    return person


def _apply_staff(person: Staff, fields: StaffFields) -> None:
    person.name, person.role, person.unit_id = fields.name, fields.role, fields.unit_id  # type: ignore[assignment]
    person.title, person.phone, person.email = (
        fields.title or None,
        fields.phone or None,
        fields.email or None,
    )


def _person(session: Session, staff_id: int) -> Staff:
    person = session.get(Staff, staff_id, with_for_update=True)
    if person is None:
        raise NotFound("staff_not_found", "没有这位工作人员")
    return person


def update_unit(
    session: Session, unit_id: int, *, name: str, kind: str, parent_id: int | None, expected: str
) -> Unit:
    """Rename, re-kind or move a unit; a move carries its whole subtree (paths are prefixes)."""
    unit = session.get(Unit, unit_id, with_for_update=True)
    if unit is None:
        raise NotFound("unit_not_found", "没有这个单位")
    if unit_stamp(unit) != expected:
        raise Conflict("version_conflict", CHANGED)
    if not name:
        raise Invalid("missing_name", "请填写单位名称", field="name")
    if len(name) > 100:
        raise Invalid("too_long", "单位名称不超过100个字", field="name")
    if kind not in set(UnitKind):
        raise Invalid("bad_kind", "请选择单位类型", field="kind")
    parent = session.get(Unit, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise Invalid("unknown_unit", "请选择上级单位", field="parent")
    if (UnitKind(parent.kind) if parent else None) not in ALLOWED_PARENTS[UnitKind(kind)]:
        raise Invalid(
            "bad_parent", "上级单位的类型与本单位类型不相符（如社区应在街道之下）", field="parent"
        )
    if parent is not None and parent.path.startswith(unit.path):
        raise Invalid("bad_parent", "不能把单位移到它自己或其下级单位之下", field="parent")
    path = (parent.path if parent else "") + unit.code + "/"
    if path != unit.path:
        old = unit.path
        for other in session.scalars(
            select(Unit).where(Unit.path.startswith(old, autoescape=True), Unit.id != unit.id)
        ):
            other.path = path + other.path[len(old) :]
    unit.name, unit.kind, unit.parent_id, unit.path = name, kind, parent_id, path
    session.flush()
    return unit
