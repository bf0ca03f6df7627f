"""Bring a database to life: migrate it, and fill an empty one with the demo district."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.demo.dictionary import build_dictionary
from minyi.demo.district import build_district
from minyi.demo.history import load_history
from minyi.demo.markets import plan_demo_markets
from minyi.demo.places import load_places
from minyi.demo.services import load_service_sites
from minyi.demo.volunteers import load_volunteers
from minyi.intake.service import import_channels
from minyi.org.models import Unit
from minyi.org.service import hash_password, import_org
from minyi.taxonomy.service import import_dictionary

MIGRATIONS = Path(__file__).parent / "migrations"
DEMO_PASSWORD = "minyi-demo-2026"  # noqa: S105 - the documented password of the demo accounts only


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(db: Database, revision: str = "head") -> None:
    config = alembic_config()
    # A plain connection, not one in a transaction: the migrations begin and commit their own
    # (env.py), so a revision may step outside it to build an index CONCURRENTLY.
    with db.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_empty(db: Database) -> bool:
    with db.reading() as session:
        return not session.scalar(select(func.count()).select_from(Unit))


def load_demo(db: Database, *, now: datetime) -> dict[str, int]:
    district = build_district()
    password_hash = hash_password(DEMO_PASSWORD)  # before the transaction: Argon2 holds no lock
    with db.unit_of_work() as session:
        counts = import_org(session, district, password_hash=password_hash)
        counts["channels"] = import_channels(session, district["channels"])
        version = import_dictionary(session, build_dictionary(), source="demo", now=now)
        counts["dictionary_version"] = version.number
        counts |= load_places(session, district, now=now)
        counts |= load_service_sites(session, district, now=now)
        counts |= load_volunteers(session, district, now=now)
        counts |= plan_demo_markets(session, now=now, tz=ZoneInfo("Asia/Shanghai"))
    return counts


def first_run(
    db: Database,
    settings: Settings,
    *,
    now: datetime,
    empty: bool = False,
    say: Callable[[str], object] = print,
) -> dict[str, int]:
    """What `minyi serve` does to a database with no units: nothing if load_demo_if_empty is off;
    the demo district (units, accounts, channels, dictionary) with MINYI_DEMO=empty or `empty`;
    else the district and four weeks of its life made through the services (demo/history.py),
    with a triage model trained on the demo's own texts. Returns what was made."""
    if not settings.load_demo_if_empty or not is_empty(db):
        return {}
    counts = load_demo(db, now=now)
    say(
        f"demo district loaded: {counts['units']} units, {counts['staff']} staff, {counts['channels']} channels"
    )
    if empty or settings.demo == "empty":
        return counts
    say("living four weeks of the demo district's history (about half a minute) ...")
    started = time.monotonic()
    done = load_history(db, now=now, tz=ZoneInfo(settings.timezone), data_dir=settings.data_dir)
    say(
        f"demo history made in {time.monotonic() - started:.0f} s: {done.get('appeals', 0)} appeals, "
        f"{done.get('daily_reports', 0)} daily reports, triage model v{done.get('triage_model')}"
    )
    return counts | done
