"""Bring a database to life: migrate it, and fill an empty one with the demo district."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from minyi.core.db import Database
from minyi.demo.dictionary import build_dictionary
from minyi.demo.district import build_district
from minyi.demo.history import load_history
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
    with db.engine.begin() as connection:
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
    return counts


def load_demo_history(db: Database, *, now: datetime, tz: ZoneInfo, data_dir: Path) -> dict[str, int]:
    """Four weeks of the demo district's life up to `now`, made through the services (see
    demo/history.py), and the triage model trained on the demo's texts. Needs `load_demo` first."""
    return load_history(db, now=now, tz=tz, data_dir=data_dir)
