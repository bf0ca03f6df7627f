from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.rules import CaseStatus
from minyi.mailboxes.qr import render_qr
from minyi.mailboxes.queries import figures, get_mailbox, leader_inbox, mailbox_view, mailboxes
from minyi.mailboxes.rules import portal_url, qr_target
from minyi.mailboxes.schemas import InboxOut, MailboxOut

router = APIRouter(prefix="/api/v1/mailboxes", tags=["leader mailboxes"], route_class=ApiRoute)


@router.get(
    "",
    summary="Leaders' mailboxes (主官在线): owners and received/closed/closure-rate figures",
    response_model=list[MailboxOut],
    responses=refusals(),
)
def list_mailboxes(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    registered_from: AwareDatetime | None = None,
    registered_to: AwareDatetime | None = None,
) -> list[dict[str, Any]]:
    rows = mailboxes(session)
    figs = figures(
        session,
        [c.id for c, _ in rows],
        registered_from=registered_from,
        registered_to=registered_to,
    )
    base = state.settings.public_base_url
    return [mailbox_view(c, owner, figs[c.id], portal_url(base, c.code)) for c, owner in rows]


@router.get(
    "/inbox",
    summary="The signed-in owner's letters, newest first, with clocks and the mailbox figures",
    response_model=InboxOut,
    responses=refusals(404),
)
def inbox(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    mailbox: str | None = None,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    return leader_inbox(
        session,
        actor,
        mailbox=mailbox,
        status=status,
        page=page,
        page_size=page_size,
        cursor=cursor,
        now=state.clock.now(),
    )


def _qr(code: str, fmt: str, session: Any, state: Any) -> Response:
    channel = get_mailbox(session, code)
    target = qr_target(
        state.settings.public_base_url,
        channel.code,
        production=state.settings.environment == "prod",
    )
    data, media_type = render_qr(target, fmt)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Cache-Control": "public, max-age=3600",
            "Content-Disposition": f'inline; filename="{channel.code}.{fmt}"',
        },
    )


@router.get(
    "/{code}/qr.svg",
    summary="The mailbox's QR code as SVG (public): it opens the citizen form for this mailbox",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "the QR code"},
        **refusals(404, 409, public=True),
    },
)
def qr_svg(code: str, session: ReadSession, state: State) -> Response:
    return _qr(code, "svg", session, state)


@router.get(
    "/{code}/qr.png",
    summary="The mailbox's QR code as PNG (public)",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "the QR code"},
        **refusals(404, 409, public=True),
    },
)
def qr_png(code: str, session: ReadSession, state: State) -> Response:
    return _qr(code, "png", session, state)
