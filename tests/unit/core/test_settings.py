"""The one Settings: each section keeps the documented MINYI_* names."""

from __future__ import annotations

import pytest

from minyi.core.settings import Settings, defaults


class TestAttachmentLimits:
    def test_the_documented_names_reach_the_limits_section(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MINYI_ATTACHMENT_MAX_BYTES", "1234")
        monkeypatch.setenv("MINYI_ATTACHMENT_TYPES", '["image/png", "application/pdf"]')
        limits = Settings(database_url="sqlite://").limits
        assert limits.attachment_max_bytes == 1234
        assert limits.attachment_types == ["image/png", "application/pdf"]

    def test_the_defaults_read_no_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MINYI_ATTACHMENT_MAX_BYTES", "1234")
        limits = defaults().limits
        assert limits.attachment_max_bytes == 20 * 1024 * 1024
        assert "image/jpeg" in limits.attachment_types
