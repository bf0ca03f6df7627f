"""Checks on what a citizen gives us: phone numbers and ID-card numbers. Pure code."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from minyi.core.digits import ascii_digits

CHANNEL_KINDS = (
    "hotline",
    "mailbox",
    "walk_in",
    "letter",
    "grid",
    "market",
    "reception",  # 领导接访: matters raised at a leader's reception
    "miniprogram",
    "api",
    "import",
)
# Kinds a citizen reaches without a staff account: the web/QR form and leader mailboxes.
PUBLIC_KINDS = frozenset({"miniprogram", "mailbox"})

# ASCII only: Python's \d matches any script's digits, which once let '１３８…' be stored as is.
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")
_PHONE_CHARS = re.compile(r"^[0-9+\s\-().]+$")


def normalise_phone(raw: str) -> str:
    """Mainland mobile or landline as bare ASCII digits: '+86 138-1234-5678' and
    '１３８ １２３４ ５６７８' both give '13812345678'; a landline keeps its trunk 0."""
    text = ascii_digits(raw).replace("（", "(").replace("）", ")").strip()
    if not _PHONE_CHARS.match(text):
        raise ValueError("不是有效的手机号或固定电话号码")
    if text.startswith("0086"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError("不是有效的手机号或固定电话号码") from None
    national = str(number.national_number)
    digits = national if national.startswith("1") and len(national) == 11 else "0" + national
    if number.country_code == 86 and (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        return digits
    raise ValueError("不是有效的手机号或固定电话号码")


def check_id_card(raw: str) -> str:
    """An 18-digit resident ID number (python-stdnum: length, birth date, place, and the ISO 7064
    MOD 11-2 check character), in ASCII whatever digits it was typed with."""
    number = ric.compact(ascii_digits(raw))
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValueError("身份证号码应为18位")
    try:
        return str(ric.validate(number))
    except InvalidChecksum:
        raise ValueError("身份证号码校验位不正确") from None
    except InvalidLength:
        raise ValueError("身份证号码应为18位") from None
    except ValidationError:
        raise ValueError("身份证号码中的出生日期或地区码无效") from None


def content_digest(submitter: int | None, content: Mapping[str, Any]) -> str:
    """What a replay of (channel, external_id) must match to get the first receipt: who sent it
    (the staff account, None for the public) and everything it said, in a stable order."""
    blob = json.dumps([submitter, content], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
