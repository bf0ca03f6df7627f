"""The forms around a case: a leader holds it and instructs, the unit completes the task; a
supervisor orders, the unit responds, the supervisor closes; an extension; admin imports."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from conftest import private_demo_app
from factories import act, make_dispatched
from webclient import browser, post_form, signed_in


def test_leader_holds_and_instructs_and_the_unit_completes_the_task(app_client: TestClient) -> None:
    case = make_dispatched(app_client, lead="DEP03")
    leader = signed_in(app_client, "leader02")
    page = f"/console/cases/{case['id']}"
    assert (
        post_form(leader, f"{page}/holding", {"plan": "一周内上门走访"}, page=page).status_code
        == 303
    )
    r = post_form(
        leader,
        f"{page}/instructions",
        {"text": "请住建局三日内拿出方案", "units": "DEP03", "within_days": "3"},
        page=page,
    )
    assert r.status_code == 303
    text = leader.get(page).text
    assert "包案中" in text and "请住建局三日内拿出方案" in text
    assert (
        "我包的案件" in leader.get("/leader").text
        and case["tracking_no"] in leader.get("/leader").text
    )
    # A second holding of the same case is refused with the holder's name.
    again = post_form(signed_in(app_client, "leader03"), f"{page}/holding", {}, page=page)
    assert again.status_code == 409

    unit = signed_in(app_client, "dep03.handler")
    tasks = unit.get("/console/tasks").text
    task_id = re.search(r'action="/console/tasks/(\d+)/complete"', tasks)
    assert task_id, tasks
    assert (
        post_form(
            unit,
            f"/console/tasks/{task_id.group(1)}/complete",
            {"result": "方案已报区领导"},
            page="/console/tasks",
        ).status_code
        == 303
    )
    assert "已办结" in unit.get("/console/tasks").text
    # Another department has no such task to complete.
    other = signed_in(app_client, "dep04.handler")
    assert post_form(
        other, f"/console/tasks/{task_id.group(1)}/complete", {"result": "x"}, page="/console/tasks"
    ).status_code in (403, 404)


def test_supervisor_orders_the_unit_responds_and_the_supervisor_closes(
    app_client: TestClient,
) -> None:
    case = make_dispatched(app_client, lead="DEP04")
    supervisor = signed_in(app_client, "supervisor")
    page = f"/console/cases/{case['id']}"
    assert (
        post_form(
            supervisor,
            f"{page}/orders",
            {"reason": "超期未签收，请立即办理", "within_days": "2"},
            page=page,
        ).status_code
        == 303
    )
    unit = signed_in(app_client, "dep04.head")
    order_id = re.search(r'action="/console/orders/(\d+)/respond"', unit.get("/console/tasks").text)
    assert order_id
    assert (
        post_form(
            unit,
            f"/console/orders/{order_id.group(1)}/respond",
            {"response": "已签收并联系群众"},
            page="/console/tasks",
        ).status_code
        == 303
    )
    # Only a supervisor closes; the unit's attempt is refused.
    assert (
        post_form(
            unit, f"/console/orders/{order_id.group(1)}/close", {}, page="/console/tasks"
        ).status_code
        == 403
    )
    assert (
        post_form(
            supervisor,
            f"/console/orders/{order_id.group(1)}/close",
            {},
            page="/console/supervision",
        ).status_code
        == 303
    )
    assert "已办结" in supervisor.get("/console/supervision").text


def test_unit_head_approves_an_extension_and_a_handler_may_not(app_client: TestClient) -> None:
    case = make_dispatched(app_client, lead="DEP05", channel="letter")
    page = f"/console/cases/{case['id']}"
    handler = signed_in(app_client, "dep05.handler")
    assert "/clocks/extend" not in handler.get(page).text
    assert (
        post_form(
            handler,
            f"{page}/clocks/extend",
            {"milestone": "handle", "days": "10", "reason": "需要鉴定"},
            page=page,
        ).status_code
        == 403
    )
    head = signed_in(app_client, "dep05.head")
    assert "/clocks/extend" in head.get(page).text
    assert (
        post_form(
            head,
            f"{page}/clocks/extend",
            {"milestone": "handle", "days": "10", "reason": "需要鉴定"},
            page=page,
        ).status_code
        == 303
    )
    assert "<b>延期</b>" in head.get(page).text  # the timeline entry, not the form title
    assert act(app_client, case["id"], "sign_for", "dep05.handler").status_code == 200


def test_admin_sees_and_imports_channels_and_policies(tmp_path: Path) -> None:
    with private_demo_app("sqlite", tmp_path) as (app, _, _):
        admin = signed_in(app, "admin")
        page = admin.get("/console/admin").text
        assert (
            "12345" in page
            and "/console/admin/policies" in page
            and "/console/admin/people" in page
        )
        csv_text = (
            "code,kind,name,owner,allows_anonymous\nwechat_official,miniprogram,区政府公众号,,yes\n"
        )
        r = post_form(
            admin,
            "/console/admin/import/channels",
            {},
            page="/console/admin",
            files={"file": ("channels.csv", csv_text.encode(), "text/csv")},
        )
        assert r.status_code == 303
        assert "区政府公众号" in admin.get("/console/admin").text
        bad = post_form(
            admin,
            "/console/admin/import/channels",
            {},
            page="/console/admin",
            files={"file": ("channels.csv", b"code,kind,name\nx,spaceship,Nope\n", "text/csv")},
        )
        assert bad.status_code == 422 and "spaceship" not in admin.get("/console/admin").text
        yaml_text = admin.get("/console/admin/policies/file").text
        assert "duration: 1d, calendar: workdays" in yaml_text
        changed = yaml_text.replace(
            "duration: 1d, calendar: workdays", "duration: 2d, calendar: workdays", 1
        )
        r = post_form(
            admin,
            "/console/admin/import/policies",
            {},
            page="/console/admin",
            files={"file": ("policies.yaml", changed.encode(), "application/yaml")},
        )
        assert r.status_code == 303
        assert "duration: 2d, calendar: workdays" in admin.get("/console/admin/policies/file").text
        # Imports need an administrator.
        assert (
            post_form(
                signed_in(app, "dispatcher"),
                "/console/admin/import/channels",
                {},
                page="/console/inbox",
                files={"file": ("c.csv", csv_text.encode(), "text/csv")},
            ).status_code
            == 403
        )
        assert browser(app).get("/console/admin", follow_redirects=False).status_code == 303


def test_handler_uploads_evidence_checked_like_the_portal(app_client: TestClient) -> None:
    case = make_dispatched(app_client, lead="DEP06")
    page = f"/console/cases/{case['id']}"
    handler = signed_in(app_client, "dep06.handler")
    pdf = b"%PDF-1.4\n%minyi\n"
    r = post_form(
        handler,
        f"{page}/attachments",
        {},
        page=page,
        files={"files": ("现场照片说明.pdf", pdf, "application/pdf")},
    )
    assert r.status_code == 303
    assert "现场照片说明.pdf" in handler.get(r.headers["location"]).text
    fake = post_form(
        handler,
        f"{page}/attachments",
        {},
        page=page,
        files={"files": ("x.pdf", b"<html>", "application/pdf")},
        headers={"referer": f"http://testserver{page}"},
    )
    # The refusal comes back on the case page's upload form (web/form_again.py), in Chinese.
    assert (
        fake.status_code == 422
        and 'id="form-error"' in fake.text
        and f'action="{page}/attachments"' in fake.text
    )
    form_error = fake.text.split('id="form-error">')[1].split("<")[0]
    assert "x.pdf" in form_error and re.search(r"[\u4e00-\u9fff]", form_error)
    # Another unit cannot attach to a case it does not see.
    other = signed_in(app_client, "dep07.handler")
    assert (
        post_form(
            other,
            f"{page}/attachments",
            {},
            page="/console/inbox",
            files={"files": ("a.pdf", pdf, "application/pdf")},
        ).status_code
        == 404
    )
