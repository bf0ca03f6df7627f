"""What every command shares: settings, the database, and the one-line error exit."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
import typer
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError

from minyi.core.clock import SystemClock
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.settings import Settings
from minyi.wiring import Runtime, build_runtime

F = TypeVar("F", bound=Callable[..., Any])
clock = SystemClock()


def settings() -> Settings:
    return Settings()


_runtime: list[Runtime] = []  # the process's, built by the `minyi` callback before any command


def start_runtime() -> Runtime:
    """Build the process's runtime once (the `minyi` callback does, before any command runs); one
    built before (tests run many commands in one process) closes its database."""
    for old in _runtime:
        old.close()
    _runtime[:] = [build_runtime(settings(), clock=clock)]
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
        except OperationalError as error:
            fail(
                f"database unavailable: {str(error.orig).splitlines()[0] if error.orig else error}"
            )
        except DataError as error:
            # The database refused a value given on the command line or in a file (NUL, range).
            fail(
                f"a value cannot be stored: {str(error.orig).splitlines()[0] if error.orig else error}"
            )
        except (OSError, ValueError, OverflowError) as error:
            fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
        return None

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    sys.stdout.write(
        orjson.dumps(
            data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str
        ).decode()
        + "\n"
    )
