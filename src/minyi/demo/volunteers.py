"""The demo district's 平安志愿者: a few approved volunteers in every community of the first two
streets (codes 2026xxxx, so a demo user can sign in with one) and one waiting for approval per
street. Written through the volunteers' service, like a community's own registrations."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from minyi.org.service import actor_for_username
from minyi.volunteers.service import register_volunteer

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = "平安守望建国秀英志强丽华海燕明辉春梅卫东桂兰"
# The first demo volunteer: code 20260001, phone 13700000001 (last four 0001), community S01C01.
FIRST_CODE = 20260001


def build_volunteers(
    district: dict[str, list[dict[str, Any]]], seed: int = 11
) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    communities = [
        u for u in district["units"] if u["kind"] == "community" and u["code"][:3] in ("S01", "S02")
    ]
    out: list[dict[str, Any]] = []
    for community in communities:
        for _ in range(3):
            n = len(out)
            out.append(
                {
                    "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                    "phone": f"137{n + 1:08d}",
                    "community": community["code"],
                    "code": str(FIRST_CODE + n),
                    "approved": not community["code"].endswith("C02") or n % 3 != 2,
                }
            )
    return out


def load_volunteers(
    session: Session, district: dict[str, list[dict[str, Any]]], *, now: datetime
) -> dict[str, int]:
    admin = actor_for_username(session, "admin")
    made = 0
    for v in build_volunteers(district):
        register_volunteer(
            session,
            name=v["name"],
            phone=v["phone"],
            community=v["community"],
            actor=admin if v["approved"] else None,
            now=now - timedelta(days=30),
            code=v["code"],
        )
        made += 1
    return {"volunteers": made}
