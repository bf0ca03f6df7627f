"""The citizen portal: submit an appeal (or write to a leader's mailbox), get a receipt with a
tracking code shown once, track it with the last four digits of the phone or that code, rate the
reply. Same services as the API."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from minyi.cases.models import Appeal, Case
from minyi.cases.tracking import case_key, is_last4, rate_case, track_case
from minyi.core.errors import Conflict, Invalid, NotFound, TooManyAttempts
from minyi.core.ids import normalise_tracking_code, tracking_code_from
from minyi.core.throttle import citizen_secret_guard
from minyi.intake.attachments import store_attachment
from minyi.intake.models import Channel
from minyi.intake.schemas import AppealIn
from minyi.mailboxes.qr import render_qr
from minyi.mailboxes.queries import get_mailbox, mailboxes
from minyi.mailboxes.rules import addressee, qr_target
from minyi.org.models import Staff, Unit
from minyi.taxonomy.rules import FIVE_CLASSES
from minyi.web.i18n import Translator, pick_lang, refusal_text
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, state_of
from minyi.web.portal_receipt import receipt_facts
from minyi.web.security import (
    CookieFlags,
    RateLimiter,
    TooManyRequests,
    client_of,
    cookie_flags,
)
from minyi.web.uploads import Upload, read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PORTAL_CHANNEL = "miniprogram"  # 民意速办小程序/扫码: the web form is the same public door
# Each rendered form carries a one-time token that becomes the appeal's external_id, so a double
# tap (or a resend after a dropped answer) replays the first receipt instead of filing twice.
FORM_TOKEN = re.compile(r"[0-9a-f]{32}")
# The tracking code travels from the submission to its receipt page in a short-lived cookie that
# the receipt page clears as it shows it: shown once, kept out of the URL (and of access logs).
CODE_COOKIE = "minyi_receipt_code"
CODE_COOKIE_PATH = "/portal/receipt/"
CODE_COOKIE_SECONDS = 600


class PortalLimits:
    """Per client address, per app: a family may file a few appeals, a script may not file
    hundreds, nor guess tracking numbers."""

    def __init__(self) -> None:
        self.submit = RateLimiter(limit=10, seconds=600)
        self.track = RateLimiter(limit=30, seconds=600)


def limits(request: Request) -> PortalLimits:
    found: PortalLimits = request.app.state.portal_limits
    return found


def _channel(session: Session, code: str | None) -> Channel:
    if code and code != PORTAL_CHANNEL:
        return get_mailbox(session, code)
    channel = session.scalar(select(Channel).where(Channel.code == PORTAL_CHANNEL))
    if channel is None or not channel.is_active:
        raise NotFound("channel_not_found", "网上受理暂未开通")
    return channel


def _places(session: Session) -> tuple[list[Unit], dict[int, list[Unit]]]:
    units = list(
        session.scalars(
            select(Unit)
            .where(Unit.kind.in_(("street", "community")), Unit.is_active.is_(True))
            .order_by(Unit.code)
        )
    )
    streets = [u for u in units if u.kind == "street"]
    communities: dict[int, list[Unit]] = {}
    for u in units:
        if u.kind == "community" and u.parent_id is not None:
            communities.setdefault(u.parent_id, []).append(u)
    return streets, communities


def _form_page(
    request: Request,
    channel_code: str | None,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    state = state_of(request)
    with state.db.reading() as session:
        channel = _channel(session, channel_code)
        streets, communities = _places(session)
        owner = (
            session.scalar(select(Staff.title).where(Staff.id == channel.owner_staff_id))
            if channel.owner_staff_id
            else None
        )
        return render(
            request,
            "portal/submit.html",
            status_code=status_code,
            channel=channel,
            streets=streets,
            write_to=addressee(channel.name, owner),
            communities=communities,
            classes=FIVE_CLASSES,
            error=error,
            values=values or {},
            form_token=secrets.token_hex(16),
        )


# The citizen's words for what the shared intake schema says in a developer's terms.
PLAIN = {
    "phone is required unless the appeal is anonymous": (
        "请留下手机号，或选择匿名反映",
        "Give a phone number, or choose anonymous",
    ),
}


def _explain(exc: ValidationError, t: Translator) -> str:
    parts = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        field = str(error["loc"][0]) if error["loc"] else ""
        if message in PLAIN:
            parts.append(PLAIN[message][0 if t.zh else 1])
        elif field == "body":
            parts.append(t("description") + ("：请填写" if t.zh else ": required"))
        else:
            parts.append(f"{t(field)}：{message}" if field else message)
    return "；".join(parts)


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "portal/home.html")


@router.get("/portal/submit")
def submit_form(request: Request, channel: str | None = None) -> Response:
    return _form_page(request, channel)


def _prepared(
    state: Any, fields: dict[str, str], form: FormData, channel_code: str
) -> tuple[AppealIn, list[Upload]]:
    """The appeal and its files, checked before anything is registered (blocking: file reads and
    the channel's row)."""
    uploads = read_uploads(
        [f for f in form.getlist("files") if isinstance(f, UploadFile)], state.settings
    )
    hint = fields.get("class_hint") or ""
    if hint and hint not in FIVE_CLASSES:
        raise Invalid("bad_class", "诉求类别不正确", field="class_hint")
    title = fields.get("title") or None
    if hint:
        # The dictionary leaf is the dispatcher's call; the citizen's guess travels in the title.
        title = f"【{hint}】{title or fields.get('body', '')[:30]}"
    token = fields.get("form_token") or ""
    item = AppealIn(
        channel=channel_code,
        external_id=f"portal-{token}" if FORM_TOKEN.fullmatch(token) else None,
        title=title,
        body=fields.get("body", ""),
        phone=fields.get("phone") or None,
        name=fields.get("name") or None,
        anonymous=fields.get("anonymous") == "on",
        address=fields.get("address") or None,
        street=fields.get("street") or None,
        community=fields.get("community") or None,
    )
    with state.db.reading() as session:
        _channel(session, channel_code)
    return item, uploads


def _store_uploads(state: Any, case_id: int, uploads: list[Upload], secret: str) -> None:
    for upload in uploads:
        store_attachment(
            state.db,
            state.settings,
            case_id=case_id,
            filename=upload.filename,
            content_type=upload.content_type,
            data=upload.data,
            actor=None,
            phone_last4=secret,
            now=state.clock.now(),
        )


@router.post("/portal/submit")
async def submit(request: Request, form: PostedForm) -> Response:
    """`async` only to await the group-commit writer (an appeal is answered after its batch
    commits); everything that blocks runs in the threadpool: the file reads, the channel check,
    the form page shown again, the attachments' writes."""
    state = state_of(request)
    fields = fields_of(form)
    channel_code = fields.get("channel") or PORTAL_CHANNEL
    try:
        limits(request).submit.hit(client_of(request))
    except TooManyRequests as exc:
        # The form again, with everything the citizen typed (the files must be chosen again).
        page = await run_in_threadpool(
            _form_page,
            request,
            channel_code,
            429,
            Translator(pick_lang(request))("too_many"),
            fields,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    try:
        item, uploads = await run_in_threadpool(_prepared, state, fields, form, channel_code)
        receipt = await state.batcher.submit(item, None, code_seed=_code_seed(state, item))
    except ValidationError as exc:
        message = _explain(exc, Translator(pick_lang(request)))
        return await run_in_threadpool(_form_page, request, channel_code, 422, message, fields)
    except Invalid as exc:
        return await run_in_threadpool(_form_page, request, channel_code, 422, exc.message, fields)
    except Conflict:
        # The same form sent again with other words (edited after going back): a new form, with
        # a new token, keeps what was typed.
        t = Translator(pick_lang(request))
        message = (
            "这份表单已经提交过。如需反映新的诉求，请核对后再次提交"
            if t.zh
            else "This form was already sent. Check it and send it again for a new appeal"
        )
        return await run_in_threadpool(_form_page, request, channel_code, 409, message, fields)
    seed = _code_seed(state, item)
    # A double tap (the same form and words again) answers the first one's receipt, code included:
    # the code is made from the form's token, so the tap whose answer was lost loses nothing.
    code = receipt.tracking_code or (tracking_code_from(seed)[0] if seed else None)
    if uploads and receipt.created:
        # The receipt's code proves the case is this citizen's, with or without a phone.
        await run_in_threadpool(
            _store_uploads, state, receipt.id, uploads, code or (item.phone or "")[-4:]
        )
    answer = redirect(f"/portal/receipt/{receipt.tracking_no}")
    if code:
        flags: CookieFlags = {
            **cookie_flags(state.settings),
            "path": CODE_COOKIE_PATH,
            "samesite": "strict",
        }
        answer.set_cookie(
            CODE_COOKIE, f"{receipt.tracking_no}:{code}", max_age=CODE_COOKIE_SECONDS, **flags
        )
    return answer


def _code_seed(state: Any, item: AppealIn) -> bytes | None:
    """The seed of a portal appeal's tracking code: the server-keyed HMAC of the form's one-time
    token (its external id), so only this server, given that token, makes the code again."""
    if not item.external_id:
        return None
    return hmac.new(
        state.settings.secret_key.encode(),
        f"portal-receipt:{item.external_id}".encode(),
        hashlib.sha256,
    ).digest()


@router.get("/portal/receipt/{tracking_no}")
def receipt(request: Request, tracking_no: str) -> Response:
    """The receipt shows only to the browser that just submitted (it carries the code cookie for
    this number). Anyone else is sent to the tracking form, which asks for the secret under the
    shared throttle: the receipt page is no oracle for which tracking numbers exist."""
    state = state_of(request)
    carried = request.cookies.get(CODE_COOKIE, "")
    no, _, code = carried.partition(":")
    found = facts = None
    if code and no == tracking_no[:40]:
        with state.db.reading() as session:
            found = session.scalar(select(Case.tracking_no).where(Case.tracking_no == no))
            facts = receipt_facts(session, found) if found else None
    if found is None:
        return redirect(f"/portal/track?{urlencode({'no': tracking_no[:40]})}")
    page = render(
        request, "portal/receipt.html", tracking_no=found, tracking_code=code, facts=facts
    )
    page.delete_cookie(CODE_COOKIE, path=CODE_COOKIE_PATH)
    return page


@router.get("/portal/track")
def track_form(request: Request, no: str | None = None) -> Response:
    return render(request, "portal/track.html", no=no or "", result=None, error=None)


def _tracked(
    request: Request,
    no: str,
    secret: str,
    status_code: int = 200,
    error: str | None = None,
    rating: tuple[str, str | None] | None = None,
) -> Response:
    """Check the citizen's secret (last four digits or tracking code) under the shared throttle
    (counted per case and address), rate if asked, and show the case. Blocking: for plain `def`
    routes (the threadpool)."""
    state = state_of(request)
    now = state.clock.now()
    t = Translator(pick_lang(request))
    rated = None
    try:
        with citizen_secret_guard(
            state.db,
            state.settings,
            key=case_key(state.db, tracking_no=no),
            client=client_of(request),
            now=now,
        ):
            if rating is not None and error is None:
                try:
                    with state.db.unit_of_work() as session:
                        rate_case(session, no, secret, rating=rating[0], comment=rating[1], now=now)
                    rated = {"rating": rating[0], "comment": rating[1]}
                except (Conflict, Invalid) as exc:
                    status_code, error = (
                        (409 if isinstance(exc, Conflict) else 422),
                        refusal_text(t, exc.code, exc.message, 409),
                    )
            with state.db.reading() as session:
                result = track_case(session, no, secret)
                appeal = session.scalar(
                    select(Appeal)
                    .join(Case, Case.appeal_id == Appeal.id)
                    .where(Case.tracking_no == no)
                )
                body = appeal.body if appeal else ""
    except NotFound as exc:
        return render(
            request,
            "portal/track.html",
            status_code=404,
            no=no,
            result=None,
            error=refusal_text(t, exc.code, exc.message, 404),
        )
    except (TooManyRequests, TooManyAttempts) as exc:
        # Too many wrong secrets for this case or address: say so (and for how long), in the
        # reader's language; a plain burst of requests gets the general words.
        said = (
            refusal_text(t, exc.code, exc.message, 429)
            if isinstance(exc, TooManyAttempts)
            else None
        )
        return _too_many(request, no, rating, exc.retry_after, said)
    kept = rating[1] if rating and not rated else None
    return render(
        request,
        "portal/track.html",
        status_code=status_code,
        no=no,
        secret=secret,
        result=result,
        body=body,
        error=error,
        rated=rated,
        kept_comment=kept,
        kept_rating=rating[0] if rating and not rated else None,
    )


def _too_many(
    request: Request,
    no: str,
    rating: tuple[str, str | None] | None,
    retry_after: int,
    said: str | None = None,
) -> Response:
    """Slowed down: the tracking form again, with the tracking number and the comment the citizen
    wrote kept on the page."""
    t = Translator(pick_lang(request))
    page = render(
        request,
        "portal/track.html",
        status_code=429,
        no=no,
        result=None,
        error=said or t("too_many"),
        kept_comment=rating[1] if rating else None,
    )
    page.headers["Retry-After"] = str(retry_after)
    return page


def _secret_of(fields: dict[str, str]) -> str | None:
    """The one secret field (the older form's `phone_last4` too), if it can be one at all."""
    secret = (
        fields.get("secret") or fields.get("phone_last4") or fields.get("tracking_code") or ""
    )[:40]
    return secret if is_last4(secret) or normalise_tracking_code(secret) else None


@router.post("/portal/track")
def track(request: Request, form: PostedForm) -> Response:
    fields = fields_of(form)
    no, secret = fields.get("tracking_no", "")[:40], _secret_of(fields)
    try:
        limits(request).track.hit(client_of(request))
    except TooManyRequests as exc:
        return _too_many(request, no, None, exc.retry_after)
    if secret is None:
        return render(
            request,
            "portal/track.html",
            status_code=422,
            no=no,
            result=None,
            error="请填写手机号后四位数字，或回执上的查询码",
        )
    return _tracked(request, no, secret)


@router.post("/portal/track/feedback")
def feedback(request: Request, form: PostedForm) -> Response:
    fields = fields_of(form)
    no, secret = fields.get("tracking_no", "")[:40], _secret_of(fields)
    comment = fields.get("comment") or None
    rating = (fields.get("rating", ""), comment)
    try:
        limits(request).track.hit(client_of(request))
    except TooManyRequests as exc:
        return _too_many(request, no, rating, exc.retry_after)
    if secret is None:
        return render(
            request,
            "portal/track.html",
            status_code=422,
            no=no,
            result=None,
            error="请填写手机号后四位数字，或回执上的查询码",
            kept_comment=comment,
        )
    if comment and len(comment) > 2000:
        return _tracked(request, no, secret, 422, "意见最多2000字", rating=rating)
    if rating[0] not in ("satisfied", "basically_satisfied", "unsatisfied"):
        return _tracked(
            request,
            no,
            secret,
            422,
            "请选择满意、基本满意或不满意"
            if Translator(pick_lang(request)).zh
            else "Choose a rating",
            rating=rating,
        )
    return _tracked(request, no, secret, rating=rating)


@router.get("/portal/mailboxes")
def mailbox_list(request: Request) -> Response:
    state = state_of(request)
    with state.db.reading() as session:
        rows = [
            (c, s, addressee(c.name, s.title if s else None))
            for c, s in mailboxes(session, active_only=True)
        ]
        return render(request, "portal/mailboxes.html", rows=rows)


@router.get("/portal/mailboxes/{code}/qr.svg")
def mailbox_qr(request: Request, code: str) -> Response:
    state = state_of(request)
    with state.db.reading() as session:
        channel = get_mailbox(session, code)
    target = qr_target(
        state.settings.public_base_url,
        channel.code,
        production=state.settings.environment == "prod",
    )
    data, media_type = render_qr(target, "svg")
    return Response(data, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
