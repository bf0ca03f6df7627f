"""The joint-meeting pages as their users use them, on both databases: plan a meeting, take a
hard case from the candidates, record the decision with a task, the unit's to-do list shows the
task, the minutes download; a refused form keeps what was typed."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from docx import Document
from fastapi.testclient import TestClient

from factories import make_dispatched
from minyi.core.clock import ManualClock
from webclient import csrf_of, signed_in


def _local(client: TestClient, clock: ManualClock, delta: timedelta) -> str:
    tz = client.app.state.minyi.tz  # type: ignore[attr-defined]
    return (clock.now() + delta).astimezone(tz).strftime("%Y-%m-%dT%H:%M")


class TestMeetingPages:
    def test_plan_agenda_decide_and_the_unit_sees_its_task(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        case = make_dispatched(
            app_client, "DEP05", [], crowd_size=20, title="工地拖欠农民工工资群体讨薪"
        )
        office = signed_in(app_client, "dispatcher")
        plan = office.get("/console/meetings/new")
        assert plan.status_code == 200 and "成员单位" in plan.text
        r = office.post(
            "/console/meetings",
            data={
                "csrf_token": csrf_of(office, "/console/meetings/new"),
                "level": "district",
                "title": "欠薪问题专题联席会议",
                "starts_at": _local(app_client, clock, -timedelta(minutes=30)),
                "place": "区信联办二楼会议室",
                "convener": "mayor",
                "units": ["DEP05", "DEP12"],
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        where = r.headers["location"].split("?")[0]
        page = office.get(where)
        assert "欠薪问题专题联席会议" in page.text and "区人力资源局" in page.text
        assert f'name="case_id" value="{case["id"]}"' in page.text
        added = office.post(
            f"{where}/items",
            data={"csrf_token": csrf_of(office, where), "case_id": str(case["id"])},
            follow_redirects=False,
        )
        assert added.status_code == 303
        page = office.get(where)
        item = re.search(rf'href="{where}/items/(\d+)"', page.text)
        assert item, page.text
        item_path = f"{where}/items/{item.group(1)}"
        form = office.get(item_path)
        assert "任务分工" in form.text
        # A refused form (a task without a deadline) keeps what was typed.
        bad = office.post(
            f"{item_path}/decision",
            data={
                "csrf_token": csrf_of(office, item_path),
                "decision": "人社局牵头追缴欠薪",
                "unit_0": "DEP05",
                "text_0": "三日内约谈施工单位",
            },
        )
        assert bad.status_code == 422
        assert "办理时限" in bad.text and "三日内约谈施工单位" in bad.text
        done = office.post(
            f"{item_path}/decision",
            data={
                "csrf_token": csrf_of(office, item_path),
                "decision": "人社局牵头追缴欠薪",
                "unit_0": "DEP05",
                "text_0": "三日内约谈施工单位",
                "deadline_0": _local(app_client, clock, timedelta(days=3)),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        assert "人社局牵头追缴欠薪" in office.get(where).text
        # The unit's to-do list (待办任务) shows the task with the case.
        todo = signed_in(app_client, "dep05.handler").get("/console/tasks")
        assert "三日内约谈施工单位" in todo.text
        assert f"/console/cases/{case['id']}" in todo.text
        minutes = office.get(f"{where}/minutes.docx")
        assert minutes.status_code == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(minutes.content)).paragraphs)
        assert "会议纪要" in text and "人社局牵头追缴欠薪" in text

    def test_a_unit_outside_the_meeting_does_not_find_it(self, app_client: TestClient) -> None:
        listing = signed_in(app_client, "dep20.handler").get("/console/meetings")
        assert listing.status_code == 200
        assert "欠薪问题专题联席会议" not in listing.text
        assert (
            signed_in(app_client, "dep20.handler").get("/console/meetings/new").status_code == 403
        )
