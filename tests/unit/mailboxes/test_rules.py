"""Where a mailbox's QR code points, and the closure rate."""

from __future__ import annotations

import pytest

from minyi.mailboxes.rules import closure_rate, portal_url


class TestPortalUrl:
    def test_points_at_the_form_for_the_mailbox(self) -> None:
        assert (
            portal_url("https://minyi.example.gov.cn", "mailbox_mayor")
            == "https://minyi.example.gov.cn/portal/submit?channel=mailbox_mayor"
        )

    def test_trailing_slash_and_odd_codes(self) -> None:
        assert portal_url("http://h/", "a b&c") == "http://h/portal/submit?channel=a%20b%26c"


class TestClosureRate:
    @pytest.mark.parametrize(
        ("received", "closed", "rate"),
        [(7614, 7528, 0.9887), (3, 3, 1.0), (4, 0, 0.0), (0, 0, None)],
    )
    def test_rate(self, received: int, closed: int, rate: float | None) -> None:
        assert closure_rate(received, closed) == rate
