"""`python -m minyi ...` is the `minyi` command (how `minyi serve` starts its worker process)."""

from minyi.cli.main import app

app()
