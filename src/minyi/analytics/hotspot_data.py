"""Hotspots over a message file (CSV with `id, user, title, time, body, likes`, such as the
TipDM 2020 附件3), and naming the place of a cluster from its texts when no gazetteer knows it."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from minyi.analytics.hotspots import Hotspot, HotspotConfig, Message, cluster_messages
from minyi.core.errors import Invalid

SHANGHAI = ZoneInfo("Asia/Shanghai")
REQUIRED_COLUMNS = ("id", "title", "time", "body")
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y-%m-%d")
# A place name as citizens write it: a run of name characters ending in a place word (小区,
# 花园, 路, 村...). Greedy runs swallow a verb in front (投诉滨河苑), so candidates are trimmed
# to the part after the last verb-like character before being counted across the cluster.
_PLACE = re.compile(
    r"[\u4e00-\u9fa5A-Za-z0-9]{1,12}?"
    r"(?:小区|花园|家园|新城|新村|公寓|大厦|广场|商城|苑|湾|城|府|园|路|大道|街|巷|村|镇|"
    r"小学|中学|学校|学院|医院|站|线|公司|市场)"
)
# The city and district in front of a name (A市, A2区, 西地省A市) differ between writers of the
# same place, so they are dropped before names are counted.
_ADMIN_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fa5A-Za-z0-9]{1,4}?省)?(?:[A-Za-z0-9\u4e00-\u9fa5]{1,3}?市)?(?:[A-Za-z0-9\u4e00-\u9fa5]{1,3}?[区县])?"
)
_LEAD_NOISE = re.compile(
    r"^.*(?:投诉|反映|举报|关于|咨询|请问|建议|希望|要求|问问|解决|的|在|和|与)"
)


def parse_time(value: str) -> datetime:
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise ValueError(f"unreadable time '{value}'")


def load_messages(path: Path) -> list[Message]:
    """Messages from a CSV file; a missing column or an unreadable time is an `Invalid`."""
    if not path.is_file():
        raise Invalid("no_file", f"{path} is not a file", field="data")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise Invalid(
                "bad_columns", f"{path.name} lacks the columns {', '.join(missing)}", field="data"
            )
        out = []
        for line, row in enumerate(reader, start=2):
            try:
                at = parse_time(row["time"])
            except ValueError as error:
                raise Invalid(
                    "bad_time", f"{path.name} line {line}: {error}", field="data"
                ) from None
            out.append(
                Message(
                    id=row["id"].strip(),
                    title=row["title"].strip(),
                    body=row["body"] or "",
                    at=at,
                    citizen=(row.get("user") or "").strip() or None,
                    likes=int(row.get("likes") or 0),
                )
            )
    return out


def place_candidates(text: str) -> list[str]:
    found = []
    for m in _PLACE.finditer(text):
        name = _LEAD_NOISE.sub("", m.group(0))
        stripped = _ADMIN_PREFIX.sub("", name)
        name = stripped if len(stripped) >= 3 else name
        if len(name) >= 3:
            found.append(name)
    return found


def common_place(texts: Sequence[str]) -> str | None:
    """The place name most of the texts mention (at least two of them), or None."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(place_candidates(text)))
    best = [(n, name) for name, n in counts.items() if n >= min(2, len(texts))]
    if not best:
        return None
    # The most mentioned; among equals the longest (丽发新城小区 over 新城小区).
    return max(best, key=lambda b: (b[0], len(b[1])))[1]


def common_phrase(texts: Sequence[str], *, share: float = 0.6, shortest: int = 4) -> str | None:
    """The longest phrase (4-12 characters) of the first text found in at least `share` of the
    texts: the fallback name when no place word is shared (五矿万境K9县)."""
    if not texts:
        return None
    first = texts[0]
    need = max(2, math.ceil(share * len(texts)))
    for size in range(min(12, len(first)), shortest - 1, -1):
        seen = {first[i : i + size] for i in range(len(first) - size + 1)}
        hits = [p for p in seen if sum(1 for t in texts if p in t) >= need]
        if hits:
            return max(hits, key=lambda p: (sum(1 for t in texts if p in t), p))
    return None


def hotspots_from_file(
    path: Path, *, limit: int = 5, config: HotspotConfig | None = None
) -> tuple[list[Hotspot], list[Message]]:
    """The `limit` hottest problems of the file, judged as of its last message, with places
    named from the members' titles."""
    messages = load_messages(path)
    if not messages:
        raise Invalid("empty_file", f"{path.name} has no messages", field="data")
    as_of = max(m.at for m in messages)
    found = cluster_messages(messages, as_of=as_of, limit=limit, config=config)
    by_id = {m.id: m for m in messages}
    named = []
    for h in found:
        titles = [by_id[i].title for i in h.member_ids]
        place = (
            common_place(titles)
            or common_place([f"{by_id[i].title} {by_id[i].body[:80]}" for i in h.member_ids])
            or common_phrase(sorted(titles, key=len))
        )
        named.append(
            Hotspot(**{**{k: getattr(h, k) for k in Hotspot.__dataclass_fields__}, "place": place})
        )
    return named, messages
