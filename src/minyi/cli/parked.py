"""`minyi parked`: what the worker gave up on after its last attempt (clocks, outbox messages,
webhook deliveries, triage queue entries, scheduled reports), and putting one back in its queue
once the cause is fixed."""

from __future__ import annotations

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors
from minyi.worker.parked import KINDS, parked_counts, parked_items, retry_parked

app = typer.Typer(
    help="Items the worker parked after their last failed attempt.", no_args_is_help=True
)


@app.command("list")
@one_line_errors
def list_(
    kind: str | None = typer.Option(None, help=f"only this kind: {', '.join(KINDS)}"),
    limit: int = typer.Option(100, min=1, max=10_000, help="at most this many of each kind"),
) -> None:
    """Counts per kind and the parked items: id, attempts, last error, when parked."""
    with database().reading() as session:
        echo_json(
            {
                "counts": parked_counts(session),
                "items": parked_items(session, kind=kind, limit=limit),
            }
        )


@app.command("retry")
@one_line_errors
def retry(kind: str, item_id: int) -> None:
    """Put one parked item back in its queue at once, with a fresh attempt count."""
    with database().unit_of_work() as session:
        echo_json(retry_parked(session, kind=kind, item_id=item_id, now=clock.now()))


GROUPS = [("parked", app)]
