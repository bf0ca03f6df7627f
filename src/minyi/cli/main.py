"""`minyi`: serve, run the worker, manage the database, the organisation, the dictionary, cases."""

from __future__ import annotations

import typer

from minyi.cli import bench, cases, db, org, serve

app = typer.Typer(help="民意速办 Minyi: a district's citizen-appeal platform.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(org.demo_app, name="demo")
app.add_typer(org.org_app, name="org")
app.add_typer(org.dictionary_app, name="dictionary")
app.add_typer(cases.app, name="appeal")
app.add_typer(bench.app, name="bench")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
