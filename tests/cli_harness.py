"""The one way CLI tests run `minyi`: in this process, through Typer's `CliRunner`, on the app of
src/minyi/cli/main.py, as the console script would run it.

A subprocess pays five to six seconds of imports per command; in process the modules are
imported once per worker. What a fresh process would see is kept: the environment is exactly the
one given (variables the test did not pass are unset while the command runs), the working
directory is `cwd`, stdout and stderr are apart, warnings follow Python's default filters (not
pytest's "error"), and an uncaught exception ends with exit code 1 and its traceback on stderr.
The result has the fields of `subprocess.CompletedProcess` the tests read.

Tests of the process itself (the console script's start-up, `serve`, workers, a killed server)
still start the installed `minyi` as a subprocess and are marked `console_script`.
"""

from __future__ import annotations

import contextlib
import os
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from minyi.cli.main import app


@dataclass(frozen=True)
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def minyi_env(url: str | None, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment CLI tests give a command: the test's own, without any MINYI_ setting of
    the caller, with the database, a data folder under `workdir`, plain output and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    env.update(
        {"MINYI_ENVIRONMENT": "test", "MINYI_DATA_DIR": str(workdir / "data"), "NO_COLOR": "1"}
    )
    if url is not None:
        env["MINYI_DATABASE_URL"] = url
    env.update(extra)
    return env


def _python_default_warnings() -> None:
    # What a process started without -W shows: pytest's filterwarnings=error must not turn a
    # library's warning into a failed command.
    warnings.resetwarnings()
    warnings.simplefilter("default")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
) -> CliResult:
    """`minyi *args` with `env` as its whole environment (default: this process's, minus MINYI_
    settings), in `cwd`, reading `input` on stdin."""
    wanted = (
        dict(env)
        if env is not None
        else {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    )
    changes: dict[str, str | None] = {k: None for k in os.environ if k not in wanted}
    changes.update({k: v for k, v in wanted.items() if os.environ.get(k) != v})
    runner = CliRunner()
    with warnings.catch_warnings(), contextlib.chdir(cwd or Path.cwd()):
        _python_default_warnings()
        result = runner.invoke(app, list(args), input=input, env=changes, prog_name="minyi")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return CliResult(list(args), result.exit_code, result.stdout, stderr)
