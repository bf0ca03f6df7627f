"""The issue as a page (Jinja2, zh-CN) and as a PDF (WeasyPrint, set in the Noto CJK fonts the
machine has: fonts-noto-cjk). Both are made from the snapshot alone, so they never re-query."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from minyi.reports import charts
from minyi.reports.rules import ReportKind, correction_label, percent, report_title


def _trend(points: list[dict[str, Any]]) -> Markup:
    return Markup(  # noqa: S704 - built from numbers and escaped labels in charts.py
        charts.trend_chart([(p["day"][5:], p["count"]) for p in points], title="近30日受理量")
    )


def _bars(rows: list[dict[str, Any]], limit: int = 8) -> Markup:
    shown = [(r["name"], r["count"], r["last_week"]["before"]) for r in rows[:limit]]
    return Markup(charts.bar_chart(shown, title="当日受理量"))  # noqa: S704 - escaped in charts.py


_env = Environment(
    loader=PackageLoader("minyi.reports", "templates"),
    autoescape=select_autoescape(["j2", "html"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["pct"] = percent
_env.globals.update(trend_chart=_trend, bar_chart=_bars)


def render_html(
    snapshot: dict[str, Any],
    *,
    number: int,
    issued_at: datetime,
    tz: ZoneInfo,
    correction: dict[str, Any] | None = None,
    show_keys: bool = True,
) -> str:
    """The page. `show_keys`: print each item's key (what a leader's 批示 names) in small grey;
    off for the PDF, which leaders read rather than act on through the API (and which gets no
    phone stylesheet: WeasyPrint knows no width queries)."""
    local = issued_at.astimezone(tz)
    return _env.get_template("daily.html.j2").render(
        snap=snapshot,
        number=number,
        title=report_title(
            ReportKind(snapshot["kind"]),
            number,
            _day(snapshot),
            (correction or {}).get("ordinal", 0),
        ),
        issued_on=f"{local.year}年{local.month}月{local.day}日",
        issued_at=f"{local:%Y-%m-%d %H:%M}",
        correction=correction,
        correction_label=correction_label((correction or {}).get("ordinal", 0)),
        show_keys=show_keys,
    )


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint (and the libraries it finds and loads) costs every process a
    # third of a CPU second at start, though only a PDF needs it.
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


def _day(snapshot: dict[str, Any]) -> Any:
    return datetime.fromisoformat(snapshot["day"]).date()
