"""The clock worker as a child process of `minyi serve`.

Why a process and not a thread of the API: the worker's jobs (triage above all: a model, a
gazetteer, a million-appeal index) are CPU-bound Python, and a thread shares the API's GIL, so
every triage batch stalled intake requests (measured with `minyi bench intake`: the worker thread
held ~60 % of the API process's GIL under load, and p99 latency doubled). In its own process the
worker runs beside the API on the other core; its niceness (10) lets the kernel favour the
requests people wait on when both want the CPU: in a burst that saturates the machine, intake
goes first and triage catches up as soon as a core is free (`minyi bench intake` prints how long
that took after its rounds). Clock firings ride in the same worker: a few seconds late at worst.

The child dies with its parent (PR_SET_PDEATHSIG on Linux), so a killed server leaves no worker
writing to the database behind it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys

NICENESS = 10  # well below the API, never starved: an idle core or a pause drains the backlog
STOP_GRACE_S = 15.0  # a job finishes its transaction; the runner joins within 10 s
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Arm the death signal (SIGTERM when the parent dies); leave at once if the parent is already
    gone. `python -m minyi` calls it before it imports the app: on a loaded machine that import
    took this niced process over a minute, and a server killed meanwhile left its worker
    importing, then wiring, then tearing all of it down, long after the server was gone. Armed
    this early, SIGTERM's default action ends it mid-import (nothing is written before the
    worker's loops start); `become_worker` blocks the signal later, for a clean stop."""
    if sys.platform.startswith("linux"):
        # The C library's symbols through the process's own handle (dlopen(NULL)): libc is
        # always loaded there. ctypes.util.find_library("c") ran ldconfig and gcc in subprocesses
        # to find its file name, a visible part of the worker's start on a busy machine.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:
        leave(0)


def leave(code: int) -> None:
    """End the process without the interpreter's teardown: with the whole app imported, freeing
    its modules took tens of seconds of CPU at niceness 10 on a loaded machine, and a worker
    whose server is gone, or that was told to stop, has nothing left to do but go. The caller has
    stopped its threads and closed its database; the output streams are flushed here."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def become_worker(*, niceness: int, parent_pid: int | None) -> None:
    """Called first thing in the child (not as a preexec_fn: forking a threaded parent and running
    Python before exec can deadlock). If the parent already died before the death signal was
    armed, the child leaves at once."""
    if niceness:
        os.nice(niceness)
    if parent_pid is not None:
        die_with_parent(parent_pid)


def start_worker_process() -> subprocess.Popen[bytes]:
    """`minyi worker` with this process's environment and working directory (the same settings)."""
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "minyi",
            "worker",
            "--nice",
            str(NICENESS),
            "--parent-pid",
            str(os.getpid()),
        ]
    )


def stop_worker_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
