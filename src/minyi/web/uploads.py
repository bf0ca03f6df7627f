"""Attachments from the web forms, checked before anything is registered, with the same rules
as intake/attachments.py (size, allowed type, the file's first bytes)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile

from minyi.core.errors import Invalid
from minyi.core.settings import Settings
from minyi.intake.attachments import MAGIC

MAX_FILES = 5
# What a person calls a file type (a MIME type is a code, not a word for a page).
TYPE_NAMES = {
    "image/jpeg": "JPEG图片",
    "image/png": "PNG图片",
    "image/webp": "WebP图片",
    "image/gif": "GIF图片",
    "application/pdf": "PDF文件",
}


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def read_uploads(files: list[UploadFile], settings: Settings) -> list[Upload]:
    """Blocking file reads (a large upload is spooled to disk): call it from a plain `def` route
    or through the threadpool."""
    chosen = [f for f in files if f.filename]
    if len(chosen) > MAX_FILES:
        raise Invalid("too_many_files", f"最多上传{MAX_FILES}个附件", field="files")
    out = []
    for f in chosen:
        data = f.file.read(settings.limits.attachment_max_bytes + 1)
        content_type = (f.content_type or "").split(";")[0].strip()
        if len(data) > settings.limits.attachment_max_bytes:
            raise Invalid(
                "file_too_large",
                f"附件“{f.filename}”超过{settings.limits.attachment_max_bytes // (1024 * 1024)}MB",
                field="files",
            )
        if not data:
            raise Invalid("empty_file", f"附件“{f.filename}”是空文件", field="files")
        if content_type not in settings.limits.attachment_types:
            raise Invalid(
                "file_type_not_allowed",
                f"附件“{f.filename}”的文件类型不受理，请上传图片或PDF文件",
                field="files",
            )
        if content_type in MAGIC and not data.startswith(MAGIC[content_type]):
            raise Invalid(
                "file_type_mismatch",
                f"附件“{f.filename}”不是有效的{TYPE_NAMES.get(content_type, '文件')}",
                field="files",
            )
        out.append(Upload(f.filename or "file", content_type, data))
    return out
