"""An outbox recipient as the administrator's outbox page shows it."""

from __future__ import annotations

import pytest

from minyi.privacy.rules import mask_email, mask_recipient


class TestMaskRecipient:
    @pytest.mark.parametrize(
        ("channel", "recipient", "shown"),
        [
            ("sms", "13912345678", "139****5678"),
            ("sms", "+86 139-1234-5678", "861******5678"),
            ("email", "zhang.san@example.com", "z***@example.com"),
            ("email", "not-an-address", "***"),
            ("webhook", "https://hooks.example.com/abc?key=secret", "hooks.example.com"),
            ("wecom", "", ""),
        ],
    )
    def test_each_channel(self, channel: str, recipient: str, shown: str) -> None:
        assert mask_recipient(channel, recipient) == shown

    def test_an_empty_email_stays_empty(self) -> None:
        assert mask_email(None) is None and mask_email("") == ""
