"""The typed JSON blobs of a suggestion row read back what was written, and triage's own actions
are told apart by the actor's flag, not by its username."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from minyi.org.rules import Actor, Role
from minyi.triage.rules import hold_reason, settles
from minyi.triage.schemas import SignalsBlob, SuggestionBlobs, read_blobs, read_signals

COLUMNS = {
    "top_k": [{"label": "TS-01", "confidence": 0.97, "leaf": "TS-01", "class_name": "城市管理"}],
    "place": {"street": "S01", "community": "S01C02", "grid": None},
    "place_candidates": [
        {
            "street": "S01",
            "community": "S01C02",
            "grid": None,
            "score": 0.8,
            "evidence": [{"source": "text", "text": "竹林", "start": 2, "end": 4}],
        }
    ],
    "co_units": [{"unit": "D01", "name": "城管局", "score": 0.4, "reasons": ["duty_map"]}],
    "excluded": [
        {
            "unit": "S01C02",
            "name": "竹林社区",
            "reason": "accused",
            "was_candidate": True,
            "evidence": [{"text": "竹林社区", "start": 0, "end": 4, "cue": "不作为"}],
        }
    ],
    "risk_flags": [
        {
            "category": "threats",
            "label": "威胁",
            "term": "跳楼",
            "start": 5,
            "end": 7,
            "severity": "high",
            "note": "",
        }
    ],
    "signals": {
        "repeat_of": [3, 7],
        "petition_count": 3,
        "is_first": False,
        "near_duplicates": [{"appeal_id": 7, "similarity": 0.812}],
        "crowd": {"cluster_id": 3, "size": 6, "distinct_phones": 5, "members": [3, 4, 5]},
    },
}


def actor(*, automated: bool = False, username: str = "triage") -> Actor:
    return Actor(
        staff_id=None,
        username=username,
        name="x",
        role=Role.DISPATCHER,
        unit_id=None,
        unit_code=None,
        unit_kind=None,
        unit_path=None,
        automated=automated,
    )


def test_blobs_read_back_exactly_what_was_written_extra_keys_included() -> None:
    columns = {**COLUMNS, "place": {**COLUMNS["place"], "source": "address"}}
    blobs = SuggestionBlobs.model_validate(columns)
    assert blobs.columns() == columns
    assert read_blobs(SimpleNamespace(**columns)) == columns
    assert blobs.signals.crowd is not None
    assert blobs.signals.crowd.members == [3, 4, 5]
    assert blobs.signals.near_duplicates[0].appeal_id == 7


def test_a_column_of_another_shape_is_read_as_it_is() -> None:
    odd = {**COLUMNS, "risk_flags": [{"word": "不作为"}], "signals": {}}
    assert read_blobs(SimpleNamespace(**odd)) == odd
    assert read_signals({}) is None
    assert read_signals({"crowd": "many"}) is None


def test_a_blob_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValidationError):
        SignalsBlob.model_validate({"repeat_of": ["not an id"]})


def test_only_a_persons_ordinary_dispatch_settles_a_suggestion() -> None:
    assert settles(actor(username="triage"), {"lead_unit": "D01"})  # a person named "triage"
    assert not settles(actor(automated=True, username="someone"), {"lead_unit": "D01"})
    assert not settles(actor(), {"lead_unit": "D01", "triage": "reviewed"})


def test_hold_reason_keeps_its_order_of_precedence() -> None:
    sure = {
        "has_model": True,
        "qualifies": True,
        "leaf_code": "TS-01",
        "class_name": None,
        "has_lead": True,
    }
    assert hold_reason(**sure, flags=[], crowd=False) is None
    assert (
        hold_reason(**sure, flags=[("threats", "high"), ("wage_arrears", "low")], crowd=True)
        == "risk:threats"
    )
    assert hold_reason(**sure, flags=[("wage_arrears", "medium")], crowd=True) == "crowd"
    assert hold_reason(**{**sure, "has_lead": False}, flags=[], crowd=False) == "no_unit"
    assert hold_reason(**{**sure, "has_model": False}, flags=[], crowd=False) == "no_model"
