"""Attachments: type and size limits, content checked against the claimed type, sha256 kept."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import auth, make_appeal
from minyi.core.db import Database
from minyi.intake.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(
    client: TestClient, case_id: int, name: str, content: bytes, ctype: str, **kw: object
) -> object:
    return client.post(
        f"/api/v1/appeals/{case_id}/attachments", files={"file": (name, content, ctype)}, **kw
    )


class TestAttachments:
    def test_stored_with_sha256_and_on_disk(self, app_client: TestClient, db: Database) -> None:
        a = make_appeal(app_client)
        r = upload(
            app_client, a["id"], "现场照片.png", PNG, "image/png", headers=auth(app_client, "clerk")
        )
        assert r.status_code == 201, r.text  # type: ignore[attr-defined]
        assert r.json()["sha256"] == hashlib.sha256(PNG).hexdigest()  # type: ignore[attr-defined]
        with db.reading() as session:
            row = session.scalars(select(Attachment).where(Attachment.appeal_id == a["id"])).one()
        assert (row.size, row.content_type, row.filename) == (len(PNG), "image/png", "现场照片.png")
        stored = app_client.app.state.minyi.settings.attachments_dir / row.sha256[:2] / row.sha256  # type: ignore[attr-defined]
        assert stored.read_bytes() == PNG

    def test_citizen_adds_evidence_with_phone_digits(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, phone="13966667777")
        ok = upload(app_client, a["id"], "a.png", PNG, "image/png", data={"phone_last4": "7777"})
        wrong = upload(app_client, a["id"], "a.png", PNG, "image/png", data={"phone_last4": "0000"})
        assert (ok.status_code, wrong.status_code) == (201, 404)  # type: ignore[attr-defined]

    def test_refused_types_sizes_and_lies(self, app_client: TestClient, db: Database) -> None:
        a = make_appeal(app_client)
        h = auth(app_client, "clerk")
        limit = app_client.app.state.minyi.settings.limits.attachment_max_bytes  # type: ignore[attr-defined]
        cases = [
            ("x.exe", b"MZ\x90\x00", "application/x-msdownload", "file_type_not_allowed"),
            ("fake.png", b"GIF89a....", "image/png", "file_type_mismatch"),
            ("big.pdf", b"%PDF-" + b"0" * limit, "application/pdf", "file_too_large"),
            ("empty.pdf", b"", "application/pdf", "empty_file"),
        ]
        for name, data, ctype, code in cases:
            r = upload(app_client, a["id"], name, data, ctype, headers=h)
            assert r.status_code == 422 and r.json()["error"]["code"] == code, name  # type: ignore[attr-defined]
        with db.reading() as session:
            assert (
                session.scalars(select(Attachment).where(Attachment.appeal_id == a["id"])).all()
                == []
            )

    def test_out_of_scope_staff_cannot_attach(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        assert (
            upload(
                app_client,
                a["id"],
                "a.png",
                PNG,
                "image/png",
                headers=auth(app_client, "dep30.handler"),
            ).status_code
            == 404
        )  # type: ignore[attr-defined]
