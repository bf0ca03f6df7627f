"""What the console offers whom is decided in Python (web/rules.py and the domains' rules
modules); the templates read the booleans these give."""

from __future__ import annotations

import pytest

from minyi.org.rules import Actor, Role
from minyi.supervision.rules import (
    may_close_order,
    may_complete_task,
    may_reply_to_letter,
    may_respond_to_order,
)
from minyi.web.rules import Nav, nav_for, service_links
from minyi.whistle.rules import summons_step


def staff(role: Role, unit_id: int | None = 7, unit_kind: str = "department") -> Actor:
    return Actor(
        staff_id=1,
        username=role.value,
        name="x",
        role=role,
        unit_id=unit_id,
        unit_code="U",
        unit_kind=unit_kind,
        unit_path="D/U/",
    )


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (Role.INTAKE_CLERK, {"intake_desk", "meetings", "receptions"}),
        (Role.DISPATCHER, {"intake_desk", "dispatch_board", "approvals", "meetings", "receptions"}),
        (
            Role.ADMIN,
            {
                "intake_desk",
                "dispatch_board",
                "admin",
                "coverage",
                "volunteers",
                "meetings",
                "receptions",
            },
        ),
        (Role.UNIT_HANDLER, {"tasks", "meetings"}),
        (Role.UNIT_HEAD, {"unit_queue", "tasks", "meetings"}),
        (Role.GRID_STAFF, {"grid_report", "patrols", "coverage", "area_board", "tasks"}),
        (
            Role.STREET_STAFF,
            {"coverage", "volunteers", "area_board", "tasks", "meetings", "receptions"},
        ),
        (Role.SUPERVISOR, {"supervision", "approvals", "meetings", "receptions"}),
        (Role.LEADER, {"coverage", "leader", "meetings", "receptions"}),
        (Role.SERVICE_STAFF, {"meetings"}),
    ],
)
def test_the_console_links_each_role_sees(role: Role, links: set[str]) -> None:
    nav = nav_for(staff(role))
    # 服务市集: every member of staff may stand at a stall, so every one sees the markets; 服务大厅
    # is everyone's but the grid's (a tile per workflow, or the professional's appointments).
    hub = set() if role is Role.GRID_STAFF else {"services"}
    assert {name for name, shown in vars(nav).items() if shown} == links | {"markets"} | hub


@pytest.mark.parametrize(
    ("role", "kinds", "links"),
    [
        (Role.SERVICE_STAFF, {"lawyer"}, {"mediation", "legal"}),
        (Role.SERVICE_STAFF, {"counsellor"}, {"mediation", "legal", "counselling"}),
        (Role.SERVICE_STAFF, {"counselling_supervisor"}, {"mediation", "legal", "counselling"}),
        (Role.STREET_STAFF, set(), {"mediation", "relief"}),
        (Role.COMMUNITY_STAFF, set(), {"mediation", "relief"}),
        (Role.INTAKE_CLERK, set(), {"mediation", "legal"}),
        (Role.DISPATCHER, set(), {"mediation", "legal"}),
        (Role.SUPERVISOR, set(), {"mediation", "legal", "counselling", "relief"}),
        (Role.LEADER, set(), {"mediation", "relief"}),
        (Role.ADMIN, set(), {"mediation", "legal", "counselling", "relief"}),
        (Role.UNIT_HEAD, set(), {"relief"}),
        (Role.UNIT_HANDLER, set(), {"relief"}),
        (Role.GRID_STAFF, set(), set()),
    ],
)
def test_the_service_hall_links_each_workflow_to_whom_may_use_it(
    role: Role, kinds: set[str], links: set[str]
) -> None:
    """The hub's tiles: a link to the workflow's page, or its counts only."""
    shown = service_links(staff(role), frozenset(kinds))
    assert {name for name, linked in shown.items() if linked} == links
    assert set(shown) == {"mediation", "legal", "counselling", "relief"}


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.COMMUNITY_STAFF])
def test_whoever_covers_a_place_reaches_the_patrol_page(role: Role) -> None:
    """A cadre sent down or a party member has assignments (包路进楼联户) and no area of their own:
    the patrol link is theirs by their assignments, not by their role."""
    assert nav_for(staff(role), covers=True).patrols
    assert not nav_for(staff(role)).patrols


def test_nobody_signed_in_sees_no_links() -> None:
    assert nav_for(None) == Nav()


def test_only_a_supervisor_closes_an_order_not_closed_yet() -> None:
    assert may_close_order(Role.SUPERVISOR, "responded")
    assert not may_close_order(Role.SUPERVISOR, "closed")
    assert not may_close_order(Role.LEADER, "open")


def test_a_unit_answers_only_its_own_tasks_orders_and_letters() -> None:
    mine, other = staff(Role.UNIT_HANDLER, 7), staff(Role.UNIT_HANDLER, 8)
    assert may_complete_task(mine, unit_id=7, status="open") and not may_complete_task(
        mine, unit_id=7, status="done"
    )
    assert not may_complete_task(other, unit_id=7, status="open")
    assert may_respond_to_order(mine, unit_id=7, status="open") and not may_respond_to_order(
        mine, unit_id=7, status="responded"
    )
    assert may_reply_to_letter(mine, addressee_unit_id=7, answered=False)
    assert not may_reply_to_letter(mine, addressee_unit_id=7, answered=True)
    assert not may_reply_to_letter(mine, addressee_unit_id=None, answered=False)


def test_a_summons_offers_report_in_then_act_then_the_areas_confirmation() -> None:
    def step(unit_id: int, kind: str, **done: bool) -> str | None:
        facts = {"reported": False, "acted": False, "confirmed": False} | done
        return summons_step(
            unit_id=unit_id, unit_kind=kind, summoned_unit_id=7, issuer_unit_id=3, **facts
        )

    assert step(7, "department") == "report_in"
    assert step(7, "department", reported=True) == "act"
    assert step(7, "department", reported=True, acted=True) is None
    assert step(3, "street", reported=True) is None
    assert step(3, "street", reported=True, acted=True) == "confirm"
    assert step(3, "street", reported=True, acted=True, confirmed=True) is None
    assert step(9, "department") is None
