"""Legal help through the API and the CLI, on both databases: a lawyer writes up a
consultation for an appointment, refers it, 区司法局 decides; who reads what; a lawyer's desk;
pre-petition advice on a walk-in and the choice; the figures; bad input answers 4xx (the CLI
exit code 2 with one line) and changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cli_harness import CliResult, minyi_env, run_cli
from conftest import START
from factories import auth, make_appeal
from minyi.core.db import Database
from minyi.legal.models import LegalConsultation
from minyi.org.models import Staff
from minyi.org.service import actor_for_username
from minyi.services.models import SiteStaff
from minyi.services.service import book_appointment

TZ = ZoneInfo("Asia/Shanghai")
THURSDAY_2PM = datetime(2026, 11, 26, 14, 0, tzinfo=TZ)
QUESTION = "物业公司停水威胁业主赵德明缴费，电话13911112222，是否合法？"
BASE = "/api/v1/legal"


def lawyer_site(session, username: str = "s01.lawyer") -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = session.execute(
        select(SiteStaff.site_id, Staff.id)
        .join(Staff, Staff.id == SiteStaff.staff_id)
        .where(Staff.username == username, SiteStaff.kind == "lawyer")
    ).first()
    assert row is not None
    return row[0], row[1]


def _book(db: Database, starts_at: datetime, now: datetime, case_id: int | None = None) -> int:
    with db.unit_of_work() as session:
        site_id, lawyer_id = lawyer_site(session)
        return book_appointment(
            session,
            None if case_id is None else actor_for_username(session, "clerk"),
            site_id=site_id,
            service="legal",
            starts_at=starts_at,
            minutes=30,
            name="赵德明",
            phone="13911112222",
            topic="物业停水",
            staff_id=lawyer_id,
            case_id=case_id,
            now=now,
            tz=TZ,
        ).id


def _count(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(LegalConsultation)) or 0


class TestApi:
    def test_consult_refer_decide_and_readers(self, app_client: TestClient, db: Database) -> None:
        appointment_id = _book(db, THURSDAY_2PM, START)
        lawyer = auth(app_client, "s01.lawyer")
        body = {
            "appointment_id": appointment_id,
            "area": "housing",
            "question": QUESTION,
            "advice": "物业无权以停水方式催缴物业费，可向街道和住建部门投诉。",
            "documents": ["物业服务合同要点"],
        }
        before = _count(db)
        for bad, status in (
            ({**body, "area": "nope"}, 422),
            ({**body, "question": " "}, 422),
            ({**body, "appointment_id": 10**9}, 404),
            ({**body, "phone": "x" * 31}, 422),
        ):
            r = app_client.post(f"{BASE}/consultations", json=bad, headers=lawyer)
            assert r.status_code == status, r.text
            assert "error" in r.json() or "detail" in r.json()
        other = app_client.post(
            f"{BASE}/consultations", json=body, headers=auth(app_client, "s02.lawyer")
        )
        assert other.status_code == 403
        assert _count(db) == before
        made = app_client.post(f"{BASE}/consultations", json=body, headers=lawyer)
        assert made.status_code == 201, made.text
        c = made.json()
        assert c["question"] == QUESTION and c["area_label"] == "房产物业"
        again = app_client.post(f"{BASE}/consultations", json=body, headers=lawyer)
        assert again.status_code == 409
        path = f"{BASE}/consultations/{c['id']}"
        assert app_client.get(path, headers=auth(app_client, "supervisor")).json()["readable"]
        for user in ("dep11.head", "s02.lawyer", "dep01.handler"):
            assert app_client.get(path, headers=auth(app_client, user)).status_code == 403, user

        referral = app_client.post(
            f"{BASE}/referrals",
            json={
                "consultation_id": c["id"],
                "hardship": "elderly",
                "situation": "独居老人，每月养老金一千八百元",
                "monthly_income": "1800",
            },
            headers=lawyer,
        )
        assert referral.status_code == 201, referral.text
        rid = referral.json()["id"]
        head = auth(app_client, "dep11.head")
        seen = app_client.get(path, headers=head)
        assert seen.status_code == 200 and seen.json()["question"] == QUESTION
        pending = app_client.get(f"{BASE}/referrals?status=pending", headers=head).json()
        assert rid in [r["id"] for r in pending["items"]]
        refused = app_client.post(
            f"{BASE}/referrals/{rid}/decision", json={"grant": False}, headers=head
        )
        assert refused.status_code == 422
        assert (
            app_client.post(
                f"{BASE}/referrals/{rid}/decision",
                json={"grant": True},
                headers=auth(app_client, "dep01.head"),
            ).status_code
            == 403
        )
        granted = app_client.post(
            f"{BASE}/referrals/{rid}/decision",
            json={"grant": True, "lawyer": "s01.lawyer"},
            headers=head,
        )
        assert granted.status_code == 200, granted.text
        assert granted.json()["status_label"] == "准予援助"
        assert granted.json()["lawyer"]
        desk = app_client.get(f"{BASE}/desk", headers=lawyer).json()
        assert desk["is_lawyer"] and not desk["may_decide"]
        figures = app_client.get(
            f"{BASE}/figures",
            params={"since": START.isoformat(), "until": (START + timedelta(days=30)).isoformat()},
            headers=auth(app_client, "dep01.handler"),
        ).json()["figures"]
        assert figures["法律咨询"] >= 1 and figures["准予援助"] >= 1
        assert "赵德明" not in json.dumps(figures, ensure_ascii=False)
        bad_period = app_client.get(
            f"{BASE}/figures",
            params={"since": START.isoformat(), "until": START.isoformat()},
            headers=lawyer,
        )
        assert bad_period.status_code == 422

    def test_pre_petition_advice(self, app_client: TestClient) -> None:
        appeal = make_appeal(app_client, channel="walk_in")
        clerk = auth(app_client, "clerk")
        r = app_client.post(
            f"{BASE}/advice",
            json={
                "case_id": appeal["id"],
                "route": "court",
                "advice": "属民间借贷纠纷，建议向人民法院起诉。",
            },
            headers=clerk,
        )
        assert r.status_code == 201, r.text
        advice = r.json()
        assert advice["choice"] == "undecided" and advice["is_legal_route"]
        chosen = app_client.post(
            f"{BASE}/advice/{advice['id']}/choice", json={"choice": "legal_route"}, headers=clerk
        )
        assert chosen.status_code == 200 and chosen.json()["choice_label"] == "选择通过法律途径解决"
        assert (
            app_client.post(
                f"{BASE}/advice/{advice['id']}/choice", json={"choice": "petition"}, headers=clerk
            ).status_code
            == 409
        )
        shown = app_client.get(f"{BASE}/cases/{appeal['id']}/advice", headers=clerk).json()
        assert [a["choice"] for a in shown] == ["legal_route"]
        timeline = app_client.get(f"/api/v1/appeals/{appeal['id']}/timeline", headers=clerk)
        assert "legal_route_chosen" in timeline.text
        hotline = make_appeal(app_client)
        refused = app_client.post(
            f"{BASE}/advice",
            json={"case_id": hotline["id"], "route": "court", "advice": "x"},
            headers=clerk,
        )
        assert refused.status_code == 409


def run(args: list[str], db: Database, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd)


def _next_tuesday_3pm() -> datetime:
    now = datetime.now(UTC).astimezone(TZ)
    day = now.date() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=TZ)


def test_cli_consult_refer_decide_figures(fresh_demo_db: Database, tmp_path: Path) -> None:
    appointment_id = _book(fresh_demo_db, _next_tuesday_3pm(), datetime.now(UTC))
    consult = [
        "legal", "consult", "--appointment", str(appointment_id), "--area", "tort",
        "--question", QUESTION, "--advice", "可要求赔偿损失。", "--document", "起诉状范本",
    ]  # fmt: skip
    bad = run([*consult, "--as", "s02.lawyer"], fresh_demo_db, tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "驻点律师" in bad.stderr or "预约的律师" in bad.stderr
    assert _count(fresh_demo_db) == 0
    made = run([*consult, "--as", "s01.lawyer", "--json"], fresh_demo_db, tmp_path)
    assert made.returncode == 0, made.stderr
    consultation = json.loads(made.stdout)
    assert consultation["area_label"] == "侵权赔偿" and consultation["documents"] == ["起诉状范本"]
    listed = json.loads(run(["legal", "list", "--as", "admin"], fresh_demo_db, tmp_path).stdout)
    assert listed["total"] == 1 and consultation["name"] == "赵德明"  # the lawyer's own
    assert "赵德明" not in json.dumps(listed, ensure_ascii=False)
    referred = run(
        ["legal", "refer", "--consultation", str(consultation["id"]), "--hardship", "disabled",
         "--situation", "肢体残疾，无固定收入", "--as", "s01.lawyer"],
        fresh_demo_db,
        tmp_path,
    )  # fmt: skip
    assert referred.returncode == 0, referred.stderr
    referral_id = referred.stdout.split()[1].rstrip(":")
    no_reason = run(
        ["legal", "decide", referral_id, "--refuse", "--as", "dep11.head"], fresh_demo_db, tmp_path
    )
    assert no_reason.returncode == 2 and "理由" in no_reason.stderr
    refused = run(
        ["legal", "decide", referral_id, "--refuse", "--reason", "不符合经济困难标准",
         "--as", "dep11.head"],
        fresh_demo_db,
        tmp_path,
    )  # fmt: skip
    assert refused.returncode == 0 and "refused" in refused.stdout
    figures = json.loads(run(["legal", "figures"], fresh_demo_db, tmp_path).stdout)
    assert (figures["法律咨询"], figures["不予援助"]) == (1, 1)
    desk = json.loads(run(["legal", "desk", "--as", "dep11.head"], fresh_demo_db, tmp_path).stdout)
    assert desk["may_decide"] and desk["pending"] == []
