"""The shapes of triage: the JSON blobs a suggestion row stores (written and read through these
models), and the public shapes of suggestions and their review, place finding, risk flags, the
reply check and a case's repeat / duplicate / crowd links."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from minyi.core.schemas import Out
from minyi.triage.rules import Correction

log = logging.getLogger(__name__)

# --- the JSON blobs of `triage_suggestions` -------------------------------------------------------


class Blob(BaseModel):
    """The shape of one JSON value in a triage row: every key the job writes is required (no
    defaults: reading never adds a key the row does not have), and a key the model does not name
    is kept, so a row written by another version reads back whole."""

    model_config = ConfigDict(extra="allow")


class TopKBlob(Blob):
    label: str
    confidence: float
    leaf: str | None
    class_name: str | None


class PlaceBlob(Blob):
    street: str | None
    community: str | None
    grid: str | None


class PlaceEvidenceBlob(Blob):
    source: str
    text: str
    start: int
    end: int


class PlaceCandidateBlob(PlaceBlob):
    score: float
    evidence: list[PlaceEvidenceBlob]


class CoUnitBlob(Blob):
    unit: str
    name: str
    score: float
    reasons: list[str]


class AccusedEvidenceBlob(Blob):
    text: str
    start: int
    end: int
    cue: str


class ExclusionBlob(Blob):
    unit: str
    name: str
    reason: str
    was_candidate: bool
    evidence: list[AccusedEvidenceBlob]


class RiskFlagBlob(Blob):
    category: str
    label: str
    term: str
    start: int
    end: int
    severity: str
    note: str


class NearDuplicateBlob(Blob):
    appeal_id: int
    similarity: float


class CrowdBlob(Blob):
    cluster_id: int
    size: int
    distinct_phones: int
    members: list[int]


class SignalsBlob(Blob):
    """Repeats and crowds of one appeal: petition_count 1 is 初信初访, 2+ the n-th on the matter."""

    repeat_of: list[int]
    petition_count: int
    is_first: bool
    near_duplicates: list[NearDuplicateBlob]
    crowd: CrowdBlob | None


class SuggestionBlobs(BaseModel):
    """Every JSON column of a `triage_suggestions` row, typed: what the job writes."""

    top_k: list[TopKBlob]
    place: PlaceBlob
    place_candidates: list[PlaceCandidateBlob]
    co_units: list[CoUnitBlob]
    excluded: list[ExclusionBlob]
    risk_flags: list[RiskFlagBlob]
    signals: SignalsBlob

    def columns(self) -> dict[str, Any]:
        """The column values to write: lists of dicts and dicts."""
        return {name: _ADAPTERS[name].dump_python(getattr(self, name)) for name in _ADAPTERS}


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(field.annotation)  # type: ignore[arg-type]  # every blob field is annotated
    for name, field in SuggestionBlobs.model_fields.items()
}


def read_blobs(row: Any) -> dict[str, Any]:
    """The JSON columns of a suggestion row (a `TriageSuggestion`), each read through its model.
    A column of another shape (written by hand, an import, another version) is passed on as it
    is, with a warning, so a reader still sees it (masked like any other value) instead of an
    error page."""
    out: dict[str, Any] = {}
    for name, adapter in _ADAPTERS.items():
        value = getattr(row, name)
        try:
            out[name] = adapter.dump_python(adapter.validate_python(value))
        except ValidationError as error:
            log.warning(
                "suggestion %s: %s does not fit its model (%s)",
                getattr(row, "id", None),
                name,
                error.errors()[0]["msg"],
            )
            out[name] = value
    return out


def read_signals(value: Any) -> SignalsBlob | None:
    """A row's signals, or None when it has none (or a blob of another shape)."""
    if not value:
        return None
    try:
        return SignalsBlob.model_validate(value)
    except ValidationError:
        log.warning("triage signals do not fit their model: %r", value)
        return None


class LeadUnitOut(Out):
    unit: str
    name: str | None


class SuggestionOut(Out):
    case_id: int
    appeal_id: int
    created_at: datetime
    model_version: int | None
    label: str | None
    leaf: str | None
    class_name: str | None
    confidence: float | None
    threshold: float | None
    qualifies_for_auto: bool
    top_k: list[Any]
    place: dict[str, Any]
    place_candidates: list[Any]
    lead_unit: LeadUnitOut | None
    co_units: list[Any]
    excluded: list[Any]
    risk_flags: list[Any]
    signals: dict[str, Any]
    status: str
    hold_reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class CorrectionOut(Out):
    id: int
    label: str | None
    leaf: str | None
    predicted_label: str | None
    lead_unit: str | None
    co_units: list[Any]
    place: dict[str, Any]
    corrected_by: str
    corrected_at: datetime


class CorrectedSuggestionOut(SuggestionOut):
    correction: CorrectionOut


class BoardItemOut(Out):
    case_id: int
    tracking_no: str
    case_status: str
    title: str = Field(description="as the reader's privacy view shows it")
    registered_at: datetime
    label: str | None
    leaf: str | None
    class_name: str | None
    confidence: float | None
    lead_unit: str | None
    lead_unit_name: str | None
    excluded: list[str] = Field(description="units excluded as accused")
    risk: list[str] = Field(description="risk categories flagged")
    hold_reason: str | None
    status: str


class BoardOut(Out):
    total: int
    page: int
    page_size: int
    items: list[BoardItemOut]


class GazetteerEntryOut(Out):
    id: int
    name: str
    kind: str
    unit: str
    unit_name: str
    unit_kind: str
    created_at: datetime


class PlaceUnitOut(Out):
    code: str
    name: str


class PlaceEvidenceOut(Out):
    source: str
    start: int
    end: int
    text: str
    unit: str
    kind: str | None


class PlaceCandidateOut(Out):
    street: PlaceUnitOut | None
    community: PlaceUnitOut | None
    grid: PlaceUnitOut | None
    score: float
    evidence: list[PlaceEvidenceOut]


class PlaceCandidatesOut(Out):
    candidates: list[PlaceCandidateOut]


class RiskCategoryOut(Out):
    code: str
    label: str
    severity: str
    terms: int
    near_terms: int
    exclude: int
    holiday_boost: bool


class LexiconSavedOut(Out):
    version: int = Field(description="0: the lexicon shipped with the code")
    name: str
    categories: list[RiskCategoryOut]


class LexiconOut(LexiconSavedOut):
    created_at: datetime | None
    created_by: str | None
    text: str = Field(description="the lexicon as YAML")


class RiskFlagOut(Out):
    category: str
    label: str
    term: str
    start: int
    end: int
    severity: str
    note: str
    evidence: str = Field(description="the flagged span of the text")


class RiskFlagsOut(Out):
    lexicon_version: int
    flags: list[RiskFlagOut]


class ReplyCheckOut(Out):
    relevance: float
    missing_answer: bool
    missing_legal_basis: bool
    missing_contact: bool
    ok: bool
    notes: list[str]


class CaseLinkOut(Out):
    kind: str
    direction: str = Field(
        description="earlier: this appeal repeats / duplicates / joins the other; later: the reverse"
    )
    appeal_id: int
    case_id: int
    tracking_no: str
    similarity: float | None
    cluster_id: int | None
    created_at: datetime


class CrowdOut(Out):
    cluster_id: int
    appeals: int


class CaseLinksOut(Out):
    case_id: int
    appeal_id: int
    petition_count: int
    is_first: bool
    crowds: list[CrowdOut]
    links: list[CaseLinkOut]
    hidden: int = Field(description="links to cases this reader may not see")


class GazetteerEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=60, description="道路、小区、地标名称或别名")
    kind: Literal["road", "estate", "landmark", "alias"]
    unit: str = Field(
        min_length=1,
        max_length=40,
        description="unit code: the grid, community or street it lies in (an alias: any unit)",
    )


class PlaceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=20000)
    address: str | None = Field(None, max_length=300)
    limit: int = Field(5, ge=1, le=20)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_version: int | None = Field(
        None, ge=1, description="the case version you saw; 409 if it changed"
    )


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    street: str | None = Field(None, max_length=40)
    community: str | None = Field(None, max_length=40)
    grid: str | None = Field(None, max_length=40)


class CorrectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    category: str | None = Field(None, max_length=40, description="the right event-dictionary leaf")
    label: str | None = Field(
        None, max_length=60, description="the right model label, when not a leaf"
    )
    place: PlaceIn | None = None
    lead_unit: str | None = Field(None, max_length=40)
    co_units: list[str] | None = Field(None, max_length=20)
    not_accused: list[str] = Field(
        default_factory=list, max_length=20, description="units wrongly excluded as accused"
    )
    reason: str | None = Field(None, max_length=4000)
    dispatch: bool = Field(
        True, description="dispatch the case accordingly if it still awaits dispatch"
    )
    expected_version: int | None = Field(None, ge=1)

    def correction(self) -> Correction:
        """What triage.service.correct takes; a field left empty keeps that part as suggested.
        The API, the CLI's `minyi triage correct` and the case page's form make theirs here."""
        place = self.place or PlaceIn()
        return Correction(
            category=self.category or None,
            label=self.label or None,
            street=place.street or None,
            community=place.community or None,
            grid=place.grid or None,
            lead_unit=self.lead_unit or None,
            co_units=tuple(self.co_units) if self.co_units is not None else None,
            not_accused=tuple(self.not_accused),
            reason=self.reason,
            dispatch=self.dispatch,
        )


class RiskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=50_000)
    on: date | None = Field(None, description="the appeal's date, for 节前 boosts (default: today)")


class ReplyCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    appeal_text: str = Field(min_length=1, max_length=50_000)
    reply_text: str = Field(min_length=1, max_length=50_000)
