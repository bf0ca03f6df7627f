"""`python -m minyi ...` is the `minyi` command (how `minyi serve` starts its worker process)."""

import sys

from minyi.worker.process import die_with_parent

# The worker that `minyi serve` starts dies with it from the start, the app's import included
# (worker/process.py says why); `--parent-pid N` is how serve names itself.
if "--parent-pid" in sys.argv[:-1]:
    die_with_parent(int(sys.argv[sys.argv.index("--parent-pid") + 1]))

from minyi.cli.main import app  # after the death signal is armed

app()
