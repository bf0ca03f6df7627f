"""What every command shares: settings, the database, and the one-line error exit.

Light to import: a command's `--help` imports its module and this one, and neither the database
layer nor the domains (they take a second or more to import); the runtime that needs them is built
by the first command that asks for the database."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import typer
from pydantic import ValidationError

from minyi.core.clock import SystemClock
from minyi.core.errors import MinyiError
from minyi.core.settings import Settings, from_environment

if TYPE_CHECKING:
    from minyi.core.db import Database
    from minyi.wiring import Runtime

F = TypeVar("F", bound=Callable[..., Any])
clock = SystemClock()


def settings() -> Settings:
    """This command's settings: read from the environment once per process for each environment
    (tests run many commands in one process, each with an environment of its own)."""
    return from_environment()


_runtime: list[Runtime] = []  # the command's, built on first use (`runtime()`)


def reset_runtime() -> None:
    """Before each command (the `minyi` callback): the settings are checked, and a runtime a
    previous command built (tests run many commands in one process) closes its database, so the
    next one is built from this command's environment."""
    settings()
    for old in _runtime:
        old.close()
    _runtime.clear()


def start_runtime() -> Runtime:
    """Build the command's runtime: wired as the API's and the worker's are, so a CLI action
    starts clocks and escalates exactly as the same action through the API does."""
    # Imported here, not above: `--help` and commands that never open the database skip the
    # domains' import (about a second).
    import minyi.models  # noqa: F401 - every table, so any command's ORM work finds its foreign keys' targets
    from minyi.wiring import build_runtime

    reset_runtime()
    _runtime.append(build_runtime(settings(), clock=clock))
    return _runtime[0]


def runtime() -> Runtime:
    return _runtime[0] if _runtime else start_runtime()


def database() -> Database:
    """The runtime's database: its sessions carry the runtime's caches."""
    return runtime().db


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def one_line_errors(fn: F) -> F:
    """Bad input ends the command with one line on stderr and exit code 2; nothing is written,
    because the unit of work rolls back on the way out."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MinyiError as error:
            fail(error.message)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "input"
            fail(f"{field}: {str(first['msg']).removeprefix('Value error, ')}")
        except Exception as error:
            message = _database_error(error)
            if message is not None:
                fail(message)
            if isinstance(error, (OSError, ValueError, OverflowError)):
                fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
            raise
        return None

    return wrapper  # type: ignore[return-value]


def _database_error(error: Exception) -> str | None:
    """The one line for a database that is unreachable or refused a value, else None. Looked up
    in sys.modules: where SQLAlchemy was never imported, no error can be one of its own."""
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None:
        return None
    if isinstance(error, exc.OperationalError):
        return f"database unavailable: {_first_line(error)}"
    if isinstance(error, exc.DataError):
        # The database refused a value given on the command line or in a file (NUL, range).
        return f"a value cannot be stored: {_first_line(error)}"
    return None


def _first_line(error: Any) -> str:
    return str(error.orig).splitlines()[0] if error.orig else str(error)


def echo_json(data: Any) -> None:
    sys.stdout.write(
        orjson.dumps(
            data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str
        ).decode()
        + "\n"
    )
