"""An administrator's edit of the clock policies' time limits from a form: each milestone's
duration, calendar and warning share. Saved as a new version of the policies file (like an
import), so every process's version-keyed cache (`current_policies`) picks it up at once.

The file is re-written from its parsed form: YAML comments of the edited version are not kept
(older versions keep theirs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core import safe_yaml
from minyi.core.errors import Conflict, Invalid
from minyi.sla.calendar import CALENDARS
from minyi.sla.models import ClockPolicySet
from minyi.sla.service import import_policies, policies_text

DURATION = re.compile(r"\d{1,4}")
UNITS = ("m", "h", "d")


@dataclass(frozen=True)
class Limit:
    """One milestone's limit as typed: an amount and unit (m/h/d), a calendar, a warning percent."""

    amount: str
    unit: str
    calendar: str
    warn_percent: str


def policies_version(session: Session) -> int:
    return int(session.scalar(select(func.max(ClockPolicySet.version))) or 0)


def edit_limits(
    session: Session,
    limits: dict[tuple[str, str], Limit],
    *,
    expected_version: int,
    by: str,
    now: datetime,
) -> int:
    """The new version number. Refused whole, in Chinese, on the first bad limit, and when the
    policies changed since the form was opened."""
    if policies_version(session) != expected_version:
        raise Conflict("version_conflict", "时限标准刚被他人修改（已有新版本），请刷新后重新编辑")
    doc: Any = safe_yaml.load(policies_text(session))
    for policy_code, policy in doc["policies"].items():
        for milestone in policy["milestones"]:
            limit = limits.get((policy_code, milestone["code"]))
            if limit is None:
                continue
            where = f"{policy_code}.{milestone['code']}"
            if (
                not DURATION.fullmatch(limit.amount)
                or int(limit.amount) == 0
                or limit.unit not in UNITS
            ):
                raise Invalid(
                    "bad_duration",
                    f"“{milestone['name']}”的时限应为1至9999的整数",
                    field=f"{where}.amount",
                )
            if limit.calendar not in CALENDARS:
                raise Invalid(
                    "bad_calendar",
                    f"“{milestone['name']}”请选择计时方式",
                    field=f"{where}.calendar",
                )
            if not DURATION.fullmatch(limit.warn_percent) or not 1 <= int(limit.warn_percent) <= 99:
                raise Invalid(
                    "bad_warn",
                    f"“{milestone['name']}”的预警点应为1至99（%）",
                    field=f"{where}.warn",
                )
            milestone["duration"] = f"{int(limit.amount)}{limit.unit}"
            milestone["calendar"] = limit.calendar
            milestone["warn_at"] = int(limit.warn_percent) / 100
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=200)
    return import_policies(session, text, by=by, now=now)
