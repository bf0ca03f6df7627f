"""The supervisor's desk in the browser: an order and a letter issued by unit name and tracking
number, refused with a reason on bad input; the addressed unit answers both from its to-do page,
once; the leader's 批示 on a live item (a case, an alert) names its units or asks for one."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import make_appeal, make_dispatched
from minyi.analytics.models import Alert
from minyi.supervision.models import Instruction
from webclient import post_form, signed_in

BOARD = "/console/supervision"


def test_a_supervisor_issues_an_order_by_unit_name_and_the_unit_answers(
    app_client: TestClient,
) -> None:
    case = make_dispatched(app_client, lead="DEP01")
    supervisor = signed_in(app_client, "supervisor")
    bad = post_form(
        supervisor,
        f"{BOARD}/orders",
        {"unit_name": "没有这个局", "reason": "x", "within_days": "3"},
        page=BOARD,
    )
    assert bad.status_code == 422 and "没有这个局" in bad.text
    bad = post_form(
        supervisor,
        f"{BOARD}/orders",
        {"tracking_no": "19990101-000000", "reason": "x", "within_days": "3"},
        page=BOARD,
    )
    assert bad.status_code == 422 and "19990101-000000" in bad.text
    r = post_form(
        supervisor,
        f"{BOARD}/orders",
        {"tracking_no": case["tracking_no"], "reason": "请加快办理该件", "within_days": "2"},
        page=BOARD,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"{BOARD}?done=order")
    board = supervisor.get(BOARD).text
    assert (
        "督办单已下达" not in board and "请加快办理该件" in board and case["tracking_no"] in board
    )

    unit = signed_in(app_client, "dep01.handler")
    tasks = unit.get("/console/tasks").text
    found = re.search(
        r'action="/console/orders/(\d+)/respond"', tasks[tasks.index("请加快办理该件") - 2000 :]
    )
    assert found, tasks
    assert (
        post_form(
            unit,
            f"/console/orders/{found.group(1)}/respond",
            {"response": "已办结并回访"},
            page="/console/tasks",
        ).status_code
        == 303
    )
    assert "已办结并回访" in supervisor.get(BOARD).text


def test_a_letter_to_a_unit_is_answered_once_by_that_unit(app_client: TestClient) -> None:
    supervisor = signed_in(app_client, "supervisor")
    form = {
        "kind": "reminder",
        "unit_name": "区住房和建设局",
        "subject": "物业诉求超期较多",
        "body": "请于一周内书面回复整改情况。",
    }
    assert (
        post_form(supervisor, f"{BOARD}/letters", {**form, "kind": "bogus"}, page=BOARD).status_code
        == 422
    )
    assert (
        post_form(supervisor, f"{BOARD}/letters", {**form, "unit_name": ""}, page=BOARD).status_code
        == 422
    )  # a reminder names its unit
    assert (
        post_form(
            supervisor, f"{BOARD}/letters", {**form, "reply_by": "not-a-date"}, page=BOARD
        ).status_code
        == 422
    )
    r = post_form(supervisor, f"{BOARD}/letters", form, page=BOARD)
    assert r.status_code == 303, r.text
    letter_id = int(r.headers["location"].rsplit("letter-", 1)[1])
    assert "尚未回复" in supervisor.get(BOARD).text

    other = signed_in(app_client, "dep04.handler")
    assert f'id="letter-{letter_id}"' not in other.get("/console/tasks").text
    assert post_form(
        other, f"/console/letters/{letter_id}/reply", {"text": "x"}, page="/console/tasks"
    ).status_code in (403, 404)
    unit = signed_in(app_client, "dep01.handler")
    tasks = unit.get("/console/tasks").text
    assert f'id="letter-{letter_id}"' in tasks and "物业诉求超期较多" in tasks
    assert (
        post_form(
            unit, f"/console/letters/{letter_id}/reply", {"text": ""}, page="/console/tasks"
        ).status_code
        == 422
    )
    r = post_form(
        unit,
        f"/console/letters/{letter_id}/reply",
        {"text": "已成立专班，逐件整改。"},
        page="/console/tasks",
    )
    assert r.status_code == 303
    again = post_form(
        unit, f"/console/letters/{letter_id}/reply", {"text": "再回复"}, page="/console/tasks"
    )
    assert again.status_code == 409
    assert "已成立专班，逐件整改。" in unit.get("/console/tasks").text
    assert "已成立专班，逐件整改。" in supervisor.get(BOARD).text
    # A handler may not issue letters or orders.
    assert post_form(unit, f"{BOARD}/letters", form, page="/console/tasks").status_code == 403


def test_a_leader_instructs_on_a_case_and_an_alert_from_the_dashboard(
    app_client: TestClient, clock: object
) -> None:
    case = make_dispatched(app_client, lead="DEP03")
    leader = signed_in(app_client, "leader01")
    form = {"text": "请阅处", "within_days": "3", "back": "/leader"}
    r = post_form(
        leader,
        "/leader/instruct",
        {**form, "item": f"case:{case['tracking_no']}", "units": "DEP03"},
        page="/leader",
    )
    assert r.status_code == 303 and r.headers["location"] == "/leader?done=instructed"
    # An alert item with no unit: the leader names one by name.
    app = app_client.app.state.minyi  # type: ignore[attr-defined]
    with app.db.unit_of_work() as session:
        now: datetime = app.clock.now()
        alert = Alert(
            key=f"web-test:{now.isoformat()}:{case['id']}",
            kind="repeat_petitioner",
            level="yellow",
            title="重复来访：测试",
            unit_id=None,
            class_name=None,
            day=now.date().isoformat(),
            evidence={"case_ids": []},
            raised_at=now,
            status="open",
        )
        session.add(alert)
        session.flush()
        alert_id = alert.id
    assert "没有对应的承办单位" in leader.get("/leader/alerts").text
    refused = post_form(
        leader, "/leader/instruct", {**form, "item": f"alert:{alert_id}"}, page="/leader"
    )
    assert refused.status_code == 422 and "至少一个承办单位" in refused.text
    r = post_form(
        leader,
        "/leader/instruct",
        {**form, "item": f"alert:{alert_id}", "unit_names": "区住房和建设局"},
        page="/leader",
    )
    assert r.status_code == 303
    with app.db.reading() as session:
        refs = set(
            session.scalars(
                select(Instruction.subject_ref).where(
                    Instruction.subject_ref == f"alert:{alert_id}"
                )
            )
        )
    assert refs == {f"alert:{alert_id}"}
    assert (
        "预警：重复来访：测试" in signed_in(app_client, "dep01.handler").get("/console/tasks").text
    )
    assert (
        post_form(
            leader, "/leader/instruct", {**form, "item": "hotspot:nope"}, page="/leader"
        ).status_code
        == 422
    )
    make_appeal(app_client)


def _instruct_form(page: str, item: str) -> str:
    """The 批示 form of one item on a page (each item has its own, all posting to one address)."""
    start = page.index(f'data-item="{item}"')
    return page[page.rindex("<details", 0, start) : page.index("</details>", start)]


def test_a_refused_instruction_comes_back_on_its_own_form_with_what_was_typed(
    app_client: TestClient,
) -> None:
    """No unit named, a due date of 0 days: the message shows on the form the leader sent (not on
    the first 批示 form of the page, not on the shared error page), the typed text kept."""
    case = make_dispatched(app_client, lead="DEP03")
    leader = signed_in(app_client, "leader01")
    app = app_client.app.state.minyi  # type: ignore[attr-defined]
    with app.db.unit_of_work() as session:
        now: datetime = app.clock.now()
        alerts = [
            Alert(
                key=f"refill-test:{now.isoformat()}:{case['id']}:{n}",
                kind="repeat_petitioner",
                level="yellow",
                title=f"重复来访：回填{n}",
                unit_id=None,
                class_name=None,
                day=now.date().isoformat(),
                evidence={"case_ids": []},
                raised_at=now,
                status="open",
            )
            for n in (1, 2)
        ]
        session.add_all(alerts)
        session.flush()
        items = [f"alert:{a.id}" for a in alerts]
    page = "/leader/alerts"
    shown = leader.get(page).text
    assert shown.count('action="/leader/instruct"') >= 2
    first = re.search(r'<details class="instruct" data-item="([^"]+)"', shown).group(1)  # type: ignore[union-attr]
    item = next(i for i in items if i != first)  # a form further down the page
    browser = {"referer": f"http://testserver{page}", "accept": "text/html"}
    typed = "请区住建局牵头核实，三日内报结果。"
    r = post_form(
        leader,
        "/leader/instruct",
        {"item": item, "back": page, "text": typed, "within_days": "5"},
        page=page,
        headers=browser,
    )
    assert r.status_code == 422 and "出错了" not in r.text
    form = _instruct_form(r.text, item)
    assert "<details" in form and " open" in form.split(">", 1)[0]
    assert (
        'role="alert"' in form
        and "至少一个承办单位" in form
        and f">{typed}</textarea>" in form
        and 'value="5"' in form
    )
    assert r.text.count('id="form-error"') == 1  # only the sent form says it
    # A due date of 0 days, the unit named: the same, with the unit kept.
    r = post_form(
        leader,
        "/leader/instruct",
        {
            "item": item,
            "back": page,
            "text": typed,
            "within_days": "0",
            "unit_names": "区住房和建设局",
        },
        page=page,
        headers=browser,
    )
    assert r.status_code == 422
    form = _instruct_form(r.text, item)
    assert (
        "办理期限不正确" in form
        and 'value="区住房和建设局"' in form
        and f">{typed}</textarea>" in form
    )
