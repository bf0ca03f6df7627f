"""A meeting's task runs on a clock like any instruction task: the worker marks it overdue when
its deadline passes, the meeting shows it, and the case's timeline says so (on both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import private_demo_app
from factories import auth, make_dispatched
from minyi.cases.models import CaseEvent
from minyi.worker.runner import run_once


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[tuple]:
    with private_demo_app(backend, tmp_path) as found:
        yield found


def test_an_unfinished_task_goes_overdue(world: tuple) -> None:
    client, db, clock = world
    office = auth(client, "dispatcher")
    case = make_dispatched(client, "DEP01", [], crowd_size=9)
    m = client.post(
        "/api/v1/meetings",
        json={
            "level": "district",
            "title": "限时办结专题会议",
            "starts_at": (clock.now() - timedelta(hours=1)).isoformat(),
            "place": "区信联办会议室",
            "convener": "secretary",
            "units": ["DEP01"],
        },
        headers=office,
    ).json()
    item = client.post(
        f"/api/v1/meetings/{m['id']}/items", json={"case_id": case["id"]}, headers=office
    ).json()["items"][0]["id"]
    r = client.post(
        f"/api/v1/meetings/{m['id']}/items/{item}/decision",
        json={
            "decision": "住建局一日内办结",
            "tasks": [
                {
                    "unit": "DEP01",
                    "text": "一日内办结",
                    "deadline": (clock.now() + timedelta(days=1)).isoformat(),
                }
            ],
        },
        headers=office,
    )
    assert r.status_code == 200, r.text
    clock.advance(timedelta(days=2))
    while run_once(db, clock)["fire_clocks"]:
        pass
    shown = client.get(f"/api/v1/meetings/{m['id']}", headers=auth(client, "dispatcher")).json()
    task = shown["items"][0]["tasks"][0]
    assert (task["state"], task["state_label"], task["clock_state"]) == (
        "overdue",
        "已超期",
        "breached",
    )
    with db.reading() as session:
        actions = list(
            session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case["id"]))
        )
    assert "instruction_overdue" in actions and "meeting_decision" in actions
