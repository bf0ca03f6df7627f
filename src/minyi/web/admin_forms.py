"""What the administrator's edit forms share: a refused save shows its message on the form,
with what was typed kept, instead of the generic error page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.responses import Response

from minyi.core.errors import Conflict, Invalid, MinyiError, NotFound
from minyi.org.rules import Role
from minyi.web.pages import STATUS, render

ADMIN = {Role.ADMIN}


def field_of(error: MinyiError) -> str | None:
    errors = error.details.get("errors") or []
    return errors[0].get("field") if errors else None


def saved_or_shown(
    request: Request, template: str, save: Callable[[], Response], *, values: dict[str, str], **context: Any,
) -> Response:
    """Run `save`; on bad input or a concurrent change, the form again with the message."""
    try:
        return save()
    except (Invalid, Conflict, NotFound) as error:
        return render(
            request, template, status_code=STATUS[error.kind], error=error.message, error_field=field_of(error),
            values=values, **context,
        )
