"""Every mapped class, so Alembic and the tests see the whole schema.

Each domain package keeps its tables in `<package>/models.py`; importing them all here by that
convention means a new package's tables join the schema without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import minyi
from minyi.core.db import Base
from minyi.core.ids import Counter
from minyi.core.throttle import ThrottleCounter

MODEL_MODULES = sorted(
    f"minyi.{info.name}.models"
    for info in pkgutil.iter_modules(minyi.__path__)
    if info.ispkg and importlib.util.find_spec(f"minyi.{info.name}.models") is not None
)
for _name in MODEL_MODULES:
    importlib.import_module(_name)

__all__ = ["MODEL_MODULES", "Base", "Counter", "ThrottleCounter"]
