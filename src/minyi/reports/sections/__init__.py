"""The report's sections, in the order the page shows them.

Extension point: a section is a module here with
  KEY: str                    stable code; the template is templates/sections/<KEY>.html.j2
  TITLE: str                  its heading (zh-CN); the registry numbers it (一、二、...) by place
  build(ctx) -> dict          a read-only query over the period (ReportContext), returning
                              JSON-serialisable data; every item a leader may instruct on carries
                              {"key": ..., "label": ...} in a list under data["items"]
and an entry in SECTIONS below. The issue's snapshot stores what build() returned, so the page,
the PDF and later corrections never re-query. `hotspots` and `alerts` call `minyi.analytics`
(a lower layer); `alerts` also stores the day's new alerts, once each (see its docstring).

Order: what a leader reading at 8:00 needs first — the day's figures, what is new and rising,
the hotspots and early warnings behind it, then difficult cases, overdue work, instructions;
the grid's patrols and coverage (`grassroots`, reading minyi.grassroots, a lower layer) last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from minyi.reports.context import ReportContext
from minyi.reports.sections import (
    alerts,
    difficult,
    grassroots,
    hot,
    hotspots,
    instructions,
    mailboxes,
    notable,
    overdue,
    services,
    totals,
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[ReportContext], dict[str, Any]]

    @classmethod
    def of(cls, module: ModuleType, place: int) -> Section:
        return cls(module.KEY, f"{NUMERALS[place]}、{module.TITLE}", module.build)


NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三")
ORDER: tuple[ModuleType, ...] = (
    totals,
    hot,
    hotspots,
    alerts,
    difficult,
    overdue,
    instructions,
    mailboxes,
    services,
    notable,
    grassroots,
)
SECTIONS: tuple[Section, ...] = tuple(Section.of(m, n) for n, m in enumerate(ORDER))
