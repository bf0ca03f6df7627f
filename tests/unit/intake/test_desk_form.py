"""What the registration desk refuses before anything is registered."""

from __future__ import annotations

import pytest

from minyi.core.errors import Invalid
from minyi.intake.desk import check_desk_form


class TestCheckDeskForm:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            (
                {"kind": "hotline", "decision": "decline", "reason": " ", "has_scan": False},
                "reason",
            ),
            ({"kind": "letter", "decision": "accept", "reason": None, "has_scan": False}, "files"),
            (
                {"kind": "hotline", "decision": "approve", "reason": None, "has_scan": False},
                "decision",
            ),
        ],
    )
    def test_the_desk_refuses_before_registering(
        self, kwargs: dict[str, object], field: str
    ) -> None:
        with pytest.raises(Invalid) as caught:
            check_desk_form(**kwargs)  # type: ignore[arg-type]
        assert caught.value.details["errors"][0]["field"] == field

    def test_a_call_accepted_or_only_registered_passes(self) -> None:
        check_desk_form(kind="hotline", decision="accept", reason=None, has_scan=False)
        check_desk_form(kind="letter", decision="register", reason=None, has_scan=True)
