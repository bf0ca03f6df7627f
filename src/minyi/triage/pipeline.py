"""The whole triage of one appeal: class, place, units, complaint targets, risk flags, repeats
and crowds, and whether it may go out without a person.

Everything an appeal is triaged with (`TriageContext`) is loaded once per process and database
and reused: the classifier is cached per model version (a new `minyi triage train` or `use` is
picked up on the next batch), the gazetteer, complaint-target detector and duty map per table
version, the dispatch history every few seconds, and the repeat/crowd index is built once from
the appeals table and then grows with every appeal triaged. Getting the context costs a few
small queries per batch, never per appeal.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.core.errors import MinyiError
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.triage.cache import VersionedCache, bind_key
from minyi.triage.classifier.model import Classifier
from minyi.triage.classifier.registry import MODELS, find_model, load_model
from minyi.triage.places.values import Place
from minyi.triage.repeats.fingerprints import appeal_text
from minyi.triage.repeats.index import HistoryIndex
from minyi.triage.repeats.signals import Signals
from minyi.triage.repeats.store import catch_up
from minyi.triage.risk.flags import flag_risks
from minyi.triage.risk.lexicon import Lexicon, RiskFlag
from minyi.triage.risk.versions import current_lexicon
from minyi.triage.routing.recommend import (
    Recommendation,
    TriageSnapshot,
    recommend_units,
    snapshot_for,
)
from minyi.triage.rules import hold_reason

log = logging.getLogger(__name__)
TOP_K = 3
PLACE_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Leaves:
    """The current event dictionary: leaf code -> (entry id, class), and the class names."""

    by_code: Mapping[str, tuple[int, str]]
    by_id: Mapping[int, str]
    classes: frozenset[str]


def load_leaves(session: Session) -> Leaves:
    rows = session.execute(
        select(DictionaryEntry.id, DictionaryEntry.code, DictionaryEntry.class_name)
        .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
        .where(DictionaryVersion.is_current.is_(True))
    ).all()
    return Leaves(
        {code: (id_, cls) for id_, code, cls in rows},
        {id_: code for id_, code, _ in rows},
        frozenset(cls for _, _, cls in rows),
    )


LEAVES: Slot[VersionedCache[Leaves]] = Slot(
    "triage.leaves",
    lambda: VersionedCache(
        load_leaves,
        lambda session: session.scalar(
            select(DictionaryVersion.id).where(DictionaryVersion.is_current.is_(True))
        ),
    ),
)


class IndexHolder:
    """One repeat/crowd index per database, built from the appeals table on first use and then
    brought up to date on every `get` with the appeals registered since: those other workers
    triaged and those people dispatched before triage reached them. An appeal loaded this way
    and triaged later is still checked against the history (`add` of a held id reports its
    signals and adds nothing).

    After the process's first build the heap is frozen out of the garbage collector's sight
    (`gc.freeze`, once: objects frozen are never collected): the model, gazetteer and index
    live as long as the worker, and a full collection walking them would stall a triage."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[HistoryIndex, int | None]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session) -> HistoryIndex:
        key = bind_key(session)
        with self._lock:
            item = self._items.get(key)
            index, upto = item if item is not None else (HistoryIndex(), None)
            upto = catch_up(
                index, session, after=upto, chunk_size=SYNC_CHUNK, lookback=SYNC_LOOKBACK
            )
            if item is None:
                index.compact()
                _freeze_heap_once()
            self._items[key] = (index, upto)
            return index

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# The garbage collector is the process's, not a runtime's: its heap is frozen once.
_heap_frozen = threading.Event()


def _freeze_heap_once() -> None:
    if not _heap_frozen.is_set():
        _heap_frozen.set()
        gc.collect()
        gc.freeze()


INDEXES: Slot[IndexHolder] = Slot("triage.repeats_index", IndexHolder)
SYNC_CHUNK = 20_000
# Ids below the highest one read that are looked at again on every sync, for appeals whose
# transaction committed after a later one's (only their ids are read unless one is missing).
SYNC_LOOKBACK = 2_000


@dataclass(frozen=True, slots=True)
class TriageContext:
    snapshot: TriageSnapshot
    classifier: Classifier | None
    model_version: int | None
    lexicon_version: int
    lexicon: Lexicon
    index: HistoryIndex
    leaves: Leaves


def context_for(session: Session, data_dir: Path) -> TriageContext:
    """The cached context of the session's database (see the module's docstring)."""
    row = find_model(session)
    classifier = None
    if row is not None:
        try:
            classifier = load_model(row, data_dir, MODELS.of(session))
        except (OSError, MinyiError) as error:
            # Places, units, complaint targets and risks still matter: triage goes on, every
            # appeal waits for a person, and the log says why.
            log.error("triage model v%s cannot be loaded from %s: %s", row.version, data_dir, error)
            row = None
    lexicon_version, lexicon = current_lexicon(session)
    return TriageContext(
        snapshot=snapshot_for(session),
        classifier=classifier,
        model_version=None if row is None else row.version,
        lexicon_version=lexicon_version,
        lexicon=lexicon,
        index=INDEXES.of(session).get(session),
        leaves=LEAVES.of(session).get(session),
    )


@dataclass(frozen=True, slots=True)
class AppealFacts:
    """What triage reads of an appeal and its case (place codes as intake resolved them)."""

    appeal_id: int
    case_id: int
    title: str
    body: str
    address: str | None
    phone: str | None
    submitted_at: datetime
    street: str | None = None
    community: str | None = None
    grid: str | None = None
    community_id: int | None = None
    category_hint_id: int | None = None

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.body) if part)


@dataclass(frozen=True)
class TriageResult:
    model_version: int | None
    label: str | None
    leaf_code: str | None
    class_name: str | None
    confidence: float | None
    threshold: float | None
    top_k: list[dict[str, Any]]
    place: Place
    place_candidates: list[dict[str, Any]]
    recommendation: Recommendation
    risk_flags: list[RiskFlag]
    signals: Signals
    qualifies_for_auto: bool
    hold_reason: str | None  # why it goes to a person; None: it may go out automatically
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lead_unit(self) -> str | None:
        lead = self.recommendation.lead
        return lead.code if lead else None

    @property
    def co_units(self) -> list[str]:
        return [c.code for c in self.recommendation.co_units]

    @property
    def hide_identity_from(self) -> list[str]:
        return list(self.recommendation.hide_identity_from)


def _interpret(label: str | None, leaves: Leaves) -> tuple[str | None, str | None]:
    """(leaf code, class name) of a model label: a district model predicts leaf codes, a model
    trained on first-level labels (as the public data has) predicts class names."""
    if label is None:
        return None, None
    if label in leaves.by_code:
        return label, leaves.by_code[label][1]
    if label in leaves.classes:
        return None, label
    return None, None


def triage_appeal(
    ctx: TriageContext, appeal: AppealFacts, *, remember: bool = True
) -> TriageResult:
    """Triage one appeal. With `remember`, the appeal joins the repeat/crowd index (once)."""
    text = appeal.text
    top: list[tuple[str, float]] = ctx.classifier.predict_top(text, TOP_K) if ctx.classifier else []
    label, confidence = (top[0][0], top[0][1]) if top else (None, None)
    hint = appeal.category_hint_id
    if label is None and hint is not None and hint in ctx.leaves.by_id:
        label = ctx.leaves.by_id[hint]  # intake's own choice, no model yet
    leaf_code, class_name = _interpret(label, ctx.leaves)

    gazetteer = ctx.snapshot.gazetteer
    candidates = gazetteer.find_place(text, appeal.address, limit=PLACE_CANDIDATES)
    given = Place(appeal.street, appeal.community, appeal.grid)
    place: Place | None = (given if any((given.street, given.community, given.grid)) else None) or (
        candidates[0].place if candidates else None
    )
    recommendation = recommend_units(
        ctx.snapshot,
        leaf_code=leaf_code,
        class_name=class_name,
        place=place,
        text=text,
        address=appeal.address,
    )
    flags = flag_risks(text, ctx.lexicon, on=appeal.submitted_at)

    community_id = appeal.community_id
    area = recommendation.place
    if community_id is None and area.community in gazetteer.by_code:
        community_id = gazetteer.by_code[area.community].id
    matter = ctx.leaves.by_code[leaf_code][0] if leaf_code else appeal.category_hint_id
    history_text = appeal_text(appeal.title, appeal.body)
    if remember:
        signals = ctx.index.add(
            appeal.appeal_id,
            appeal.phone,
            history_text,
            community_id,
            appeal.submitted_at,
            matter_id=matter,
        )
    else:
        signals = ctx.index.check(
            appeal.phone,
            history_text,
            community_id,
            appeal.submitted_at,
            matter_id=matter,
            appeal_id=appeal.appeal_id,
        )

    threshold = ctx.classifier.threshold if ctx.classifier else None
    qualifies = bool(ctx.classifier and top and ctx.classifier.is_confident(top))
    return TriageResult(
        model_version=ctx.model_version,
        label=label,
        leaf_code=leaf_code,
        class_name=class_name,
        confidence=confidence,
        threshold=threshold,
        top_k=[
            {
                "label": lab,
                "confidence": round(p, 4),
                **dict(zip(("leaf", "class_name"), _interpret(lab, ctx.leaves), strict=True)),
            }
            for lab, p in top
        ],
        place=area,
        place_candidates=[
            {
                "street": c.street,
                "community": c.community,
                "grid": c.grid,
                "score": c.score,
                "evidence": [
                    {"source": e.source, "text": e.text, "start": e.start, "end": e.end}
                    for e in c.evidence
                ],
            }
            for c in candidates
        ],
        recommendation=recommendation,
        risk_flags=flags,
        signals=signals,
        qualifies_for_auto=qualifies,
        hold_reason=hold_reason(
            has_model=ctx.classifier is not None,
            qualifies=qualifies,
            leaf_code=leaf_code,
            class_name=class_name,
            has_lead=recommendation.lead is not None,
            flags=[(f.category, f.severity) for f in flags],
            crowd=signals.crowd is not None,
        ),
    )
