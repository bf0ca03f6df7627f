"""What the console offers whom: the links of the navigation, decided in Python from the roles
(templates read booleans and never compare roles). Pure code, like every rules module."""

from __future__ import annotations

from dataclasses import dataclass

from minyi.cases.rules import CENTRE, UNIT_ROLES
from minyi.org.rules import AREA_ROLES, Actor, Role


@dataclass(frozen=True)
class Nav:
    intake_desk: bool = False
    grid_report: bool = False
    dispatch_board: bool = False
    unit_queue: bool = False
    patrols: bool = False
    coverage: bool = False
    volunteers: bool = False
    area_board: bool = False
    tasks: bool = False
    supervision: bool = False
    meetings: bool = False
    approvals: bool = False
    admin: bool = False
    leader: bool = False
    markets: bool = False
    receptions: bool = False
    services: bool = False


def nav_for(actor: Actor | None, *, covers: bool = False) -> Nav:
    """The console links this reader sees (each page still checks its own roles). `covers`: the
    person has a road or building assigned (包路进楼联户): a party member or a cadre sent down
    from a department has no area of their own, and reaches the patrol page by this link."""
    role = actor.role if actor is not None else None
    if role is None:
        return Nav()
    return Nav(
        intake_desk=role in CENTRE,
        grid_report=role is Role.GRID_STAFF,
        dispatch_board=role in (Role.DISPATCHER, Role.ADMIN),
        unit_queue=role is Role.UNIT_HEAD,
        patrols=role is Role.GRID_STAFF or covers,
        coverage=role in AREA_ROLES or role in (Role.LEADER, Role.ADMIN),
        volunteers=role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.ADMIN),
        area_board=role in AREA_ROLES,
        tasks=role in UNIT_ROLES,
        supervision=role is Role.SUPERVISOR,
        meetings=role is not Role.GRID_STAFF,  # 联席会议: each page shows what the reader may read
        approvals=role in (Role.DISPATCHER, Role.SUPERVISOR),
        admin=role is Role.ADMIN,
        leader=role is Role.LEADER,
        # 服务市集: departments, streets and communities hold stalls; the centre and leaders plan
        # and read the figures.
        markets=True,
        receptions=role
        in (
            Role.ADMIN,
            Role.INTAKE_CLERK,
            Role.STREET_STAFF,
            Role.COMMUNITY_STAFF,
            Role.LEADER,
            Role.SUPERVISOR,
            Role.DISPATCHER,
        ),
        # 服务大厅: the hub of the five services; everyone with a workflow tile or appointments.
        services=role is not Role.GRID_STAFF,
    )


# --- 服务大厅: which workflow page each reader may open from the hub ---------------------------
# Readers with no link see the workflow's tile with its counts only.
SERVICE_PAGE_ROLES: dict[str, frozenset[Role]] = {
    "mediation": frozenset(
        {
            Role.SERVICE_STAFF,
            Role.STREET_STAFF,
            Role.COMMUNITY_STAFF,
            Role.INTAKE_CLERK,
            Role.DISPATCHER,
            Role.SUPERVISOR,
            Role.LEADER,
            Role.ADMIN,
        }
    ),
    "legal": frozenset(
        {Role.SERVICE_STAFF, Role.INTAKE_CLERK, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
    ),
    # Counselling notes are the counsellor's and their supervisor's: of the professionals only
    # counsellors and counselling supervisors (their kinds at a site) open the page.
    "counselling": frozenset({Role.SERVICE_STAFF, Role.SUPERVISOR, Role.ADMIN}),
    "relief": frozenset(
        {
            Role.STREET_STAFF,
            Role.COMMUNITY_STAFF,
            Role.UNIT_HEAD,
            Role.UNIT_HANDLER,
            Role.SUPERVISOR,
            Role.LEADER,
            Role.ADMIN,
        }
    ),
}
SERVICE_PAGES = {
    "mediation": "/console/mediation",
    "legal": "/console/legal",
    "counselling": "/console/counselling",
    "relief": "/console/relief",
}
COUNSELLING_KINDS = frozenset({"counsellor", "counselling_supervisor"})


def service_links(actor: Actor | None, kinds: frozenset[str] = frozenset()) -> dict[str, bool]:
    """For each workflow of the hub, whether this reader opens its page (else: counts only).
    `kinds`: what a professional serves as at their sites (mediator, lawyer, counsellor ...)."""
    role = actor.role if actor is not None else None
    out = {}
    for service, roles in SERVICE_PAGE_ROLES.items():
        allowed = role in roles
        if allowed and role is Role.SERVICE_STAFF and service == "counselling":
            allowed = bool(kinds & COUNSELLING_KINDS)
        out[service] = allowed
    return out
