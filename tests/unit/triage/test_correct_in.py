"""The dispatcher's correction as the API, the CLI and the case page read it (triage.schemas)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from minyi.triage.rules import Correction
from minyi.triage.schemas import CorrectIn, PlaceIn


def test_an_empty_field_keeps_that_part_as_suggested() -> None:
    body = CorrectIn(
        category=" ",
        place=PlaceIn(street="", community="S01C02"),
        lead_unit="DEP01",
        not_accused=["S01"],
    )
    assert body.correction() == Correction(
        community="S01C02", lead_unit="DEP01", not_accused=("S01",)
    )


def test_no_co_units_given_differs_from_none_at_all() -> None:
    assert CorrectIn().correction().co_units is None
    assert CorrectIn(co_units=[]).correction().co_units == ()


@pytest.mark.parametrize(
    "fields",
    [{"category": "X" * 41}, {"co_units": ["DEP01"] * 21}, {"unknown": 1}],
)
def test_what_the_api_refuses_every_caller_refuses(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CorrectIn.model_validate(fields)
