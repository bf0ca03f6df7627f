"""Attachments: size and type checked, stored once per content under their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import get_visible_case
from minyi.cases.tracking import secret_matches
from minyi.core.db import Database
from minyi.core.errors import Forbidden, Invalid, NotFound
from minyi.core.settings import Settings
from minyi.intake.models import Attachment
from minyi.org.rules import Actor

# The first bytes of the kinds we can check; a file claiming one of these must start so.
MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    "image/webp": (b"RIFF",),
}
# A citizen may add evidence to their own appeal for a day after submitting it.
CITIZEN_UPLOAD_WINDOW = timedelta(hours=24)


def check_attachment(settings: Settings, *, content_type: str, data: bytes) -> None:
    """Every check on the file itself, so a channel that registers an appeal and its file
    together (Open311 media) can refuse before it writes anything."""
    if len(data) > settings.limits.attachment_max_bytes:
        raise Invalid(
            "file_too_large",
            f"attachments are limited to {settings.limits.attachment_max_bytes // (1024 * 1024)} MB",
            field="file",
        )
    if not data:
        raise Invalid("empty_file", "the file is empty", field="file")
    if content_type not in settings.limits.attachment_types:
        raise Invalid(
            "file_type_not_allowed", f"type '{content_type}' is not accepted", field="file"
        )
    if content_type in MAGIC and not data.startswith(MAGIC[content_type]):
        raise Invalid(
            "file_type_mismatch", f"the file's content is not {content_type}", field="file"
        )


def clean_filename(filename: str) -> str:
    """The base name without control characters (NUL cannot be stored in PostgreSQL text)."""
    name = "".join(c for c in os.path.basename(filename) if c.isprintable())
    return name[:200] or "file"


def store_attachment(
    db: Database,
    settings: Settings,
    *,
    case_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    actor: Actor | None,
    phone_last4: str | None,
    now: datetime,
) -> dict[str, Any]:
    """`phone_last4`: the citizen's secret when there is no actor, the phone's last four digits
    or the receipt's tracking code (cases/tracking.py `secret_matches`)."""
    check_attachment(settings, content_type=content_type, data=data)
    digest = hashlib.sha256(data).hexdigest()
    with db.unit_of_work() as session:
        if actor is not None:
            case = get_visible_case(session, case_id, actor)
        else:
            case = _citizen_case(session, case_id, phone_last4, now)
        _write_blob(settings, digest, data)
        row = Attachment(
            appeal_id=case.appeal_id,
            filename=clean_filename(filename),
            content_type=content_type,
            size=len(data),
            sha256=digest,
            uploaded_at=now,
        )
        session.add(row)
        session.flush()
        return {
            "id": row.id,
            "filename": row.filename,
            "size": row.size,
            "sha256": digest,
            "content_type": content_type,
        }


def _citizen_case(session: Any, case_id: int, phone_last4: str | None, now: datetime) -> Case:
    row = session.execute(
        select(Case, Appeal).join(Appeal, Appeal.id == Case.appeal_id).where(Case.id == case_id)
    ).first()
    if row is None or not secret_matches(row[1], phone_last4):
        raise NotFound("case_not_found", f"no case {case_id}")
    if now - row[1].submitted_at > CITIZEN_UPLOAD_WINDOW:
        raise Forbidden(
            "upload_window_closed",
            "attachments can be added within 24 hours of submitting; contact the handling unit",
        )
    return row[0]


def stage_attachment(settings: Settings, *, content_type: str, data: bytes) -> None:
    """Check the file and write its content (stored once under its SHA-256, so a later
    `store_attachment` of the same bytes only adds its row): a channel that registers an appeal
    with its file does the fallible file work before it registers anything."""
    check_attachment(settings, content_type=content_type, data=data)
    _write_blob(settings, hashlib.sha256(data).hexdigest(), data)


def _write_blob(settings: Settings, digest: str, data: bytes) -> None:
    """Write-then-rename, fsynced: a crash never leaves half a file under a valid name."""
    folder = settings.attachments_dir / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if target.exists():
        return
    fd, tmp = tempfile.mkstemp(dir=folder)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
