"""UI words in Chinese (the default) and English; case codes reuse core/i18n.py's labels."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from minyi.core.i18n import ACTION_ZH, RATING_ZH, STATUS_ZH, label
from minyi.escalation.rules import HOLDING_ZH, LEVEL_ZH
from minyi.web.i18n_admin import ADMIN_TEXT
from minyi.whistle.rules import STATUS_ZH as WHISTLE_ZH

LANG_COOKIE = "minyi_lang"
LANGS = ("zh-CN", "en")
DEFAULT_LANG = "zh-CN"

# key -> (zh-CN, en). Kept in one table so a missing English word shows as its Chinese one.
TEXT: dict[str, tuple[str, str]] = {
    "app": ("民意速办", "Minyi"),
    "portal": ("群众诉求服务", "Citizen appeals"),
    "submit": ("我要反映", "Submit an appeal"),
    "track": ("查询进度", "Track an appeal"),
    "mailboxes": ("领导信箱", "Leader mailboxes"),
    "console": ("工作台", "Staff console"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "class_hint": ("诉求类别", "Kind of appeal"),
    "title": ("标题", "Title"),
    "description": ("诉求内容", "Description"),
    "address": ("详细地址", "Address"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "phone": ("手机号", "Mobile phone"),
    "name": ("姓名（可不填）", "Name (optional)"),
    "anonymous": ("匿名反映", "Anonymous"),
    "attachments": ("附件（图片、PDF，每个不超过20MB）", "Attachments (images, PDF; 20 MB each)"),
    "send": ("提交", "Submit"),
    "choose": ("请选择", "Choose"),
    "receipt": ("提交成功", "Submitted"),
    "receipt_note": ("请记下查询编号，凭编号和手机号后四位或查询码查询办理进度。", "Keep this tracking number; with the last four digits of your phone or the tracking code it shows the progress."),
    "tracking_no": ("查询编号", "Tracking number"),
    "phone_last4": ("手机号后四位", "Last 4 digits of phone"),
    "citizen_secret": ("手机号后四位或查询码", "Last 4 digits of phone, or tracking code"),
    "tracking_code": ("查询码", "Tracking code"),
    "tracking_code_note": ("查询码只在此处显示一次，请抄写或截图保存。匿名反映没有留手机号，只能凭查询编号和查询码查询、评价和补充材料。", "This tracking code is shown here only once: write it down. Without a phone on file, the tracking number and this code are the only way to follow, rate or add to your appeal."),
    "tracking_code_gone": ("查询码已在提交时显示；如未记下，留有手机号的可凭手机号后四位查询。", "The tracking code was shown when you submitted; with a phone on file, its last four digits also work."),
    "status": ("状态", "Status"),
    "timeline": ("办理过程", "Timeline"),
    "reply": ("答复", "Reply"),
    "rate": ("评价", "Rate"),
    "comment": ("意见（可不填）", "Comment (optional)"),
    "rated": ("您的评价", "Your rating"),
    "mailbox_for": ("写信给", "Writing to"),
    "inbox": ("待办", "Inbox"),
    "intake_desk": ("受理登记", "Register"),
    "grid_report": ("网格上报", "Grid report"),
    "dispatch_board": ("分拨台", "Dispatch board"),
    "unit_queue": ("本单位", "Unit queue"),
    "area_board": ("属地", "Area board"),
    "whistles": ("吹哨", "Whistles"),
    "supervision": ("督办", "Supervision"),
    "admin": ("系统管理", "Administration"),
    "leader": ("领导驾驶舱", "Leader dashboard"),
    "clocks": ("时限", "Clocks"),
    "time_left": ("剩余", "Left"),
    "overdue_by": ("已超时", "Overdue by"),
    "actions": ("可办操作", "Actions"),
    "no_actions": ("当前没有可办操作", "Nothing to do now"),
    "contacts": ("联系与走访记录", "Contacts and visits"),
    "key_checklist": ("重点件清单", "Key-case checklist"),
    "similar": ("重复件与相似件", "Repeat and similar cases"),
    "instructions": ("领导批示", "Instructions"),
    "holding": ("包案", "Leader holding"),
    "search": ("搜索", "Search"),
    "all": ("全部", "All"),
    "none": ("暂无", "None"),
    "overdue": ("超期", "Overdue"),
    "reopened": ("重办", "Reopened"),
    "new_appeals": ("新诉求", "New appeals"),
    "to_dispatch": ("待分拨", "To dispatch"),
    "bounces": ("退回申请", "Bounce requests"),
    "blow_whistle": ("吹哨", "Blow the whistle"),
    "summon_units": ("召集部门（编码，逗号分隔）", "Departments to summon (codes, comma-separated)"),
    "report_in": ("报到", "Report in"),
    "record_action": ("记录处置", "Record action"),
    "confirm": ("确认", "Confirm"),
    "orders": ("督办单", "Supervision orders"),
    "letters": ("函件", "Letters"),
    "units": ("单位", "Units"),
    "staff": ("人员", "Staff"),
    "dictionary": ("事项目录", "Event dictionary"),
    "policies": ("时限标准", "Clock policies"),
    "channels": ("渠道", "Channels"),
    "channel": ("渠道", "Channel"),
    "import": ("导入", "Import"),
    "held_cases": ("我包的案件", "Cases I hold"),
    "area_figures": ("分片包联", "My areas"),
    "daily_report": ("今日民情日报", "Today's daily report"),
    "hotspots": ("热点与预警", "Hotspots and alerts"),
    "error": ("出错了", "Something went wrong"),
    "back": ("返回", "Back"),
    "reason": ("理由", "Reason"),
    "note": ("记录", "Note"),
    "method": ("方式", "Method"),
    "lead_unit": ("主办单位编码", "Lead unit code"),
    "co_units": ("协办单位编码（逗号分隔）", "Co-unit codes (comma-separated)"),
    "category": ("事项编码（可不填）", "Dictionary leaf (optional)"),
    "text": ("答复内容", "Reply text"),
    "rating": ("评价", "Rating"),
    "done": ("已办理", "Done"),
    "extend": ("批准延期", "Approve an extension"),
    "days": ("天数", "Days"),
    "milestone": ("节点", "Milestone"),
    "open_cases": ("在办", "Open"),
    "total": ("合计", "Total"),
    "file": ("文件", "File"),
    "language": ("English", "中文"),
    "triage": ("智能分拨建议", "Triage suggestion"),
    "tasks": ("批示督办", "Tasks and orders"),
    "task_units": ("承办单位（编码，逗号分隔）", "Units to act (codes, comma-separated)"),
    "triage_queue": ("低置信度分拨建议", "Low-confidence triage"),
    "attachment": ("上传附件", "Upload"),
    "take_case": ("包案", "Hold this case"),
    "plan": ("一案一策（可不填）", "Plan (optional)"),
    "lead": ("主办单位", "Lead unit"),
    "files": ("附件", "Attachments"),
    "place": ("地点", "Place"),
    "escalated": ("提级", "Escalated"),
    "triage_confirmed": ("已确认分拨建议", "Triage suggestion confirmed"),
    "triage_corrected": ("已更正分拨建议", "Triage suggestion corrected"),
    "instructed": ("批示已下达", "Instruction sent"),
    "acknowledged": ("预警已确认", "Alert acknowledged"),
    "pick_lead": ("主办单位（限选一个）", "Lead unit (exactly one)"),
    "pick_co": ("协办单位（可多选，可不选）", "Co-units (any number, optional)"),
    "pick_leaf": ("事项分类（按名称查找，可不改）", "Dictionary leaf (search by name; optional)"),
    "pick_departments": ("召集部门（可多选）", "Departments to summon (one or more)"),
    "redispatch_reason": ("改派原因", "Why redispatch"),
    "redispatch_hint": ("主办单位签收前可改派；签收后只能由其申请退回。", "Possible until the lead unit signs for the case; after that only the lead unit can ask to bounce it."),
    "went_to_lead": ("主办", "Lead"),
    "went_to_co": ("协办", "Co-units"),
    "went_from": ("原主办", "Lead before"),
    "went_from_co": ("原协办", "Co-units before"),
    "co_unit_names": ("协办单位", "Co-units"),
    "whistle_case": ("案件受理编号（可不填）", "Case tracking number (optional)"),
    "whistle_minutes": ("报到时限（分钟）", "Report in within (minutes)"),
    "whistle_new": ("发起吹哨", "Blow the whistle"),
    "whistle_on_case": ("关联案件", "Case"),
    "form_failed": ("未能提交", "Not submitted"),
    "whistle_description": ("情况说明", "What is happening"),
    "admin_people": ("工作人员管理", "Staff"),
    "admin_people_note": ("新增、编辑、停用工作人员，重置密码", "Add, edit and disable staff; reset passwords"),
    "admin_dictionary_note": ("按名称查找事项，修改名称、默认承办部门和时限标准", "Find a leaf by name; edit its name, default unit and clock policy"),
    "admin_escalation": ("提级包案规则", "Escalation rules"),
    "admin_calendar": ("节假日与调休", "Holidays and make-up workdays"),
    "admin_outbox": ("发送队列", "Outbox"),
    "admin_outbox_failed": ("发送失败", "failed"),
    "admin_outbox_note": ("发送失败或等待发送的短信和邮件，可重发", "SMS and email that failed or wait; retry them"),
    "admin_anonymous": ("可匿名", "Anonymous allowed"),
    "admin_inactive": ("停用", "Inactive"),
    "admin_policy_file": ("下载时限标准文件（修改后可再导入）", "Download the clock policy file (edit it and import it back)"),
}
TEXT.update(ADMIN_TEXT)
METHOD_ZH = {"phone": "电话", "wechat": "微信", "sms": "短信", "in_person": "当面"}
KIND_ZH = {"district": "区", "street": "街道", "community": "社区", "grid": "网格", "department": "部门", "site": "服务站点"}
ROLE_ZH = {
    "intake_clerk": "登记员", "dispatcher": "分拨员", "unit_handler": "承办人", "unit_head": "单位负责人",
    "street_staff": "街道工作人员", "community_staff": "社区工作人员", "grid_staff": "网格员",
    "leader": "区领导", "supervisor": "督查员", "admin": "管理员",
}
TRIAGE_STATUS_ZH = {
    "awaiting": "待人工确认", "auto_dispatched": "已自动分拨", "confirmed": "已确认",
    "corrected": "已更正", "handled": "已人工处理",
}
HOLD_REASON_ZH = {
    "no_model": "未加载分类模型", "low_confidence": "置信度低于阈值", "label_not_in_dictionary": "分类不在事项目录中",
    "no_unit": "未找到承办单位", "crowd": "涉众诉求", "auto_dispatch_off": "自动分拨已关闭",
    "risk": "风险提示", "dispatch_refused": "自动分拨被拒绝",
}
COLOUR_ZH = {"green": "正常", "yellow": "预警", "red": "超时", "paused": "暂停", "met": "已完成", "cancelled": "已取消",
             "moot": "已无需", "superseded": "已重新计时"}


def pick_lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    saved = request.cookies.get(LANG_COOKIE)
    return saved if saved in LANGS else DEFAULT_LANG


def _english(code: str | None) -> str:
    return (code or "").replace("_", " ").capitalize()


def _labeller(table: dict[str, str]) -> Callable[[Translator, str | None], str]:
    """A label method for one table of codes: Chinese from the table, else the code in words."""

    def method(self: Translator, code: str | None) -> str:
        return label(table, code) if self.zh else _english(code)

    return method


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.zh = lang == "zh-CN"

    def __call__(self, key: str) -> str:
        pair = TEXT.get(key)
        if pair is None:
            return key
        return pair[0] if self.zh else pair[1]

    status = _labeller(STATUS_ZH)
    action = _labeller(ACTION_ZH)
    rating = _labeller(RATING_ZH)
    method = _labeller(METHOD_ZH)
    colour = _labeller(COLOUR_ZH)
    kind = _labeller(KIND_ZH)
    role = _labeller(ROLE_ZH)
    whistle = _labeller(WHISTLE_ZH)
    holding = _labeller(HOLDING_ZH)
    level = _labeller(LEVEL_ZH)
    triage_status = _labeller(TRIAGE_STATUS_ZH)

    def hold_reason(self, code: str | None) -> str:
        """`risk:violence,self_harm` and `dispatch_refused: <message>` keep their detail."""
        head, sep, rest = (code or "").partition(":")
        if not self.zh or head not in HOLD_REASON_ZH:
            return code or ""
        return HOLD_REASON_ZH[head] + (f"（{rest.strip()}）" if sep else "")
