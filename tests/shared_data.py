"""Where tests find the public data sets kept beside the repository (`shared/data`, on the team's
machines /work/shared/data): the one place that knows.

MINYI_SHARED_DATA names the folder; otherwise it is the first `shared/data` above this checkout
(the main checkout and a worktree sit at different depths). MINYI_GOV_MESSAGES still names the
gov_messages folder alone. Tests that train or evaluate on these files are marked `realdata`.
"""

from __future__ import annotations

import os
from pathlib import Path


def _shared_data() -> Path:
    if named := os.environ.get("MINYI_SHARED_DATA"):
        return Path(named)
    for folder in Path(__file__).resolve().parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return Path("/work/shared/data")  # absent: the tests that need it skip and name this path


SHARED_DATA = _shared_data()
GOV_MESSAGES = Path(os.environ.get("MINYI_GOV_MESSAGES") or SHARED_DATA / "gov_messages")
TAXONOMY_CSV = GOV_MESSAGES / "taxonomy.csv"
HOTSPOT_MESSAGES_CSV = GOV_MESSAGES / "hotspot_messages.csv"
REPLIES_CSV = GOV_MESSAGES / "replies.csv"
