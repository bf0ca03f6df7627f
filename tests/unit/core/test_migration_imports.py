"""A revision imports only schema-agnostic core helpers (src/minyi/migrations/README.md): domain
code follows the head, and an old revision must do what it did when it was written."""

from __future__ import annotations

import ast
from pathlib import Path

import minyi

VERSIONS = Path(minyi.__file__).parent / "migrations" / "versions"
ALLOWED = {"minyi.core.db", "minyi.core.partition_copy", "minyi.core.partitions"}
# Written before the rule; each is frozen when next touched, and none may be added.
GRANDFATHERED = {
    ("2026-12-05-0400_case_search.py", "minyi.cases.search"),
    ("2026-12-05-0500_keyset_indexes.py", "minyi.cases.models"),
    ("2026-12-05-0900_next_due.py", "minyi.cases.models"),
}


def _minyi_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "minyi"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "minyi":
            found.add(str(node.module))
    return found


def test_revisions_import_only_schema_agnostic_core_helpers() -> None:
    revisions = sorted(VERSIONS.glob("*.py"))
    assert len(revisions) > 30
    imports = {(p.name, m) for p in revisions for m in _minyi_imports(p)}
    assert {m for _, m in imports} & ALLOWED  # the scan sees imports at all
    assert {(name, m) for name, m in imports if m not in ALLOWED} == GRANDFATHERED
