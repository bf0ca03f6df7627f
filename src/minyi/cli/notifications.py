"""`minyi notifications`: a staff member's notices, as the console's notification centre and the
API word them (through the privacy policy, as that person may read the case), and marking read."""

from __future__ import annotations

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors
from minyi.cli.paging import cursor_option
from minyi.notifications.queries import describe, notification_page, unread_count
from minyi.notifications.rules import PAGE_SIZE
from minyi.notifications.service import mark_all_read, mark_read
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="The notification centre (通知): a staff member's notices, marked read.",
    no_args_is_help=True,
)
USER = typer.Option(..., "--user", help="login name of the staff member whose notices these are")


@app.command("list")
@one_line_errors
def list_(
    user: str = USER,
    unread: bool = typer.Option(False, "--unread", help="only notices not read yet"),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(PAGE_SIZE, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """The person's notices, newest first, with their unread count and the next page's cursor."""
    with database().reading() as session:
        actor = actor_for_username(session, user)
        _, answer = notification_page(
            session, actor, unread_only=unread, page=page, page_size=page_size, cursor=cursor
        )
    echo_json(answer)


@app.command("read")
@one_line_errors
def read(
    notification_id: int | None = typer.Argument(None, help="the notice to mark read"),
    user: str = USER,
    all_: bool = typer.Option(False, "--all", help="mark all the person's notices read"),
) -> None:
    """Mark one notice (by id) or --all of the person's notices read."""
    if (notification_id is None) == (not all_):
        fail("give a notification id or --all, not both")
    with database().unit_of_work() as session:
        actor = actor_for_username(session, user)
        if all_:
            marked = mark_all_read(session, actor=actor, now=clock.now())
            echo_json({"marked": marked, "unread": unread_count(session, actor)})
        else:
            assert notification_id is not None
            notice = mark_read(session, notification_id, actor=actor, now=clock.now())
            echo_json(describe(session, actor, [notice])[0])


GROUPS = [("notifications", app)]
