"""Connect the packages to each other at start-up: every `<package>/handlers.py` that defines
`register()` subscribes to case actions (see cases/hooks.py). Called by every entry point."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import minyi


def register_handlers() -> list[str]:
    wired = []
    for info in sorted(pkgutil.iter_modules(minyi.__path__), key=lambda i: i.name):
        name = f"minyi.{info.name}.handlers"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register()
            wired.append(name)
    return wired
