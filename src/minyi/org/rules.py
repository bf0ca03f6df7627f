"""Unit kinds, roles and scopes: pure code, no I/O. What each reader may see of a
complainant is the privacy policy's (minyi.privacy.rules)."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    DEPARTMENT = "department"
    SITE = "site"


# Which kind may sit under which: the area tree plus departments and sites.
ALLOWED_PARENTS: dict[UnitKind, set[UnitKind | None]] = {
    UnitKind.DISTRICT: {None},
    UnitKind.STREET: {UnitKind.DISTRICT},
    UnitKind.COMMUNITY: {UnitKind.STREET},
    UnitKind.GRID: {UnitKind.COMMUNITY},
    UnitKind.DEPARTMENT: {UnitKind.DISTRICT},
    UnitKind.SITE: {UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY},
}


class Role(StrEnum):
    INTAKE_CLERK = "intake_clerk"
    DISPATCHER = "dispatcher"
    UNIT_HANDLER = "unit_handler"
    UNIT_HEAD = "unit_head"
    STREET_STAFF = "street_staff"
    COMMUNITY_STAFF = "community_staff"
    GRID_STAFF = "grid_staff"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    # A professional serving at a service site (mediator, resident lawyer, counsellor ...): their
    # unit is the site, their kinds are minyi.services' SiteStaff rows, and they see the cases of
    # their site and the records of their own service, nothing else.
    SERVICE_STAFF = "service_staff"


# Roles that see every case in the district.
DISTRICT_WIDE = frozenset(
    {Role.INTAKE_CLERK, Role.DISPATCHER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN}
)
# Roles whose scope is an area of the tree (their unit's subtree), plus cases their unit handles.
AREA_ROLES = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF})


class Actor:
    """Who is acting: enough of a staff member for permission and scope checks."""

    __slots__ = (
        "automated",
        "citizen_case_id",
        "must_change_password",
        "name",
        "role",
        "staff_id",
        "unit_code",
        "unit_id",
        "unit_kind",
        "unit_path",
        "username",
    )

    def __init__(
        self,
        *,
        staff_id: int | None,
        username: str,
        name: str,
        role: Role | None,
        unit_id: int | None,
        unit_code: str | None,
        unit_kind: str | None,
        unit_path: str | None,
        citizen_case_id: int | None = None,
        must_change_password: bool = False,
        automated: bool = False,
    ) -> None:
        self.staff_id = staff_id
        self.username = username
        self.name = name
        self.role = role
        self.unit_id = unit_id
        self.unit_code = unit_code
        self.unit_kind = unit_kind
        self.unit_path = unit_path
        # A citizen proved, by tracking number and phone digits, that this one case is theirs.
        self.citizen_case_id = citizen_case_id
        # An administrator reset the password: this actor may only change it (or sign out).
        self.must_change_password = must_change_password
        # A part of the system acting on its own (triage's auto-dispatch), not a person: what
        # reacts to a person's decision (settling a suggestion) reads this, never the username.
        self.automated = automated

    @property
    def is_citizen(self) -> bool:
        return self.role is None

    def __repr__(self) -> str:
        return f"Actor({self.username!r}, {self.role})"


def citizen_actor(case_id: int | None = None) -> Actor:
    """The citizen acting through the public tracking page on the case they proved is theirs."""
    return Actor(
        staff_id=None,
        username="citizen",
        name="群众",
        role=None,
        unit_id=None,
        unit_code=None,
        unit_kind=None,
        unit_path=None,
        citizen_case_id=case_id,
    )


def pinyin_keys(name: str) -> str:
    """What a person may type to find a name besides the name itself: its pinyin initials and its
    full pinyin, lower case ("区政务服务数据管理局" -> "qzwfwsjglj quzhengwufuwushujuguanliju").
    pypinyin reads polyphones by phrase (长乐 is changle, 银行 is yinhang), which a hand-made
    table of characters would get wrong."""
    # Imported here: pypinyin reads its phrase dictionary at import, a fifth of a CPU second
    # that every process paid at start.
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name, errors="ignore")
    return f"{''.join(s[0] for s in syllables if s)} {''.join(syllables)}".lower()


def name_matches(query: str, name: str, keys: str | None = None) -> bool:
    """Every word of the query is part of the name, of its pinyin initials or of its full pinyin
    (the picker's script does the same in the browser, on the same keys)."""
    haystack = f"{name} {keys if keys is not None else pinyin_keys(name)}".lower()
    return all(word in haystack for word in query.lower().split())
