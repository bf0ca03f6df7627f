"""What the administrator's edit forms share: a refused save shows its message on the form,
with what was typed kept, instead of the generic error page; and the one shape of their POSTs
(`admin_form`): read what the form page shows, save in one unit of work, go on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from minyi.core.errors import Conflict, Invalid, MinyiError, NotFound
from minyi.org.queries import unit_by_label
from minyi.org.rules import Actor, Role
from minyi.web.pages import STATUS, redirect, render, staff_form

ADMIN = {Role.ADMIN}


def field_of(error: MinyiError) -> str | None:
    errors = error.details.get("errors") or []
    return errors[0].get("field") if errors else None


def saved_or_shown(
    request: Request,
    template: str,
    save: Callable[[], Response],
    *,
    values: dict[str, str],
    **context: Any,
) -> Response:
    """Run `save`; on bad input or a concurrent change, the form again with the message."""
    try:
        return save()
    except (Invalid, Conflict, NotFound) as error:
        return render(
            request,
            template,
            status_code=STATUS[error.kind],
            error=error.message,
            error_field=field_of(error),
            values=values,
            **context,
        )


def typed_unit(
    labels: dict[int, str], typed: str, *, code: str, message: str, field: str
) -> int | None:
    """A unit typed by name into an admin form (the datalist's label): its id, None when left
    empty; a name not in the list is refused on that field."""
    if not typed:
        return None
    unit_id = unit_by_label(labels, typed)
    if unit_id is None:
        raise Invalid(code, message, field=field)
    return unit_id


@dataclass(frozen=True)
class Posted:
    """An administrator's posted form, for its `save`: who, what was typed, what the page shows
    (the `load`ed context), and when."""

    actor: Actor
    values: dict[str, str]
    context: dict[str, Any]
    now: datetime


def admin_form(
    request: Request,
    form: FormData,
    template: str,
    *,
    load: Callable[[Session, dict[str, str]], dict[str, Any]],
    save: Callable[[Session, Posted], str],
    roles: set[Role] = ADMIN,
    clear_refs: bool = False,
) -> Response:
    """An administrator's form POST: `load` reads (in a reading session) the template's context,
    as the GET page shows it, and may adjust the typed values; `save` writes in one unit of work
    and answers the address to go to. A refusal (bad input, someone else's edit first, a thing
    gone) shows the form again with the message and what was typed. `clear_refs`: the save
    renamed something pages show by name (units, staff, leaves), so the cached names go."""
    actor, state, values = staff_form(request, form, roles)
    with state.db.reading() as session:
        context = load(session, values)

    def run() -> Response:
        with state.db.unit_of_work() as session:
            target = save(session, Posted(actor, values, context, state.clock.now()))
        if clear_refs:
            state.refs.clear()
        return redirect(target)

    return saved_or_shown(request, template, run, values=values, **context)
