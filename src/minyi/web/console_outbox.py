"""发送队列: SMS and email that failed or still wait, for the administrator: status, attempts,
the last error as a sentence (the raw one stays in the log and the API), the recipient masked by the privacy policy; a failed message is sent
again through the worker's own re-arming (`minyi parked retry outbox ID`)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import Response

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.core.listing import first_href, next_href
from minyi.notify.queries import failed_ids, unsent_counts, unsent_messages
from minyi.privacy.rules import mask_recipient, mask_text
from minyi.web.admin_forms import ADMIN
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of
from minyi.worker.parked import retry_parked

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE = 50
# What the senders and core/retries.py write on the row, said as a sentence in the page's
# language (catalogue keys; `{0}` takes the code the error names). The raw text is for whoever
# fixes the gateway: it stays in the worker's log, the API and `minyi parked list`, never on the page.
ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"no sender configured"), "adm_err_no_sender"),
    (re.compile(r"SMTP refused the recipient"), "adm_err_smtp_recipient"),
    (re.compile(r"SMTP (\d{3})"), "adm_err_smtp_code"),
    (re.compile(r"HTTP (\d{3})"), "adm_err_http_code"),
    (re.compile(r"(?i)timed? ?out"), "adm_err_timeout"),
    (
        re.compile(r"(?i)connection refused|ConnectionRefused|Errno 111"),
        "adm_err_refused_{channel}",
    ),
    (re.compile(r"(?i)name or service not known|getaddrinfo|Errno -2"), "adm_err_no_host"),
    (re.compile(r"sent; handlers failed"), "adm_err_handlers"),
)


def error_text(t: Translator, text: str | None, channel: str = "email") -> str:
    """A sender's error as a sentence for the page; an unknown one points to the log."""
    if not text:
        return ""
    for pattern, key in ERRORS:
        found = pattern.search(text)
        if found:
            return t(
                key.format(channel=channel if channel in ("sms", "email") else "email")
            ).format(*found.groups())
    return t("adm_err_unknown")


@router.get("/console/admin/outbox")
def outbox(
    request: Request,
    status: str | None = None,
    channel: str | None = None,
    page: int = 1,
    done: str | None = None,
    cursor: str | None = None,
) -> Response:
    staff(request, ADMIN)
    page = max(1, min(page, 1000))
    with state_of(request).db.reading() as session:
        listed = unsent_messages(
            session, status=status, channel=channel, page=page, page_size=PAGE, cursor=cursor
        )
        counts = unsent_counts(session)
    t = Translator(pick_lang(request))
    messages = [
        {
            "id": m.id,
            "channel": t(f"adm_msg_{m.channel}"),
            "status": m.status,
            "status_zh": t(f"adm_st_{m.status}"),
            "to": mask_recipient(m.channel, m.recipient),
            "subject": mask_text(m.subject or m.body[:40]),
            "attempts": m.attempts,
            "error": error_text(t, m.last_error, m.channel),
            "created_at": m.created_at,
            "next_at": m.next_attempt_at,
            "parked_at": m.parked_at,
        }
        for m in listed.rows
    ]
    kept = {"status": status, "channel": channel}
    path = "/console/admin/outbox"
    return render(
        request,
        "console/admin/outbox.html",
        messages=messages,
        counts=counts,
        total=listed.total,
        next_href=next_href(path, listed.next_cursor, **kept),
        first_href=first_href(path, cursor or page > 1, **kept),
        status=status or "",
        channel=channel or "",
        done=done,
        channels={c: t(f"adm_msg_{c}") for c in ("sms", "email")},
        statuses={s: t(f"adm_st_{s}") for s in ("failed", "pending")},
    )


@router.post("/console/admin/outbox/retry")
def retry(request: Request, form: PostedForm) -> Response:
    _, state, fields = staff_form(request, form, ADMIN)
    wanted = fields.get("id", "")
    with state.db.unit_of_work() as session:
        if wanted == "all":
            ids = failed_ids(session)
        elif wanted.isdigit():
            ids = [int(wanted)]
        else:
            raise Invalid("bad_id", "请选择要重发的消息", field="id")
        for item_id in ids:
            try:
                retry_parked(session, kind="outbox", item_id=item_id, now=state.clock.now())
            except NotFound:
                raise Conflict(
                    "not_parked", "该消息已不在失败列表中（可能刚被他人重发或已发出），请刷新"
                ) from None
    return redirect(f"/console/admin/outbox?done={len(ids)}")
