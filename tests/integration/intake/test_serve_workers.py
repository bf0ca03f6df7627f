"""`minyi serve --workers N` is for PostgreSQL: on SQLite several processes would each batch
their own writes and queue on the file lock, so it is refused before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MINYI = Path(sys.executable).parent / "minyi"


@pytest.mark.console_script
def test_several_workers_on_sqlite_are_refused(tmp_path: Path) -> None:
    database = tmp_path / "serve.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    env.update(
        MINYI_DATABASE_URL=f"sqlite:///{database}",
        MINYI_DATA_DIR=str(tmp_path / "data"),
        MINYI_PORT="1",
    )
    result = subprocess.run(
        [str(MINYI), "serve", "--workers", "2"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: --workers > 1 needs PostgreSQL; SQLite is served by one process"
    ]
    assert not database.exists()
