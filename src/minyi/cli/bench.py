from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: speed measured here, never in timed tests.", no_args_is_help=True)
