"""Options for the picker macro (`_macros.html` `picker`): units by name with their pinyin keys,
dictionary leaves by their path of names. A code travels only as an option's value, never as
visible text."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from minyi.core.errors import MinyiError
from minyi.org.queries import UnitChoice
from minyi.taxonomy.queries import LeafChoice
from minyi.web.i18n import Translator, refusal_text

Groups = list[tuple[str, list[dict[str, Any]]]]


def unit_groups(units: list[UnitChoice]) -> Groups:
    """Grouped by kind; the group is the kind's code, which the macro labels (`units=True`)."""
    return [
        (kind, [{"value": u.code, "label": u.name, "search": u.keys} for u in items])
        for kind, items in groupby(units, key=lambda u: u.kind)
    ]


def leaf_groups(leaves: list[LeafChoice]) -> Groups:
    """Grouped by class; each option reads as its path (市容环境 › 垃圾清运 › 垃圾清运不及时)."""
    return [
        (
            class_name,
            [
                {"value": leaf.code, "label": " › ".join(leaf.path), "search": class_name}
                for leaf in items
            ],
        )
        for class_name, items in groupby(
            sorted(leaves, key=lambda leaf: leaf.class_name), key=lambda leaf: leaf.class_name
        )
    ]


def event_unit_codes(events: list[dict[str, Any]]) -> set[str]:
    """The unit codes dispatch and redispatch events carry, to be named on the timeline."""
    codes: set[str] = set()
    for e in events:
        payload = e.get("payload") or {}
        if e.get("action") in ("dispatch", "redispatch"):
            codes.update(
                c
                for c in (payload.get("lead_unit"), payload.get("from_lead_unit"))
                if isinstance(c, str)
            )
            for key in ("co_units", "from_co_units"):
                codes.update(c for c in payload.get(key) or [] if isinstance(c, str))
    return codes


# Refusals of the dispatch and whistle forms whose domain message is English, in Chinese.
FORM_ERRORS_ZH = {
    "lead_is_co_unit": "主办单位不能同时作为协办单位",
    "duplicate_co_unit": "同一个协办单位选了两次",
    "bad_unit": "所选单位不能承办或不能被召集，请另选",
    "unknown_category": "所选事项分类不在现行事项目录中，请重新选择",
    "missing_field": "请把必填项填写完整",
    "version_conflict": "该案件刚被他人修改，请刷新页面后重试",
    "illegal_transition": "案件当前状态下不能进行此操作，请刷新页面查看",
    "invalid_form": "请检查填写的内容",
    "unknown_tracking_no": "没有找到该受理编号的案件，或案件不在您的辖区",
    "case_not_open": "该案件已办结，不能再吹哨",
    "bad_report_window": "报到时限超出允许范围，请重新填写分钟数",
    "bad_number": "请填写整数",
    "too_many_units": "一次召集的部门过多，请分次吹哨",
    "duplicate_unit": "同一个部门选了两次",
    "missing_field:units": "请至少选择一个召集部门",
    "missing_field:description": "请填写情况说明",
    "missing_field:place": "请填写案件受理编号或地点",
    "missing_field:lead_unit": "请选择主办单位",
    "missing_field:reason": "请填写理由",
}


def form_message(exc: MinyiError, t: Translator) -> str:
    """The message a refused form shows: the domain's own when it is already Chinese."""
    if t.zh and not _has_chinese(exc.message):
        fields = [e.get("field") for e in exc.details.get("errors") or []]
        keyed = [FORM_ERRORS_ZH.get(f"{exc.code}:{f}") for f in fields]
        found = next((m for m in keyed if m), None) or FORM_ERRORS_ZH.get(exc.code)
        if found:
            return found
    # The shared refusal words (i18n.refusal_text): the message's half in the page's language,
    # else its code's words, never an English sentence on a Chinese page.
    return refusal_text(t, exc.code, exc.message, 400)


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
