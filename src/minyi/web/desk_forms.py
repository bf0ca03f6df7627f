"""What the desk pages (受理登记, 网格上报) share: the form token that makes a double submit file
one appeal, the places offered by name, and the form's errors in the clerk's words."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from minyi.core.errors import Forbidden, MinyiError
from minyi.intake.schemas import AppealIn
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.web.pages import redirect, state_of

T = TypeVar("T")

# Each rendered form carries a one-time token that becomes the appeal's external_id: a double
# tap, or a resend after a dropped answer, answers with the first appeal instead of filing twice
# (intake's (channel, external_id) idempotency, as on the citizen portal).
FORM_TOKEN = re.compile(r"[0-9a-f]{32}")

LABELS = {
    "title": "标题",
    "body": "诉求内容",
    "phone": "联系电话",
    "name": "姓名",
    "id_card": "身份证号",
    "address": "详细地址",
    "crowd_size": "来访人数",
    "lat": "位置",
    "lng": "位置",
    "street": "街道",
    "community": "社区",
}
PLAIN = {
    "phone is required unless the appeal is anonymous": "请填写联系电话，或选择匿名",
    "lat and lng go together": "位置信息不完整，请重新获取位置",
    "text may not contain NUL characters": "内容含有无法保存的字符",
}
# Refusals from intake whose developer wording has a clerk's one here.
CODES = {
    "unknown_place": "所选地点不存在，请重新选择",
    "place_mismatch": "所选社区不属于所选街道，请重新选择",
    "anonymous_not_allowed": "该渠道不受理匿名诉求，请填写联系电话",
    "external_id_conflict": "这份表单已经提交过。如需登记新的诉求，请核对后再次提交",
    "unknown_channel": "该登记渠道尚未开通，请联系系统管理员",
    "role_not_allowed": "您的岗位不能登记诉求",
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def new_form_token() -> str:
    return secrets.token_hex(16)


def external_id(prefix: str, token: str) -> str | None:
    return f"{prefix}-{token}" if FORM_TOKEN.fullmatch(token) else None


def places(session: Session) -> tuple[list[Unit], dict[int, list[Unit]]]:
    """Streets, and each street's communities, by name (the form sends the codes; the clerk
    never sees one)."""
    units = list(
        session.scalars(
            select(Unit)
            .where(Unit.kind.in_(("street", "community")), Unit.is_active.is_(True))
            .order_by(Unit.code)
        )
    )
    communities: dict[int, list[Unit]] = {}
    for u in units:
        if u.kind == "community" and u.parent_id is not None:
            communities.setdefault(u.parent_id, []).append(u)
    return [u for u in units if u.kind == "street"], communities


def explain_validation(exc: ValidationError) -> str:
    parts: list[str] = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        label = LABELS.get(field, "")
        message = str(error["msg"]).removeprefix("Value error, ")
        kind = error["type"]
        if message in PLAIN:
            text = PLAIN[message]
        elif kind in ("missing", "string_too_short"):
            text = f"{label}：请填写"
        elif kind == "string_too_long":
            text = f"{label}：最多{error.get('ctx', {}).get('max_length', '')}字"
        elif kind in (
            "greater_than_equal",
            "less_than_equal",
            "int_parsing",
            "float_parsing",
            "int_from_float",
        ):
            text = f"{label}：数值不正确"
        elif _CJK.search(message):
            text = f"{label}：{message}" if label else message
        else:
            text = f"{label}：填写不正确" if label else "填写的内容不正确，请核对"
        if text not in parts:
            parts.append(text)
    return "；".join(parts)


def explain_refusal(exc: MinyiError) -> str:
    if exc.code in CODES:
        return CODES[exc.code]
    return exc.message if _CJK.search(exc.message) else "登记未成功，请核对填写的内容"


def number(value: str, *, field: str, as_float: bool = False) -> Any:
    """A typed number, or None when left empty; a ValueError names the field for the form."""
    if not value:
        return None
    try:
        return float(value) if as_float else int(value)
    except ValueError:
        raise ValueError(f"{LABELS.get(field, field)}：请填写数字") from None


async def file_from_desk(
    request: Request,
    actor: Actor,
    fields: dict[str, str],
    *,
    build: Callable[[], tuple[AppealIn, T]],
    then: Callable[[Any, T], None],
    done: str,
    page: Callable[..., Response],
) -> Response:
    """A desk form's appeal filed through the group-commit writer: `build` reads the form into an
    appeal (and what `then` needs, e.g. the files), `then` finishes after the receipt (attachments,
    the clerk's decision). Success goes to `done?done=<id>`; a refusal shows `page` again with the
    message and what was typed, and the same token (so a send after a failure half-way still files
    one appeal) unless the token already belongs to other content. Everything that blocks runs in
    the threadpool."""
    state = state_of(request)
    try:
        item, extra = await run_in_threadpool(build)
        receipt = await state.batcher.submit(item, actor)
        await run_in_threadpool(then, receipt, extra)
    except ValidationError as exc:
        message, status_code = explain_validation(exc), 422
    except Forbidden:
        raise
    except MinyiError as exc:
        message, status_code = (
            explain_refusal(exc),
            409 if exc.kind == "conflict" else 404 if exc.kind == "not_found" else 422,
        )
    else:
        return redirect(f"{done}?done={receipt.id}")
    token = None if message == CODES["external_id_conflict"] else fields.get("form_token")
    return await run_in_threadpool(
        lambda: page(
            request,
            actor,
            status_code=status_code,
            error=message,
            values=fields,
            token=token if token and FORM_TOKEN.fullmatch(token) else None,
        )
    )
