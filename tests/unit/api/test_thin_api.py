"""The API files hold routes only (issue 15): every request and response model lives in its
domain's `schemas.py` (shared shapes in `core/schemas.py`), where the CLI and the console pages
validate the same input with the same model."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from pydantic import BaseModel

import minyi.api as api_package


def test_no_api_module_defines_a_pydantic_model() -> None:
    defined = []
    for info in pkgutil.iter_modules(api_package.__path__):
        module = importlib.import_module(f"minyi.api.{info.name}")
        defined += [
            f"{module.__name__}.{name}"
            for name, value in vars(module).items()
            if inspect.isclass(value)
            and issubclass(value, BaseModel)
            and value.__module__ == module.__name__
            # Page[CaseSummary] in a route's signature is core.schemas.Page, parametrised there.
            and value.__pydantic_generic_metadata__["origin"] is None
        ]
    assert not defined, "models to move to their domain's schemas.py:\n" + "\n".join(defined)
