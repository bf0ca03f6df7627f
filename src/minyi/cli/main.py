"""`minyi`: serve, run the worker, manage the database, the organisation, the dictionary, cases.

Each module in this folder with a Typer `app` and a `NAME` becomes a command group.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import minyi.cli as cli_package
from minyi.cli import serve
from minyi.wiring import register_handlers

app = typer.Typer(help="民意速办 Minyi: a district's citizen-appeal platform.", no_args_is_help=True)
for _info in sorted(pkgutil.iter_modules(cli_package.__path__), key=lambda i: i.name):
    _module = importlib.import_module(f"minyi.cli.{_info.name}")
    for _group in getattr(_module, "GROUPS", ()):
        app.add_typer(_group[1], name=_group[0])


@app.callback()
def _wire() -> None:
    """Every command runs with the packages wired, so a CLI action starts clocks and escalates
    exactly as the same action through the API does."""
    register_handlers()


app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
