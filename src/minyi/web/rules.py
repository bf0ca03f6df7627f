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
    )
