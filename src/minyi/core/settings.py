"""One settings object, read from MINYI_* environment variables; defaults run the demo on SQLite.

Sections (triage, alerts, report, notify, limits) group what one part of the system reads."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - the placeholder production refuses


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/minyi (~/.local/share/minyi): an absolute place, so a command run from any
    directory finds the same database and never leaves a stray one where it was run."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minyi"


class TriageSettings(BaseSettings):
    """MINYI_TRIAGE_AUTO_DISPATCH (default on: users want the sure ones gone at once, the
    threshold keeps 98 % precision, a person gets the rest) and MINYI_TRIAGE_BATCH."""

    model_config = SettingsConfigDict(env_prefix="MINYI_TRIAGE_", env_file=".env", extra="ignore")

    auto_dispatch: bool = True
    # 50: the write half of a batch holds SQLite's one write lock, and intake waits for it. With
    # `minyi bench intake` (5,000 appeals x 3 at concurrency 32, quiet machine) intake's p99 was
    # 76 ms at 100, 40 ms at 50 and at 20; the backlog drained in 9, 19 and 29 s after the burst.
    batch: int = Field(default=50, ge=1)
    # Intake bursts (triage/burst.py): above this many appeals a second the job waits, at most
    # max_defer_seconds at a stretch. 100/s is a whole district's busiest hour in two seconds.
    burst_rate: float = 100.0
    max_defer_seconds: float = 60.0


class AlertSettings(BaseSettings):
    """MINYI_ALERTS_SCAN_MINUTES: how often today's signals are looked for (0 turns it off)."""

    model_config = SettingsConfigDict(env_prefix="MINYI_ALERTS_", env_file=".env", extra="ignore")

    scan_minutes: int = Field(default=15, ge=0)


class ReportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINYI_REPORT_", env_file=".env", extra="ignore")

    # The daily report (reports/): the local time (in `timezone`) the worker issues yesterday's.
    daily_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINYI_", env_file=".env", extra="ignore")

    # Outgoing messages (notify/): SMTP for email, an HTTP gateway for SMS, a WeCom robot webhook.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "minyi@localhost"
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = None
    wecom_webhook_url: str | None = None


class LimitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINYI_", env_file=".env", extra="ignore")

    # Request bodies (api/limits.py): JSON and forms, and multipart uploads (attachments, imports).
    body_max_bytes: int = 1024 * 1024
    upload_max_bytes: int = 64 * 1024 * 1024
    # Attachments (MINYI_ATTACHMENT_MAX_BYTES, MINYI_ATTACHMENT_TYPES): what a district's intake
    # desk accepts as evidence, through the API, Open311 and the pages.
    attachment_max_bytes: int = 20 * 1024 * 1024
    attachment_types: list[str] = Field(
        default=[
            "image/jpeg",
            "image/png",
            "image/webp",
            "application/pdf",
            "audio/mpeg",
            "audio/wav",
            "video/mp4",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ]
    )
    # Throttles (core/throttle.py), counted in the database so every process shares them.
    # Sign-in: wrong passwords per (username, address), per username from anywhere, and per
    # address over all usernames (spraying), each in a fixed window.
    sign_in_failures_per_account: int = Field(default=5, ge=1)
    sign_in_failures_per_user: int = Field(default=30, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    sign_in_window_minutes: int = Field(default=15, ge=1)
    # Citizen secrets (the last four phone digits or the tracking code): wrong answers per case
    # and per address; over the limit even the right answer is refused until the window ends.
    citizen_secret_failures_per_case: int = Field(default=5, ge=1)
    citizen_secret_failures_per_address: int = Field(default=20, ge=1)
    citizen_secret_window_minutes: int = Field(default=60, ge=1)


class Settings(BaseSettings):
    """Read once per process by its entry point; each section keeps the MINYI_* names the README
    documents (MINYI_TRIAGE_BATCH, MINYI_SMTP_HOST...) by reading its own prefix."""

    model_config = SettingsConfigDict(env_prefix="MINYI_", env_file=".env", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    # Unset: the embedded SQLite database `minyi.db` in the data directory.
    database_url: str = ""
    # A PostgreSQL streaming replica (hot standby) of database_url: lists, search, reports,
    # analytics and exports read there when it is up and caught up (core/replica.py, ADR 0009).
    database_replica_url: str = ""
    # Past this replay lag everyone reads the primary. 5 s: a dispatcher who refreshes a list
    # expects what a colleague did a moment ago, not minutes ago.
    replica_max_lag_seconds: float = Field(default=5.0, ge=0)
    # After the replica refused or timed out, reads go to the primary this long before it is
    # tried again; libpq's connect_timeout (2 s is its minimum) bounds the one read that tries.
    replica_retry_seconds: float = Field(default=30.0, ge=0)
    replica_connect_timeout_seconds: int = Field(default=2, ge=2)
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = DEV_SECRET
    token_ttl_hours: int = 12
    # GET /metrics answers only a bearer of this token; unset, /metrics is off (404).
    metrics_token: str | None = None
    timezone: str = "Asia/Shanghai"
    worker_interval_seconds: float = 5.0
    load_demo_if_empty: bool = True
    # What `minyi serve` loads into an empty database (with load_demo_if_empty): "history", the
    # demo district with four weeks of life made through the services and a trained triage
    # model; "empty", the demo district's units, accounts, channels and dictionary only.
    demo: Literal["history", "empty"] = "history"
    # Where citizens reach the portal: QR codes of leader mailboxes point here.
    public_base_url: str = "http://127.0.0.1:8000"
    # Calendars (sla/): local overrides (ISO dates) that win over the calendar an administrator
    # keeps (minyi calendar, /console/admin/calendar) and over chinesecalendar: a local day off.
    extra_holidays: list[str] = Field(default=[])
    extra_workdays: list[str] = Field(default=[])
    # How many appeals one group commit may carry; larger batches trade latency for throughput.
    intake_batch_max: int = 256
    # One JSON line per request (method, route, status, duration, request id). Off by default:
    # a server whose stderr nobody reads would block once the pipe filled.
    access_log: bool = False
    triage: TriageSettings = Field(default_factory=TriageSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)

    @field_validator("extra_holidays", "extra_workdays")
    @classmethod
    def _iso_dates(cls, days: list[str]) -> list[str]:
        # Checked with the rest of the settings, so a CLI command refuses a bad date at once
        # (its runtime, which turns them into the calendar's overrides, is built only when it is
        # needed) and the app refuses it on start.
        for day in days:
            date.fromisoformat(day)
        return days

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.data_dir = self.data_dir.expanduser().absolute()
            self.database_url = f"sqlite:///{self.data_dir / 'minyi.db'}"
        return self

    @model_validator(mode="after")
    def _replica_on_postgres(self) -> Settings:
        if self.database_replica_url and not (
            self.database_url.startswith("postgresql")
            and self.database_replica_url.startswith("postgresql")
        ):
            raise ValueError(
                "MINYI_DATABASE_REPLICA_URL is a PostgreSQL streaming replica of a PostgreSQL"
                " MINYI_DATABASE_URL"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "prod" and self.secret_key == DEV_SECRET:
            raise ValueError("MINYI_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


def defaults() -> Settings:
    """The defaults, without reading the environment: what a domain function falls back on when
    it is called without the process's settings (a test, a tool). Entry points read `Settings()`."""
    return Settings.model_construct(
        triage=TriageSettings.model_construct(),
        alerts=AlertSettings.model_construct(),
        report=ReportSettings.model_construct(),
        notify=NotifySettings.model_construct(),
        limits=LimitSettings.model_construct(),
    )


# Settings read from the environment, by what they were read from (`from_environment`).
_read: dict[tuple[object, ...], Settings] = {}


def _environment_key() -> tuple[object, ...]:
    """Everything `Settings()` reads: every MINYI_ variable (pydantic-settings matches names
    without regard to case), the .env file of the working directory, the working directory itself
    (a relative MINYI_DATA_DIR is resolved against it), and the two variables the default data
    directory is made of."""
    cwd = os.getcwd()
    try:
        dotenv: bytes | None = (Path(cwd) / ".env").read_bytes()
    except OSError:
        dotenv = None
    minyi = tuple(sorted((k, v) for k, v in os.environ.items() if k.lower().startswith("minyi_")))
    return (cwd, dotenv, minyi, os.environ.get("XDG_DATA_HOME"), os.environ.get("HOME"))


def from_environment() -> Settings:
    """`Settings()`, validated once per process for each environment it sees: the CLI's tests run
    hundreds of commands in one process, each of which would otherwise spend tens of ms reading
    the same variables. Exact: any change to what `Settings()` reads reads them again. The object
    is shared between callers, so nobody changes it (nobody does: settings are read-only)."""
    key = _environment_key()
    found = _read.get(key)
    if found is None:
        if len(_read) >= 64:  # a test session sees a new environment per test: keep it small
            _read.clear()
        found = _read[key] = Settings()
    return found


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
