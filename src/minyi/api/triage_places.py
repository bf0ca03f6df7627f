from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.org import require_admin
from minyi.core.caches import Caches
from minyi.org.models import Unit
from minyi.triage.accused.store import DETECTORS
from minyi.triage.models import GazetteerEntry
from minyi.triage.places.entries import add_entry, list_entries, remove_entry
from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.store import GAZETTEERS, find_place, gazetteer_for
from minyi.triage.places.values import PlaceCandidate
from minyi.triage.schemas import GazetteerEntryIn, GazetteerEntryOut, PlaceCandidatesOut, PlaceQuery

router = APIRouter(prefix="/api/v1", tags=["triage"], route_class=ApiRoute)


@router.get(
    "/gazetteer",
    summary="Roads, estates, landmarks and aliases added to the gazetteer",
    response_model=list[GazetteerEntryOut],
    responses=refusals(),
)
def gazetteer_entries(
    actor: CurrentActor,
    session: ReadSession,
    kind: Annotated[Literal["road", "estate", "landmark", "alias"] | None, Query()] = None,
    unit: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    return [_entry(e, u) for e, u in list_entries(session, kind=kind, unit_code=unit)]


@router.post(
    "/gazetteer",
    status_code=201,
    summary="Add a name to the gazetteer (administrators)",
    response_model=GazetteerEntryOut,
    responses=refusals(409),
)
def add_gazetteer_entry(
    item: GazetteerEntryIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    require_admin(actor)
    with state.db.unit_of_work() as session:
        entry = add_entry(
            session,
            name=item.name,
            kind=item.kind,
            unit_code=item.unit,
            actor_id=actor.staff_id,
            now=state.clock.now(),
        )
        result = _entry(entry, session.get_one(Unit, entry.unit_id))
    _names_changed(state.db.caches)
    return result


@router.delete(
    "/gazetteer/{entry_id}",
    status_code=204,
    summary="Remove a gazetteer name (administrators)",
    responses=refusals(404),
)
def delete_gazetteer_entry(entry_id: int, actor: CurrentActor, state: State) -> Response:
    require_admin(actor)
    with state.db.unit_of_work() as session:
        remove_entry(session, entry_id)
    _names_changed(state.db.caches)
    return Response(status_code=204)


@router.post(
    "/triage/place",
    summary="Street, community and grid candidates for an address and text",
    response_model=PlaceCandidatesOut,
    responses=refusals(),
)
def triage_place(item: PlaceQuery, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    gazetteer = gazetteer_for(session)
    candidates = find_place(gazetteer, item.text, item.address, limit=item.limit)
    return {"candidates": [_candidate(c, gazetteer) for c in candidates]}


def _names_changed(caches: Caches) -> None:
    # Other processes (and runtimes) see the change within the caches' version-check interval.
    GAZETTEERS.of(caches).clear()
    DETECTORS.of(caches).clear()


def _entry(entry: GazetteerEntry, unit: Unit) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "kind": entry.kind,
        "unit": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "created_at": entry.created_at.isoformat(),
    }


def _candidate(candidate: PlaceCandidate, gazetteer: Gazetteer) -> dict[str, Any]:
    def unit(code: str | None) -> dict[str, str] | None:
        return {"code": code, "name": gazetteer.name_of(code) or code} if code else None

    return {
        "street": unit(candidate.street),
        "community": unit(candidate.community),
        "grid": unit(candidate.grid),
        "score": candidate.score,
        "evidence": [
            {
                "source": e.source,
                "start": e.start,
                "end": e.end,
                "text": e.text,
                "unit": e.unit_code,
                "kind": e.name_kind,
            }
            for e in candidate.evidence
        ],
    }
