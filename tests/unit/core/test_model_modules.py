"""Alembic and the tests see the schema through one list: a domain's models.py left out of it
would still reach the schema only by the accident of another module importing it."""

from __future__ import annotations

from pathlib import Path

import minyi
from minyi.models import MODEL_MODULES


def test_every_domain_models_file_is_listed() -> None:
    root = Path(minyi.__file__).parent
    on_disk = {
        f"minyi.{path.parent.name}.models"
        for path in root.glob("*/models.py")
        if path.parent.name != "migrations"
    }
    assert set(MODEL_MODULES) == on_disk
    assert len(MODEL_MODULES) == len(set(MODEL_MODULES))
