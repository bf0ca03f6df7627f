"""Triage signals: the risk lexicon (admin-edited, versioned), risk flags on a text, the reply
check before closing, and a case's repeat / duplicate / crowd links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case, visible_to
from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Actor, Role
from minyi.triage.models import AppealLink
from minyi.triage.queries import links_of, petition_count_of
from minyi.triage.replies import check_reply
from minyi.triage.risk.flags import flag_risks
from minyi.triage.risk.versions import (
    current_lexicon,
    lexicon_from_text,
    lexicon_version,
    save_lexicon,
)
from minyi.triage.schemas import (
    CaseLinksOut,
    LexiconOut,
    LexiconSavedOut,
    ReplyCheckIn,
    ReplyCheckOut,
    RiskFlagsOut,
    RiskIn,
)

router = APIRouter(prefix="/api/v1", tags=["triage"], route_class=ApiRoute)
LEXICON_MAX_CHARS = 1024 * 1024


def _staff_only(actor: Actor) -> None:
    if actor.is_citizen:
        raise Forbidden("staff_only", "only staff may use the triage tools")


@router.get(
    "/risk-lexicon",
    summary="The risk lexicon in force (or one version): YAML and a summary",
    response_model=LexiconOut,
    responses=refusals(404),
)
def get_lexicon(
    actor: CurrentActor, session: ReadSession, version: int | None = None
) -> dict[str, Any]:
    _staff_only(actor)
    number, text, row = lexicon_version(session, version)
    lexicon = lexicon_from_text(text)
    return {
        "version": number,
        "name": lexicon.name,
        "created_at": row.created_at if row else None,
        "created_by": row.created_by if row else None,
        "categories": lexicon.summary(),
        "text": text,
    }


@router.put(
    "/risk-lexicon",
    summary="Save a new version of the risk lexicon (YAML; admin)",
    response_model=LexiconSavedOut,
    responses=refusals(),
)
def put_lexicon(
    actor: CurrentActor,
    state: State,
    text: Annotated[str, Body(media_type="application/yaml")],
) -> dict[str, Any]:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may change the risk lexicon")
    if len(text) > LEXICON_MAX_CHARS:
        raise Invalid("lexicon_too_large", "a lexicon is at most 1 MB", field="body")
    with state.db.unit_of_work() as session:
        version = save_lexicon(session, text, by=actor.username, now=state.clock.now())
    lexicon = lexicon_from_text(text)
    return {"version": version, "name": lexicon.name, "categories": lexicon.summary()}


@router.post(
    "/triage/risk",
    summary="Risk flags in a text, each with its evidence span",
    response_model=RiskFlagsOut,
    responses=refusals(),
)
def post_risk(
    body: RiskIn, actor: CurrentActor, session: ReadSession, state: State
) -> dict[str, Any]:
    _staff_only(actor)
    version, lexicon = current_lexicon(session)
    on = body.on or state.clock.now().astimezone(state.tz).date()
    flags = flag_risks(body.text, lexicon, on=on)
    return {
        "lexicon_version": version,
        "flags": [f.as_dict() | {"evidence": body.text[f.start : f.end]} for f in flags],
    }


@router.post(
    "/triage/reply-check",
    summary="Check a reply before closing: relevance, answer, basis, contact",
    response_model=ReplyCheckOut,
    responses=refusals(),
)
def post_reply_check(body: ReplyCheckIn, actor: CurrentActor) -> dict[str, Any]:
    _staff_only(actor)
    return check_reply(body.appeal_text, body.reply_text).as_dict()


@router.get(
    "/appeals/{case_id}/links",
    summary="The case's repeat, near-duplicate and crowd links",
    response_model=CaseLinksOut,
    responses=refusals(404),
)
def get_links(case_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    case = get_visible_case(session, case_id, actor)
    appeal_id = case.appeal_id
    links = links_of(session, appeal_id)
    others = {link.other_id if link.appeal_id == appeal_id else link.appeal_id for link in links}
    visible = (
        {
            a: (c, t)
            for c, a, t in session.execute(
                select(Case.id, Case.appeal_id, Case.tracking_no).where(
                    Case.appeal_id.in_(others), visible_to(actor)
                )
            ).all()
        }
        if others
        else {}
    )
    items, hidden = [], 0
    for link in links:
        earlier = link.appeal_id == appeal_id
        other = link.other_id if earlier else link.appeal_id
        if other not in visible:
            hidden += 1
            continue
        other_case, tracking_no = visible[other]
        items.append(
            {
                "kind": link.kind,
                # earlier: this appeal repeats / duplicates / joins the other; later: the reverse.
                "direction": "earlier" if earlier else "later",
                "appeal_id": other,
                "case_id": other_case,
                "tracking_no": tracking_no,
                "similarity": link.similarity,
                "cluster_id": link.cluster_id,
                "created_at": link.created_at,
            }
        )
    count = petition_count_of(session, appeal_id)
    return {
        "case_id": case.id,
        "appeal_id": appeal_id,
        "petition_count": count,
        "is_first": count == 1,
        "crowds": _crowds(
            session, {link.cluster_id for link in links if link.cluster_id is not None}
        ),
        "links": items,
        "hidden": hidden,
    }


def _crowds(session: Session, cluster_ids: set[int]) -> list[dict[str, Any]]:
    """Each crowd cluster the appeal is in, with how many appeals the links hold for it."""
    out = []
    for cluster_id in sorted(cluster_ids):
        members = union(
            select(AppealLink.appeal_id.label("a")).where(AppealLink.cluster_id == cluster_id),
            select(AppealLink.other_id.label("a")).where(AppealLink.cluster_id == cluster_id),
        ).subquery()
        size = session.scalar(select(func.count()).select_from(members)) or 0
        out.append({"cluster_id": cluster_id, "appeals": int(size)})
    return out
