"""A list command's paging: `--cursor` takes the cursor the page before printed, and the page
prints the next one (core/listing), so page 500 reads as fast as page 1."""

from __future__ import annotations

import typer

from minyi.core.paging import Total

CURSOR_HELP = "the cursor the previous page printed (its 'next page' line)"


def cursor_option() -> str | None:
    return typer.Option(None, "--cursor", help=CURSOR_HELP)  # type: ignore[no-any-return]


def total_text(total: Total) -> str:
    """An exact total as a number (what scripts read), else "1,000+" or "about 980,000"."""
    return str(total.value) if total.exact else total.en()


def echo_next(cursor: str | None, *, err: bool = False) -> None:
    """The next page's cursor; on stderr (`err`) after a JSON answer, which stays one document."""
    if cursor:
        typer.echo(f"next page: --cursor {cursor}", err=err)
