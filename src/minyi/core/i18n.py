"""zh-CN labels for stable codes (the UI's default language); English is the code itself."""

from __future__ import annotations

STATUS_ZH = {
    "registered": "已登记",
    "accepted": "已受理",
    "declined": "不予受理",
    "dispatched": "已分拨",
    "signed_for": "已签收",
    "in_progress": "办理中",
    "replied": "已答复",
    "rated": "已评价",
    "archived": "已归档",
}
ACTION_ZH = {
    "register": "登记",
    "accept": "受理",
    "decline": "不予受理",
    "dispatch": "分拨",
    "sign_for": "签收",
    "record_contact": "联系群众",
    "record_visit": "走访",
    "reply": "答复",
    "feedback": "群众评价",
    "reopen": "重办",
    "archive": "归档",
    "bounce": "申请退回",
    "approve_bounce": "同意退回",
    "refuse_bounce": "驳回退回",
    "breach": "超期",
    "mark_key": "列为重点件",
    "hide_identity": "回避被投诉单位",
    "lift_identity_hiding": "撤销回避",
    "clock_warning": "时限预警",
    "clock_breach": "超时",
    "clock_pause": "暂停计时",
    "clock_resume": "恢复计时",
    "clock_extend": "延期",
    "clock_policy": "调整时限标准",
    "instruct": "领导批示",
    "instruction_done": "批示办结",
    "instruction_overdue": "批示超期",
    "supervise": "督办",
    "supervision_response": "督办反馈",
    "supervision_closed": "督办办结",
    "supervision_overdue": "督办超期",
    "letter": "发函",
    "escalate": "提级",
    "escalation_assign": "提级转主办单位",
    "holding_take": "包案",
    "holding_plan": "一案一策",
    "holding_visit": "接访/家访",
    "holding_release": "申请销案",
    "holding_approve": "同意销案",
    "holding_refuse": "退回销案申请",
    "whistle": "吹哨",
    "whistle_report_in": "报到",
    "whistle_act": "部门处置",
    "whistle_confirm": "吹哨确认",
    "whistle_overdue": "报到超时",
}
RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def label(table: dict[str, str], code: str | None) -> str:
    return table.get(code or "", code or "")
