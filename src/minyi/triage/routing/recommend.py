"""The recommendation: the lead unit and co-units of an appeal from the duty map and the history,
with the units it complains about excluded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from minyi.core.errors import Invalid
from minyi.triage.accused.detector import AccusedDetector, AccusedFinding, AccusedSpan
from minyi.triage.accused.store import detector_for, load_detector
from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.store import gazetteer_for, load_gazetteer
from minyi.triage.places.values import Place, PlaceLike
from minyi.triage.routing.duty import DUTY_MAPS, OWN, DutyMap, load_duty
from minyi.triage.routing.history import HISTORIES, DispatchHistory

HANDLING_KINDS = frozenset({"department", "street", "community", "grid"})
# Who handles a complaint against the unit that would own it: the discipline commission for
# corruption and abuse of power, the petitions bureau for the rest; the centre as last resort.
SUPERVISORS: Mapping[str, tuple[str, ...]] = {
    "corruption": ("DEP40", "DEP_XFJ", "DISPATCH"),
    "abuse": ("DEP40", "DEP_XFJ", "DISPATCH"),
    "default": ("DEP_XFJ", "DEP40", "DISPATCH"),
}
# Scoring. A duty-map unit alone scores DUTY_PRIOR; history adds by noisy-or, so about five
# consistent contrary dispatches (same leaf and street) outweigh the duty map.
DUTY_PRIOR = 0.6
CO_UNIT_MIN = 0.25
CO_UNITS_MAX = 3
# When the accused unit was the best choice, another candidate leads only if it is this sure.
STRONG_ALTERNATIVE = 0.5


@dataclass(frozen=True, slots=True)
class TriageSnapshot:
    """Everything a recommendation reads, so many appeals can be routed without a session."""

    gazetteer: Gazetteer
    detector: AccusedDetector
    duty: DutyMap
    history: DispatchHistory
    supervisors: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SUPERVISORS)


def snapshot_for(session: Session, *, fresh_history: bool = False) -> TriageSnapshot:
    """The cached snapshot of the session's database (cheap: each part checks its version
    every few seconds; history refreshes every HISTORY_REFRESH_SECONDS)."""
    return TriageSnapshot(
        gazetteer_for(session),
        detector_for(session),
        DUTY_MAPS.of(session).get(session),
        HISTORIES.of(session).get(session, refresh=fresh_history),
    )


def load_snapshot(session: Session) -> TriageSnapshot:
    """A snapshot built from scratch, history included (scans the dispatch events once)."""
    history = DispatchHistory()
    history.refresh(session)
    return TriageSnapshot(
        load_gazetteer(session), load_detector(session), load_duty(session), history
    )


@dataclass(frozen=True, slots=True)
class UnitChoice:
    code: str
    name: str
    score: float
    reasons: tuple[str, ...]  # duty_map | history | supervisor_fallback


@dataclass(frozen=True, slots=True)
class Exclusion:
    code: str
    name: str
    reason: str  # accused | accused_staff (the unit of a named staff member)
    was_candidate: bool
    evidence: tuple[AccusedSpan, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    lead: UnitChoice | None
    co_units: tuple[UnitChoice, ...]
    excluded: tuple[Exclusion, ...]
    place: Place
    accused: AccusedFinding
    # Units (codes) and staff (usernames) that must not see who the citizen is.
    hide_identity_from: tuple[str, ...]
    hide_identity_from_staff: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        def choice(c: UnitChoice) -> dict[str, Any]:
            return {"unit": c.code, "name": c.name, "score": c.score, "reasons": list(c.reasons)}

        return {
            "lead": choice(self.lead) if self.lead else None,
            "co_units": [choice(c) for c in self.co_units],
            "excluded": [
                {
                    "unit": e.code,
                    "name": e.name,
                    "reason": e.reason,
                    "was_candidate": e.was_candidate,
                    "evidence": [
                        {"text": s.text, "start": s.start, "end": s.end, "cue": s.cue}
                        for s in e.evidence
                    ],
                }
                for e in self.excluded
            ],
            "place": {
                "street": self.place.street,
                "community": self.place.community,
                "grid": self.place.grid,
            },
            "hide_identity_from": list(self.hide_identity_from),
            "hide_identity_from_staff": list(self.hide_identity_from_staff),
        }


def recommend_units(
    source: Session | TriageSnapshot,
    *,
    leaf_code: str | None = None,
    class_name: str | None = None,
    place: PlaceLike | None = None,
    text: str | None = None,
    address: str | None = None,
) -> Recommendation:
    """Lead and co-units for an appeal of this leaf (or only class) at this place.

    Without `place`, the best reading of `address` and `text` is used. `text` is also read for
    complaint targets, which are excluded and listed in `excluded` and `hide_identity_from`.
    Raises Invalid for an unknown leaf code.
    """
    snap = source if isinstance(source, TriageSnapshot) else snapshot_for(source)
    leaf = None
    if leaf_code:
        leaf = snap.duty.leaves.get(leaf_code)
        if leaf is None:
            raise Invalid(
                "unknown_category", f"no event-dictionary leaf '{leaf_code}'", field="category"
            )
        class_name = leaf.class_name
    if place is None and (text or address):
        readings = snap.gazetteer.find_place(text, address, limit=1)
        place = readings[0] if readings else None
    area = complete_place(snap.gazetteer, place)
    finding = snap.detector.find(text, area)
    units = snap.gazetteer.by_code

    lead_support, co_support, _ = snap.history.support(
        leaf=leaf_code, class_name=class_name, street=area.street
    )
    duty_token = snap.duty.token(leaf) if leaf else None
    scores: dict[str, tuple[float, tuple[str, ...]]] = {}
    for token in {*lead_support, *([duty_token] if duty_token else [])}:
        code = _resolve(token, area)
        if code is None or code not in units or units[code].kind not in HANDLING_KINDS:
            continue
        is_duty = token == duty_token
        history = lead_support.get(token, 0.0)
        score = 1 - (1 - DUTY_PRIOR * is_duty) * (1 - history)
        reasons = (*(("duty_map",) if is_duty else ()), *(("history",) if history else ()))
        if score > scores.get(code, (0.0, ()))[0]:
            scores[code] = (score, reasons)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[0]))

    accused = set(finding.unit_codes)
    lead: UnitChoice | None = None
    for code, (score, reasons) in ranked:
        if code not in accused:
            lead = UnitChoice(code, units[code].name, round(score, 3), reasons)
            break
    best_was_accused = bool(ranked) and ranked[0][0] in accused
    if accused and (lead is None or (best_was_accused and lead.score < STRONG_ALTERNATIVE)):
        fallback = _supervisor(snap, finding, accused)
        if fallback is not None:
            score = ranked[0][1][0] if ranked else DUTY_PRIOR
            lead = UnitChoice(
                fallback, units[fallback].name, round(score, 3), ("supervisor_fallback",)
            )

    co: list[UnitChoice] = []
    taken = {lead.code} if lead else set()
    for token, support in sorted(co_support.items(), key=lambda kv: (-kv[1], kv[0])):
        code = _resolve(token, area)
        if (
            support < CO_UNIT_MIN
            or code is None
            or code in taken
            or code in accused
            or code not in units
            or units[code].kind not in HANDLING_KINDS
        ):
            continue
        co.append(UnitChoice(code, units[code].name, round(support, 3), ("history",)))
        taken.add(code)
        if len(co) == CO_UNITS_MAX:
            break

    directly = {
        code for span in finding.evidence for code in span.unit_codes if not span.staff_usernames
    }
    excluded = tuple(
        Exclusion(
            code,
            units[code].name if code in units else code,
            "accused" if code in directly else "accused_staff",
            code in scores or (duty_token is not None and _resolve(duty_token, area) == code),
            tuple(s for s in finding.evidence if code in s.unit_codes),
        )
        for code in finding.unit_codes
    )
    return Recommendation(
        lead,
        tuple(co),
        excluded,
        area,
        finding,
        finding.hide_identity_from,
        finding.staff_usernames,
    )


def complete_place(gazetteer: Gazetteer, place: PlaceLike | None) -> Place:
    """The whole area chain of the most specific unit given (a grid gives community, street)."""
    if place is None:
        return Place()
    for code in (place.grid, place.community, place.street):
        if code:
            found = gazetteer.area_of(code)
            if found.street:
                return found
    return Place(place.street, place.community, place.grid)


def _resolve(token: str, area: Place) -> str | None:
    if token == OWN["street"]:
        return area.street
    if token == OWN["community"]:
        # 属地: with no community known, its street answers for it.
        return area.community or area.street
    if token == OWN["grid"]:
        return area.grid
    return token


def _supervisor(
    snap: TriageSnapshot, finding: AccusedFinding, accused: Iterable[str]
) -> str | None:
    kind = (
        "corruption"
        if "corruption" in finding.conduct
        else "abuse"
        if "abuse" in finding.conduct
        else "default"
    )
    excluded = set(accused)
    for code in snap.supervisors.get(kind, ()):
        if code not in excluded and code in snap.gazetteer.by_code:
            return code
    return None
