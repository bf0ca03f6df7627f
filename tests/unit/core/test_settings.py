"""The one Settings: each section keeps the documented MINYI_* names; read once per process for
each environment, and read again when anything it reads changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from minyi.core.settings import Settings, defaults, from_environment


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


class TestReadOncePerEnvironment:
    @pytest.fixture
    def clean(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        for key in list(os.environ):
            if key.lower().startswith("minyi_"):
                monkeypatch.delenv(key)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        monkeypatch.chdir(tmp_path)
        return tmp_path

    def test_the_same_environment_reads_once(self, clean: Path) -> None:
        assert from_environment() is from_environment()

    def test_a_changed_variable_is_read(self, clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        first = from_environment()
        monkeypatch.setenv("MINYI_TIMEZONE", "Asia/Urumqi")
        assert from_environment().timezone == "Asia/Urumqi"
        monkeypatch.delenv("MINYI_TIMEZONE")
        assert from_environment().timezone == first.timezone == "Asia/Shanghai"
        # pydantic-settings matches names without regard to case: so does the cache.
        monkeypatch.setenv("minyi_port", "9001")
        assert from_environment().port == 9001

    def test_a_section_variable_is_read(self, clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from_environment()
        monkeypatch.setenv("MINYI_TRIAGE_BATCH", "7")
        assert from_environment().triage.batch == 7

    def test_the_working_directory_and_its_env_file_are_read(
        self, clean: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert from_environment().port == 8000
        (clean / ".env").write_text("MINYI_PORT=8123\n")
        assert from_environment().port == 8123
        (clean / ".env").write_text("MINYI_PORT=8124\n")
        assert from_environment().port == 8124
        elsewhere = clean / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        assert from_environment().port == 8000
        monkeypatch.setenv("MINYI_DATA_DIR", "data")  # relative: to the working directory
        assert from_environment().data_dir == elsewhere / "data"
        monkeypatch.chdir(clean)
        assert from_environment().data_dir == clean / "data"

    def test_the_default_data_directory_follows_xdg_data_home(
        self, clean: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert from_environment().data_dir == clean / "xdg" / "minyi"
        monkeypatch.setenv("XDG_DATA_HOME", str(clean / "other"))
        assert from_environment().data_dir == clean / "other" / "minyi"

    def test_invalid_settings_are_refused_every_time(
        self, clean: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MINYI_EXTRA_HOLIDAYS", '["2026-13-01"]')
        for _ in range(2):
            with pytest.raises(ValidationError, match="extra_holidays"):
                from_environment()
