"""The app names its API modules in one list: a module with a router left out of it would serve
nothing, silently."""

from __future__ import annotations

import importlib
import pkgutil

import minyi.api as api_package
from minyi.app import API_MODULES


def test_every_api_module_with_a_router_is_listed_intake_first() -> None:
    routed = {
        f"minyi.api.{info.name}"
        for info in pkgutil.iter_modules(api_package.__path__)
        if hasattr(importlib.import_module(f"minyi.api.{info.name}"), "router")
    }
    assert {m.__name__ for m in API_MODULES} == routed
    assert API_MODULES[0].__name__ == "minyi.api.appeals"
