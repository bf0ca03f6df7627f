"""Domain errors. The domain raises them; each delivery (api, cli) renders them in one place."""

from __future__ import annotations

from typing import Any


class MinyiError(Exception):
    kind = "error"

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class NotFound(MinyiError):
    kind = "not_found"


class Forbidden(MinyiError):
    kind = "forbidden"


class Unauthorized(MinyiError):
    kind = "unauthorized"


class Conflict(MinyiError):
    kind = "conflict"


class IllegalTransition(Conflict):
    """An action that the case's state does not allow; names the actions that are allowed."""

    def __init__(
        self,
        state: str,
        action: str,
        allowed: list[str],
        *,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        # `code` and `message` word a refusal people meet in their work (e.g. 改派 after 签收).
        super().__init__(
            code or "illegal_transition",
            message or f"action '{action}' is not allowed in state '{state}'",
            state=state,
            action=action,
            allowed_actions=allowed,
        )


class Invalid(MinyiError):
    """Bad input. `errors` is a list of {field, message} so every delivery can name the field."""

    kind = "invalid"

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        errors = [{"field": field, "message": message}] if field else []
        super().__init__(code, message, errors=errors)


class TooManyAttempts(MinyiError):
    """A throttle's limit is reached; `retry_after` is whole seconds until its window ends."""

    kind = "too_many_requests"

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message, retry_after=retry_after)
        self.retry_after = retry_after
