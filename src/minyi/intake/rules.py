"""Checks on what a citizen gives us: phone numbers and ID-card numbers. Pure code."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

CHANNEL_KINDS = ("hotline", "mailbox", "walk_in", "letter", "grid", "market", "miniprogram", "api", "import")
# Kinds a citizen reaches without a staff account: the web/QR form and leader mailboxes.
PUBLIC_KINDS = frozenset({"miniprogram", "mailbox"})

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(raw: str) -> str:
    """Mainland mobile or landline as bare digits: '+86 138-1234-5678' -> '13812345678'."""
    digits = _SEPARATORS.sub("", raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise ValueError("不是有效的手机号或固定电话号码")


def check_id_card(raw: str) -> str:
    """An 18-digit resident ID number whose last character is the ISO 7064 MOD 11-2 check."""
    number = raw.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValueError("身份证号码应为18位")
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        raise ValueError("身份证号码校验位不正确")
    return number


def content_digest(submitter: int | None, content: Mapping[str, Any]) -> str:
    """What a replay of (channel, external_id) must match to get the first receipt: who sent it
    (the staff account, None for the public) and everything it said, in a stable order."""
    blob = json.dumps([submitter, content], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
