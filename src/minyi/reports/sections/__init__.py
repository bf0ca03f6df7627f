"""The report's sections, in the order the page shows them.

Extension point: a section is a module here with
  KEY: str                    stable code; the template is templates/sections/<KEY>.html.j2
  TITLE: str                  its heading (zh-CN)
  build(ctx) -> dict          a read-only query over the period (ReportContext), returning
                              JSON-serialisable data; every item a leader may instruct on carries
                              {"key": ..., "label": ...} in a list under data["items"]
and an entry in SECTIONS below. The issue's snapshot stores what build() returned, so the page,
the PDF and later corrections never re-query. The hotspot and early-warning sections of
`minyi.analytics` (a lower layer, so importable from here) slot in the same way, e.g.
`sections/hotspots.py` calling the analytics hotspot pass for `ctx.period`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from minyi.reports.context import ReportContext
from minyi.reports.sections import (
    difficult,
    hot,
    instructions,
    mailboxes,
    notable,
    overdue,
    totals,
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[ReportContext], dict[str, Any]]

    @classmethod
    def of(cls, module: ModuleType) -> Section:
        return cls(module.KEY, module.TITLE, module.build)


SECTIONS: tuple[Section, ...] = tuple(
    Section.of(m) for m in (totals, hot, difficult, overdue, instructions, mailboxes, notable)
)
