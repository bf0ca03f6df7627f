"""Units, staff, leaders' areas: import/export, sign-in and tokens."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from minyi.core import safe_yaml
from minyi.core.db import column_limit, outside_write_transaction
from minyi.core.errors import Invalid, NotFound, Unauthorized
from minyi.org.models import ApiToken, LeaderArea, Staff, Unit
from minyi.org.rules import ALLOWED_PARENTS, Actor, Role, UnitKind

_hasher = PasswordHasher()
# Checked against when the user does not exist, so timing does not tell which usernames exist.
# Made on the first sign-in, not at import: an Argon2 hash at production cost is a tenth of a CPU
# second that every process (each CLI command, the worker) paid at start. Two threads racing
# here both make a valid hash of the same text.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("no-such-user")
    return _DUMMY_HASH


UNIT_COLUMNS = ["code", "name", "kind", "parent"]
STAFF_COLUMNS = ["username", "name", "role", "title", "unit", "phone", "areas"]


def hash_password(password: str) -> str:
    """Argon2, slow on purpose: never inside a write transaction (refused there, see
    `outside_write_transaction`); services take the finished hash."""
    if len(password) < 8:
        raise Invalid("weak_password", "password must have at least 8 characters", field="password")
    outside_write_transaction("hashing a password")
    return _hasher.hash(password)


def parse_org_yaml(text: str) -> dict[str, Any]:
    try:
        bundle = safe_yaml.load(text)
    except yaml.YAMLError as error:
        raise Invalid(
            "bad_file", f"not valid YAML: {str(error).splitlines()[0]}", field="file"
        ) from error
    if not isinstance(bundle, dict):
        raise Invalid(
            "bad_file", "expected a YAML mapping with 'units' and/or 'staff'", field="file"
        )
    return bundle


def import_org(
    session: Session, bundle: dict[str, Any], *, password_hash: str | None
) -> dict[str, int]:
    """Create or update units and staff by their codes/usernames. All rows are checked first.

    New staff get `password_hash` (None: they cannot sign in until a reset), hashed by the
    caller before it opened this transaction."""
    units = _rows(bundle, "units")
    staff = _rows(bundle, "staff")
    existing = {u.code: u for u in session.scalars(select(Unit))}
    _check_units(units, existing)
    by_code = dict(existing)
    created_units = 0
    unflushed: set[str] = set()  # codes of new units without an id yet
    for row in _parents_first(units):
        unit = by_code.get(row["code"])
        parent = by_code.get(row["parent"]) if row.get("parent") else None
        if row.get("parent") in unflushed:
            # A flush only when a new parent needs its id: the siblings after the first child go
            # in one batch (a flush per row made the district's ~860 units as many round trips).
            # The rows keep their order, and so the ids the units always had.
            session.flush()
            unflushed.clear()
        path = (parent.path if parent else "") + row["code"] + "/"
        if unit is None:
            unit = Unit(code=row["code"], name=row["name"], kind=row["kind"], path=path)
            session.add(unit)
            unflushed.add(unit.code)
            created_units += 1
        elif unit.path != path:
            # A move carries the whole subtree: scope checks match on path prefixes.
            old = unit.path
            for other in by_code.values():
                if other is not unit and other.path.startswith(old):
                    other.path = path + other.path[len(old) :]
        unit.name, unit.kind, unit.path = row["name"], row["kind"], path
        unit.parent_id = parent.id if parent else None
        by_code[unit.code] = unit
    session.flush()
    staff_by_name = {s.username: s for s in session.scalars(select(Staff))}
    _check_staff(staff, by_code)
    created_staff = 0
    people: list[tuple[Staff, dict[str, Any]]] = []
    for row in staff:
        person = staff_by_name.get(row["username"])
        if person is None:
            person = Staff(username=row["username"], password_hash=password_hash)
            session.add(person)
            created_staff += 1
        person.name, person.role = row["name"], row["role"]
        person.title = row.get("title") or None
        person.phone = row.get("phone") or None
        person.unit_id = by_code[row["unit"]].id
        people.append((person, row))
    session.flush()  # the new staff's ids, all at once
    # Every leader's areas in one query, not one per person.
    current_areas: dict[int, dict[int, LeaderArea]] = {}
    for area in session.scalars(select(LeaderArea)):
        current_areas.setdefault(area.staff_id, {})[area.unit_id] = area
    for person, row in people:
        areas = [by_code[c].id for c in row.get("areas") or []]
        current = current_areas.get(person.id, {})
        for unit_id, area in current.items():
            if unit_id not in areas:
                session.delete(area)
        for unit_id in areas:
            if unit_id not in current:
                session.add(LeaderArea(staff_id=person.id, unit_id=unit_id))
    session.flush()
    return {
        "units_created": created_units,
        "units": len(units),
        "staff_created": created_staff,
        "staff": len(staff),
    }


def _rows(bundle: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = bundle.get(key) or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise Invalid("bad_file", f"'{key}' must be a list of mappings", field=key)
    return rows


def _check_length(
    model: type[Unit] | type[Staff], row: dict[str, Any], keys: tuple[str, ...], where: str, n: int
) -> None:
    for key in keys:
        limit = column_limit(model, key)
        if limit and len(str(row.get(key) or "")) > limit:
            raise Invalid(
                "too_long",
                f"{where} row {n}: '{key}' is longer than {limit} characters",
                field=f"{where}[{n}].{key}",
            )


def _check_units(rows: list[dict[str, Any]], existing: dict[str, Unit]) -> None:
    kinds = {c: u.kind for c, u in existing.items()}
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        for key in ("code", "name", "kind"):
            if not str(row.get(key) or "").strip():
                raise Invalid(
                    "bad_unit", f"unit row {n}: '{key}' is required", field=f"units[{n}].{key}"
                )
        _check_length(Unit, row, ("code", "name"), "units", n)
        if row["code"] in seen:
            raise Invalid(
                "bad_unit", f"unit row {n}: duplicate code {row['code']}", field=f"units[{n}].code"
            )
        seen.add(row["code"])
        if row["kind"] not in UnitKind.__members__.values():
            raise Invalid(
                "bad_unit", f"unit row {n}: unknown kind {row['kind']}", field=f"units[{n}].kind"
            )
        kinds[row["code"]] = row["kind"]
    for n, row in enumerate(rows, start=1):
        parent = row.get("parent") or None
        if parent is not None and parent not in kinds:
            raise Invalid(
                "bad_unit", f"unit row {n}: unknown parent {parent}", field=f"units[{n}].parent"
            )
        parent_kind = UnitKind(kinds[parent]) if parent else None
        if parent_kind not in ALLOWED_PARENTS[UnitKind(row["kind"])]:
            raise Invalid(
                "bad_unit",
                f"unit row {n}: a {row['kind']} cannot sit under {parent_kind or 'nothing'}",
                field=f"units[{n}].parent",
            )
    # A kind change must not strand the children the unit already has (and keeps).
    new_parent = {r["code"]: r.get("parent") or None for r in rows}
    for n, row in enumerate(rows, start=1):
        unit = existing.get(row["code"])
        if unit is None or unit.kind == row["kind"]:
            continue
        for child_code, child in existing.items():
            if (
                child.parent_id == unit.id
                and new_parent.get(child_code, row["code"]) == row["code"]
            ):
                if UnitKind(row["kind"]) not in ALLOWED_PARENTS[UnitKind(kinds[child_code])]:
                    raise Invalid(
                        "bad_unit",
                        f"unit row {n}: {row['code']} cannot become a {row['kind']}: it has the {kinds[child_code]} {child_code}",
                        field=f"units[{n}].kind",
                    )


def _check_staff(rows: list[dict[str, Any]], units: dict[str, Unit]) -> None:
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        for key in ("username", "name", "role", "unit"):
            if not str(row.get(key) or "").strip():
                raise Invalid(
                    "bad_staff", f"staff row {n}: '{key}' is required", field=f"staff[{n}].{key}"
                )
        if row["username"] in seen:
            raise Invalid(
                "bad_staff", f"staff row {n}: duplicate username", field=f"staff[{n}].username"
            )
        seen.add(row["username"])
        _check_length(Staff, row, ("username", "name", "title", "phone"), "staff", n)
        if row["role"] not in Role.__members__.values():
            raise Invalid(
                "bad_staff", f"staff row {n}: unknown role {row['role']}", field=f"staff[{n}].role"
            )
        if row["unit"] not in units:
            raise Invalid(
                "bad_staff", f"staff row {n}: unknown unit {row['unit']}", field=f"staff[{n}].unit"
            )
        areas = row.get("areas") or []
        if not isinstance(areas, list) or len(set(areas)) != len(areas):
            raise Invalid(
                "bad_staff",
                f"staff row {n}: areas must be a list of distinct unit codes",
                field=f"staff[{n}].areas",
            )
        for code in areas:
            if code not in units:
                raise Invalid(
                    "bad_staff", f"staff row {n}: unknown area {code}", field=f"staff[{n}].areas"
                )


def _parents_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order rows so every parent is written before its children (the file may list them anyhow)."""
    by_code = {r["code"]: r for r in rows}
    done: set[str] = set()
    ordered: list[dict[str, Any]] = []

    def visit(row: dict[str, Any], depth: int = 0) -> None:
        if row["code"] in done or depth > 50:
            return
        parent = row.get("parent")
        if parent in by_code:
            visit(by_code[parent], depth + 1)
        done.add(row["code"])
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def export_org(session: Session) -> dict[str, Any]:
    units = list(session.scalars(select(Unit).order_by(Unit.path)))
    code_of = {u.id: u.code for u in units}
    areas: dict[int, list[str]] = {}
    for area in session.scalars(select(LeaderArea).order_by(LeaderArea.id)):
        areas.setdefault(area.staff_id, []).append(code_of[area.unit_id])
    return {
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "parent": code_of.get(u.parent_id or 0),
            }
            for u in units
        ],
        "staff": [
            {
                "username": s.username,
                "name": s.name,
                "role": s.role,
                "title": s.title,
                "unit": code_of[s.unit_id],
                "phone": s.phone,
                "areas": areas.get(s.id, []),
            }
            for s in session.scalars(select(Staff).order_by(Staff.username))
        ],
    }


def org_to_csv(bundle: dict[str, Any], what: str) -> str:
    out = io.StringIO()
    if what == "units":
        writer = csv.DictWriter(out, UNIT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**u, "parent": u.get("parent") or ""} for u in bundle["units"])
    else:
        writer = csv.DictWriter(out, STAFF_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**s, "areas": " ".join(s.get("areas") or [])} for s in bundle["staff"])
    return out.getvalue()


def org_from_csv(text: str) -> dict[str, Any]:
    """A units CSV (code,name,kind,parent) or a staff CSV (username,...); told apart by the header."""
    reader = csv.DictReader(io.StringIO(text))
    header = set(reader.fieldnames or [])
    rows = list(reader)
    if {"code", "name", "kind"} <= header:
        return {"units": [{**r, "parent": r.get("parent") or None} for r in rows]}
    if {"username", "name", "role", "unit"} <= header:
        return {"staff": [{**r, "areas": (r.get("areas") or "").split()} for r in rows]}
    raise Invalid(
        "bad_csv",
        "CSV header must be units (code,name,kind,parent) or staff (username,name,role,unit,...)",
    )


def password_matches(password_hash: str | None, password: str) -> bool:
    """Argon2 on purpose slow: call it with no transaction open (a write transaction would hold
    SQLite's lock, and every other writer, for its duration); refused inside one."""
    outside_write_transaction("checking a password")
    try:
        _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def issue_token(
    session: Session, *, staff_id: int, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    """A new bearer token for staff whose password was just verified, if still active."""
    staff = session.scalar(select(Staff).where(Staff.id == staff_id, Staff.is_active.is_(True)))
    if staff is None:
        raise Unauthorized("bad_credentials", "用户名或密码错误")
    token = secrets.token_urlsafe(32)
    expires_at = now + ttl
    session.add(
        ApiToken(
            token_hash=_token_hash(token), staff_id=staff.id, created_at=now, expires_at=expires_at
        )
    )
    session.flush()
    return token, expires_at


def revoke_token(session: Session, *, token: str, now: datetime) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def actor_for_token(session: Session, *, token: str, now: datetime) -> Actor:
    row = session.execute(
        select(Staff, Unit)
        .join(ApiToken, ApiToken.staff_id == Staff.id)
        .join(Unit, Unit.id == Staff.unit_id)
        .where(
            ApiToken.token_hash == _token_hash(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            Staff.is_active.is_(True),
        )
    ).first()
    if row is None:
        raise Unauthorized("bad_token", "登录已失效，请重新登录")
    return _actor(row[0], row[1])


def token_hash(token: str) -> str:
    """What is stored of a token (the token itself never is)."""
    return _token_hash(token)


def live_token_holders(
    session: Session, hashes: Iterable[str], *, now: datetime
) -> dict[str, tuple[int, int, str]]:
    """token hash -> (staff id, unit id, role) for the tokens among `hashes` that still work now:
    not revoked, not expired, the person active. One query for a whole intake batch, so a token
    the hot path took from its cache is checked again inside the batch's own transaction."""
    wanted = list(set(hashes))
    if not wanted:
        return {}
    rows = session.execute(_LIVE_TOKEN_HOLDERS, {"hashes": wanted, "now": now})
    return {h: (sid, uid, str(role)) for h, sid, uid, role in rows}


# Built once: intake runs it every batch, and building the statement cost more than running it.
_LIVE_TOKEN_HOLDERS = (
    select(ApiToken.token_hash, Staff.id, Staff.unit_id, Staff.role)
    .join(Staff, Staff.id == ApiToken.staff_id)
    .where(
        ApiToken.token_hash.in_(bindparam("hashes", expanding=True)),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
        Staff.is_active.is_(True),
    )
)


def actor_for_username(session: Session, username: str) -> Actor:
    row = session.execute(
        select(Staff, Unit).join(Unit, Unit.id == Staff.unit_id).where(Staff.username == username)
    ).first()
    if row is None:
        raise NotFound("staff_not_found", f"no staff member '{username}'")
    return _actor(row[0], row[1])


def _actor(staff: Staff, unit: Unit) -> Actor:
    return Actor(
        staff_id=staff.id,
        username=staff.username,
        name=staff.name,
        role=Role(staff.role),
        unit_id=unit.id,
        unit_code=unit.code,
        unit_kind=unit.kind,
        unit_path=unit.path,
        must_change_password=staff.must_change_password,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound("unit_not_found", f"no unit with code '{code}'")
    return unit
