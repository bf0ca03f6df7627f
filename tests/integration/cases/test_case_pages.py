"""Case lists paged by cursor (cases.queries.page_cases) answer the same cases in the same order
as the old numbered pages (OFFSET), for several filters, orders and roles, on both backends;
their totals are exact up to a cap, then capped (SQLite) or estimated (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest

from cli_harness import minyi_env, run_cli
from conftest import START, demo_database_url, drop_database
from factories import TZ, act_on, appeal_payload, auth, make_appeal
from minyi.cases import queries
from minyi.cases.queries import (
    NEWEST,
    OLDEST,
    CaseFilter,
    PageTooDeep,
    list_cases,
    page_cases,
    relevance_order,
)
from minyi.cases.rules import OPEN, WORKING, CaseStatus
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.core.paging import SortKey
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username, unit_by_code
from minyi.sla.queries import urgency_order
from minyi.wiring import build_registry

TITLES = ("小区路灯不亮", "路边噪音扰民", "井盖缺失", "占道经营")
STREETS = ("S01", "S02", "S03")
BATCHES = 4  # registered at four moments: many cases share a registration time (ties)
PER_BATCH = 20


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A demo district with 80 appeals over three streets, registered in four batches, some
    dispatched to DEP01 (a few with DEP02 as co-unit), some accepted, the rest registered."""
    url = demo_database_url(backend, tmp_path_factory.mktemp("pages"))
    db = Database(url, registry=build_registry())
    case_ids: list[int] = []
    for b in range(BATCHES):
        now = START + timedelta(hours=b)
        items = [
            AppealIn.model_validate(
                appeal_payload(
                    title=TITLES[(b + n) % len(TITLES)],
                    street=STREETS[n % len(STREETS)],
                    channel="letter" if n % 5 == 0 else "hotline_12345",
                )
            )
            for n in range(PER_BATCH)
        ]
        ids = IdAllocator(db, "appeals", block=len(items)).take(len(items))
        with db.unit_of_work() as session:
            clerk = actor_for_username(session, "clerk")
            results = register_appeals(
                session,
                items,
                actors=[clerk] * len(items),
                ids=ids,
                refs=RefCache(),
                now=now,
                tz=TZ,
            )
        case_ids += [r.id for r in results if not isinstance(r, MinyiError)]
    later = START + timedelta(hours=BATCHES)
    for n, case_id in enumerate(case_ids):
        if n % 3 == 0:
            continue
        act_on(db, case_id, "accept", "clerk", now=later)
        if n % 3 == 1:
            co = ["DEP02"] if n % 4 == 1 else []
            act_on(db, case_id, "dispatch", "dispatcher", now=later, lead_unit="DEP01", co_units=co)
    yield db
    db.dispose()
    drop_database(url)


def _offset_all(db: Database, user: str, f: CaseFilter, order: Sequence[SortKey]) -> list[int]:
    ids: list[int] = []
    with db.reading() as session:
        actor = actor_for_username(session, user)
        for page in range(1, 100):
            total, rows = list_cases(session, actor, f, page=page, page_size=9, order=order)
            ids += [c.id for c, _ in rows]
            if len(rows) < 9:
                assert total.exact and total.value == len(ids)
                return ids
    raise AssertionError("never ended")


def _cursor_all(db: Database, user: str, f: CaseFilter, order: Sequence[SortKey]) -> list[int]:
    ids: list[int] = []
    cursor = None
    with db.reading() as session:
        actor = actor_for_username(session, user)
        for _ in range(100):
            found = page_cases(session, actor, f, cursor=cursor, size=7, order=order)
            assert found.total is not None and found.total.exact
            ids += [c.id for c, _ in found.rows]
            cursor = found.next_cursor
            if cursor is None:
                assert found.total.value == len(ids)
                return ids
    raise AssertionError("never ended")


def _filters(db: Database) -> dict[str, CaseFilter]:
    with db.reading() as session:
        s02 = unit_by_code(session, "S02").id
        dep01 = unit_by_code(session, "DEP01").id
    return {
        "all": CaseFilter(),
        "open": CaseFilter(status=list(OPEN)),
        "handling by DEP01": CaseFilter(status=list(WORKING), unit=dep01),
        "street S02": CaseFilter(street=s02),
        "registered": CaseFilter(status=[CaseStatus.REGISTERED]),
        "search": CaseFilter(q="路灯"),
        "letters in a window": CaseFilter(
            registered_from=START + timedelta(minutes=30), registered_to=START + timedelta(hours=3)
        ),
    }


ORDERS: dict[str, Any] = {
    "newest": lambda: list(NEWEST),
    "oldest": lambda: list(OLDEST),
    "urgency": urgency_order,
    "relevance": lambda: relevance_order("路灯"),
}


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("user", ["dispatcher", "dep01.handler", "dep02.handler", "s01.staff"])
def test_cursor_pages_give_the_offset_pages_cases_in_order(
    world: Database, user: str, order: str
) -> None:
    listed = 0
    for name, f in _filters(world).items():
        expected = _offset_all(world, user, f, ORDERS[order]())
        assert _cursor_all(world, user, f, ORDERS[order]()) == expected, name
        listed += len(expected)
    assert listed > 0


def test_scopes_differ_and_hold_what_they_should(world: Database) -> None:
    everyone = _offset_all(world, "dispatcher", CaseFilter(), list(NEWEST))
    dep01 = _offset_all(world, "dep01.handler", CaseFilter(), list(NEWEST))
    dep02 = _offset_all(world, "dep02.handler", CaseFilter(), list(NEWEST))
    assert len(everyone) >= BATCHES * PER_BATCH
    assert 0 < len(dep02) < len(dep01) < len(everyone)
    assert set(dep02) <= set(dep01)


def test_a_cursor_from_another_filter_still_pages_within_this_one(world: Database) -> None:
    """The cursor holds only the last row's sort values: with other filters it starts at the
    same place and the list's own filters (and scope) still decide what follows."""
    with world.reading() as session:
        actor = actor_for_username(session, "dispatcher")
        first = page_cases(session, actor, CaseFilter(), cursor=None, size=10)
        assert first.next_cursor
        f = _filters(world)["street S02"]
        after = page_cases(session, actor, f, cursor=first.next_cursor, size=100)
        last_shown = first.rows[-1][0]
        street = unit_by_code(session, "S02").id
    assert after.rows and all(c.street_id == street for c, _ in after.rows)
    assert all(
        (c.registered_at, c.id) < (last_shown.registered_at, last_shown.id) for c, _ in after.rows
    )


def test_the_total_is_exact_up_to_the_cap_then_capped_or_estimated(
    world: Database, backend: str
) -> None:
    with world.reading() as session:
        actor = actor_for_username(session, "dispatcher")
        exact = page_cases(session, actor, CaseFilter(), cursor=None, size=5)
        capped = page_cases(session, actor, CaseFilter(), cursor=None, size=5, cap=10)
        small = page_cases(session, actor, _filters(world)["search"], cursor=None, size=5, cap=30)
        uncounted = page_cases(session, actor, CaseFilter(), cursor=None, size=5, count=False)
    assert exact.total is not None and exact.total.exact and exact.total.value >= 80
    assert capped.total is not None and not capped.total.exact
    if backend == "sqlite":
        assert (capped.total.value, capped.total.estimated) == (10, False)
        assert capped.total.zh() == "10+ 条"
    else:
        # The planner's estimate, never below the cap.
        assert capped.total.estimated and capped.total.value > 10
        assert capped.total.zh().startswith("约 ")
    assert small.total is not None and small.total.exact and 10 < small.total.value <= 30
    assert uncounted.total is None
    assert [c.id for c, _ in capped.rows] == [c.id for c, _ in exact.rows]


def test_numbered_pages_count_like_the_cursor_pages_and_stop_at_a_depth(
    world: Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The legacy `page=N` list counts as `page_cases` does: exact up to the cap, then estimated
    (PostgreSQL) or capped (SQLite), never every row; its last page is its own count; a page
    past MAX_OFFSET rows is refused, naming the cursor."""
    everyone = _offset_all(world, "dispatcher", CaseFilter(), list(NEWEST))
    n = len(everyone)
    with world.reading() as session:
        actor = actor_for_username(session, "dispatcher")
        exact, first = list_cases(session, actor, CaseFilter(), page=1, page_size=5)
        capped, again = list_cases(session, actor, CaseFilter(), page=2, page_size=5, cap=10)
        size = next(k for k in range(6, 20) if n % k)  # a last page short of a whole one
        last, tail = list_cases(
            session, actor, CaseFilter(), page=n // size + 1, page_size=size, cap=10
        )
        beyond, none = list_cases(session, actor, CaseFilter(), page=n, page_size=5, cap=10)
        monkeypatch.setattr(queries, "MAX_OFFSET", 10)
        deepest, _ = list_cases(session, actor, CaseFilter(), page=3, page_size=5)
        with pytest.raises(PageTooDeep) as refused:
            list_cases(session, actor, CaseFilter(), page=4, page_size=5)
    assert (exact.value, exact.exact) == (n, True)
    assert [c.id for c, _ in first] == everyone[:5]
    assert [c.id for c, _ in again] == everyone[5:10]
    assert not capped.exact
    if backend == "sqlite":
        assert (capped.value, capped.estimated, capped.zh()) == (10, False, "10+ 条")
    else:
        # The planner's estimate, never below the cap.
        assert capped.estimated and capped.value > 10 and capped.zh().startswith("约 ")
    # The last page holds the list's end: the rows before it and its own are the total.
    assert [c.id for c, _ in tail] == everyone[-len(tail) :]
    assert (last.value, last.exact) == (n, True)
    # Past the end (within the depth): no rows, and a count that does not pretend to be exact.
    assert none == [] and not beyond.exact
    assert deepest.exact and deepest.value == n
    assert refused.value.code == "page_too_deep" and "cursor" in refused.value.message


def test_the_api_refuses_a_numbered_page_too_deep(app_client: Any) -> None:
    for _ in range(2):
        make_appeal(app_client)
    headers = auth(app_client, "dispatcher")
    r = app_client.get("/api/v1/appeals", params={"page": 502, "page_size": 20}, headers=headers)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "page_too_deep" and "cursor" in error["message"]
    r = app_client.get("/api/v1/appeals", params={"page": 2, "page_size": 1}, headers=headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["page"] == 2 and len(page["items"]) == 1
    assert isinstance(page["total"], int) and isinstance(page["total_exact"], bool)
    assert page["total_exact"] == (page["total"] <= 1000)


def test_the_cli_pages_by_cursor_and_refuses_a_bad_one(world: Database, tmp_path: Any) -> None:
    expected = _offset_all(world, "dep01.handler", CaseFilter(), list(NEWEST))
    env = minyi_env(world.engine.url.render_as_string(hide_password=False), tmp_path)
    args = ["appeal", "list", "--as", "dep01.handler", "--page-size", "25"]
    seen: list[int] = []
    cursor: list[str] = []
    for _ in range(10):
        result = run_cli([*args, *cursor], env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == f"{len(expected)} cases"
        nxt = [line for line in lines if line.startswith("next: ")]
        seen += [int(line.split("\t")[0]) for line in lines[1:] if "\t" in line]
        if not nxt:
            break
        cursor = nxt[0].removeprefix("next: ").split()
    assert seen == expected
    bad = run_cli([*args, "--cursor", "nonsense"], env=env, cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr
