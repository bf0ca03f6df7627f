from __future__ import annotations

from pathlib import Path

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.cli.paging import cursor_option
from minyi.mailboxes.qr import render_qr
from minyi.mailboxes.queries import figures, get_mailbox, leader_inbox, mailbox_view, mailboxes
from minyi.mailboxes.rules import portal_url
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="Leader mailboxes (主官在线): QR codes, inboxes, figures.", no_args_is_help=True
)


@app.command("list")
@one_line_errors
def list_() -> None:
    """Every leader mailbox with its owner, portal address and received/closed/closure rate."""
    base = settings().public_base_url
    with database().reading() as session:
        rows = mailboxes(session)
        figs = figures(session, [c.id for c, _ in rows])
        echo_json(
            [mailbox_view(c, owner, figs[c.id], portal_url(base, c.code)) for c, owner in rows]
        )


@app.command("qr")
@one_line_errors
def qr(
    code: str = typer.Argument(..., help="the mailbox's channel code, e.g. mailbox_secretary"),
    out: Path = typer.Option(..., "--out", help="file to write; .svg or .png"),
    base_url: str | None = typer.Option(
        None, help="the portal's public address (default: MINYI_PUBLIC_BASE_URL)"
    ),
) -> None:
    """Write the mailbox's QR code, which opens the citizen form for it."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        fail("--out must end in .svg or .png")
    with database().reading() as session:
        channel = get_mailbox(session, code)
    url = portal_url(base_url or settings().public_base_url, channel.code)
    data, _ = render_qr(url, fmt)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({url})")


@app.command("inbox")
@one_line_errors
def inbox(
    actor_name: str = typer.Option(..., "--as", help="the mailbox owner"),
    mailbox: str | None = typer.Option(None, help="one of the owner's mailboxes"),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(20, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """The owner's letters, newest first, with their clocks (and `next_cursor`)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        echo_json(
            leader_inbox(
                session,
                actor,
                mailbox=mailbox,
                page=page,
                page_size=page_size,
                cursor=cursor,
                now=clock.now(),
            )
        )


GROUPS = [("mailbox", app)]
