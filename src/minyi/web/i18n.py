"""UI words in Chinese (the default) and English; case codes reuse core/i18n.py's labels."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from minyi.core.i18n import ACTION_ZH, RATING_ZH, STATUS_ZH, label
from minyi.escalation.rules import HOLDING_ZH, LEVEL_ZH
from minyi.supervision.rules import TASK_STATE_ZH
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
    "receipt_note": (
        "请记下查询编号，凭编号和手机号后四位或查询码查询办理进度。",
        "Keep this tracking number; with the last four digits of your phone or the tracking code it shows the progress.",
    ),
    "tracking_no": ("查询编号", "Tracking number"),
    "phone_last4": ("手机号后四位", "Last 4 digits of phone"),
    "citizen_secret": ("手机号后四位或查询码", "Last 4 digits of phone, or tracking code"),
    "tracking_code": ("查询码", "Tracking code"),
    "tracking_code_note": (
        "查询码只在此处显示一次，请抄写或截图保存；凭查询编号和查询码（或手机号后四位）可查询进度、评价和补充材料。",
        "This tracking code is shown here only once: write it down. With the tracking number and this code (or the last four digits of your phone) you can follow, rate or add to your appeal.",
    ),
    "tracking_code_gone": (
        "查询码已在提交时显示；如未记下，留有手机号的可凭手机号后四位查询。",
        "The tracking code was shown when you submitted; with a phone on file, its last four digits also work.",
    ),
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
    "summon_units": (
        "召集部门（编码，逗号分隔）",
        "Departments to summon (codes, comma-separated)",
    ),
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
    "approvals": ("延期审批", "Extension requests"),
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
    "change_password": ("修改密码", "Change password"),
    "new_password": ("新密码", "New password"),
    "new_password_again": ("再次输入新密码", "New password again"),
    "current_password": ("当前密码", "Current password"),
    "password_rules": (
        "新密码至少8位，须同时包含字母和数字。修改后所有已登录的会话都会退出，请用新密码重新登录。",
        "At least 8 characters with letters and digits. Changing it signs out every session; sign in again with the new password.",
    ),
    "enter_holidays": ("录入节假日", "Enter the holidays"),
    "ask_admin": ("请联系系统管理员录入。", "Ask an administrator to enter them."),
    "workdays": ("工作日", "working days"),
    "calendar_days": ("自然日", "calendar days"),
    "workhours": ("工作时间", "working hours"),
    "clock_left_note": (
        "剩余：距本节点办理时限还有多长时间",
        "Left: time until this step's deadline",
    ),
    "clock_overdue_note": (
        "已超时：本节点已超过办理时限多长时间",
        "Overdue by: how long this step is past its deadline",
    ),
    "not_found": ("没有找到该页面", "Page not found"),
    "not_found_note": (
        "您要找的页面不存在，或已被移除。",
        "The page you asked for does not exist or was removed.",
    ),
    "server_error": (
        "系统暂时出现问题，请稍后再试",
        "Something went wrong on our side; try again in a moment",
    ),
    "request_id": ("问题编号（反映问题时请提供）", "Reference (quote it when reporting this)"),
    "write_to": ("写信给", "Write to"),
    "expect_contact": (
        "承办单位将在{when}前与您联系",
        "The unit handling it will contact you by {when}",
    ),
    "expect_anonymous": (
        "您没有留下联系方式：承办单位将在{when}前开始办理，进展和答复请凭查询编号和查询码查看",
        "You left no contact details: the unit starts on it by {when}; follow it and read the reply with the tracking number and code",
    ),
    "expect_contact_days": (
        "承办单位将在{n}个{calendar}内与您联系",
        "The unit handling it will contact you within {n} {calendar}",
    ),
    "sms_sent": (
        "受理短信已发送至您的手机（尾号{last4}）",
        "A text message with the tracking number was sent to your phone (ending {last4})",
    ),
    "anonymous_code_note": (
        "您是匿名反映：查询码只在此处显示一次，请抄写或截图保存。查询编号和查询码是查询进度、评价和补充材料的唯一凭证。",
        "You wrote anonymously: this code is shown only once, write it down. The tracking number and this code are the only way to follow, rate or add to this appeal.",
    ),
    "rated_thanks": ("感谢您的评价！", "Thank you for your rating!"),
    "rated_reply": ("您评价的答复", "The reply you rated"),
    "your_comment": ("您的意见", "Your comment"),
    "rated_unsatisfied_note": (
        "您对答复不满意，已转回承办单位重新办理。",
        "You were not satisfied: the case went back to the unit to be handled again.",
    ),
    "too_many": (
        "操作过于频繁，请稍后再试。您填写的内容已保留。",
        "Too many requests; wait a moment and try again. What you typed is kept.",
    ),
    "pick_lead": ("主办单位（限选一个）", "Lead unit (exactly one)"),
    "pick_co": ("协办单位（可多选，可不选）", "Co-units (any number, optional)"),
    "pick_leaf": ("事项分类（按名称查找，可不改）", "Dictionary leaf (search by name; optional)"),
    "pick_departments": ("召集部门（可多选）", "Departments to summon (one or more)"),
    "redispatch_reason": ("改派原因", "Why redispatch"),
    "redispatch_hint": (
        "主办单位签收前可改派；签收后只能由其申请退回。",
        "Possible until the lead unit signs for the case; after that only the lead unit can ask to bounce it.",
    ),
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
    "admin_people_note": (
        "新增、编辑、停用工作人员，重置密码",
        "Add, edit and disable staff; reset passwords",
    ),
    "admin_dictionary_note": (
        "按名称查找事项，修改名称、默认承办部门和时限标准",
        "Find a leaf by name; edit its name, default unit and clock policy",
    ),
    "admin_escalation": ("提级包案规则", "Escalation rules"),
    "admin_calendar": ("节假日与调休", "Holidays and make-up workdays"),
    "admin_outbox": ("发送队列", "Outbox"),
    "admin_outbox_failed": ("发送失败", "failed"),
    "admin_outbox_note": (
        "发送失败或等待发送的短信和邮件，可重发",
        "SMS and email that failed or wait; retry them",
    ),
    "admin_anonymous": ("可匿名", "Anonymous allowed"),
    "admin_inactive": ("停用", "Inactive"),
    "admin_policy_file": (
        "下载时限标准文件（修改后可再导入）",
        "Download the clock policy file (edit it and import it back)",
    ),
}
TEXT.update(ADMIN_TEXT)
METHOD_ZH = {"phone": "电话", "wechat": "微信", "sms": "短信", "in_person": "当面"}
KIND_ZH = {
    "district": "区",
    "street": "街道",
    "community": "社区",
    "grid": "网格",
    "department": "部门",
    "site": "服务站点",
}
ROLE_ZH = {
    "intake_clerk": "登记员",
    "dispatcher": "分拨员",
    "unit_handler": "承办人",
    "unit_head": "单位负责人",
    "street_staff": "街道工作人员",
    "community_staff": "社区工作人员",
    "grid_staff": "网格员",
    "leader": "区领导",
    "supervisor": "督查员",
    "admin": "管理员",
    "service_staff": "驻点服务人员",
}
TRIAGE_STATUS_ZH = {
    "awaiting": "待人工确认",
    "auto_dispatched": "已自动分拨",
    "confirmed": "已确认",
    "corrected": "已更正",
    "handled": "已人工处理",
}
HOLD_REASON_ZH = {
    "no_model": "未加载分类模型",
    "low_confidence": "置信度低于阈值",
    "label_not_in_dictionary": "分类不在事项目录中",
    "no_unit": "未找到承办单位",
    "crowd": "涉众诉求",
    "auto_dispatch_off": "自动分拨已关闭",
    "risk": "风险提示",
    "dispatch_refused": "自动分拨被拒绝",
}
# Who did a step when no member of staff did: the names of the system's own actors.
ACTOR_ZH = {
    "system": "系统",
    "worker": "系统（定时任务）",
    "cli": "系统管理员",
    "import": "数据导入",
    "citizen": "群众",
    "api": "对接系统",
}
ACTOR_EN = {
    "system": "System",
    "worker": "System (scheduled job)",
    "cli": "Administrator",
    "import": "Data import",
    "citizen": "Citizen",
    "api": "Connected system",
}
CALENDAR_ZH = {
    "workdays": "工作日",
    "calendar": "自然日",
    "calendar_days": "自然日",
    "workhours": "工作时间",
    "natural": "自然日",
}
LINK_KIND_ZH = {
    "duplicate": "重复件",
    "repeat": "同一诉求人再次反映",
    "crowd": "同一事项多人反映",
    "similar": "相似件",
}
COLOUR_ZH = {
    "green": "正常",
    "yellow": "预警",
    "red": "超时",
    "paused": "暂停",
    "met": "已完成",
    "cancelled": "已取消",
    "moot": "已无需",
    "superseded": "已重新计时",
}


# "该案件刚被他人修改 (changed by someone else)": Chinese first, the English in brackets at the end.
_BILINGUAL = re.compile(
    r"^(?P<zh>.*[\u4e00-\u9fff].*?)\s*[（(](?P<en>[A-Za-z][^\u4e00-\u9fff]*)[)）]\s*$", re.S
)
_HAS_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def pick_half(text: str, zh: bool) -> str:
    found = _BILINGUAL.match(text)
    if found:
        return found.group("zh") if zh else found.group("en")
    return text


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
    calendar = _labeller(CALENDAR_ZH)
    task_state = _labeller(TASK_STATE_ZH)
    link_kind = _labeller(LINK_KIND_ZH)

    def actor(self, event: dict[str, Any]) -> str:
        """Who did a step: the person's name and unit, or the system's own actor in words; never
        a login name or an internal actor code."""
        code = event.get("actor")
        if code in ACTOR_ZH and not event.get("actor_unit"):
            return (ACTOR_ZH if self.zh else ACTOR_EN)[code]
        name = event.get("actor_name") or ""
        unit = event.get("actor_unit")
        return f"{name}（{unit}）" if unit else name

    def message(self, text: str | None) -> str:
        """A service's message written "中文 (English)": the half in this page's language."""
        return pick_half(text or "", self.zh)

    def hold_reason(self, code: str | None) -> str:
        """`risk:violence,self_harm` and `dispatch_refused: <message>` keep their detail."""
        head, sep, rest = (code or "").partition(":")
        if head not in HOLD_REASON_ZH:
            return code or ""
        if not self.zh:
            return _english(head) + (f" ({rest.strip()})" if sep else "")
        return HOLD_REASON_ZH[head] + (f"（{rest.strip()}）" if sep else "")


# A refusal's words by its code, for pages: the services write their messages for the API (in
# English, or "中文 (English)"); a page shows these, else the message's half in its language,
# else a plain sentence for the status. Never an English sentence on a Chinese page.
ERROR_ZH: dict[str, str] = {
    "not_found": "没有找到该页面：地址可能有误，或页面已被移除",
    "case_not_found": "没有找到该案件，或您无权查看",
    "bad_cursor": "翻页链接已失效或不完整，请回到列表第一页重新翻页",
    "letter_not_found": "没有找到该函件，或您无权查看",
    "attachment_not_found": "没有找到该附件",
    "whistle_not_found": "没有找到该吹哨事项",
    "order_not_found": "没有找到该督办单",
    "report_not_found": "没有找到该期日报",
    "task_not_found": "没有找到该批示任务",
    "instruction_not_found": "没有找到该批示",
    "holding_not_found": "没有找到该包案记录",
    "alert_not_found": "没有找到该预警",
    "staff_not_found": "没有找到该人员",
    "unit_not_found": "没有找到该单位",
    "unknown_unit": "没有找到该单位，请从列表中选择",
    "mailbox_not_found": "没有找到该信箱",
    "channel_not_found": "该渠道暂未开通",
    "clock_not_found": "没有找到该时限",
    "role_not_allowed": "您的岗位无权进行此操作",
    "not_allowed": "您的岗位无权进行此操作",
    "admin_only": "只有系统管理员可以进行此操作",
    "leaders_only": "只有区领导可以进行此操作",
    "staff_only": "只有工作人员可以进行此操作",
    "not_handling_unit": "只有承办单位可以进行此操作",
    "not_holder": "只有包案领导可以进行此操作",
    "not_issuer": "只有吹哨的街道、社区或网格可以确认",
    "not_summoned": "本单位未被此次吹哨召集",
    "not_responder": "只有被召集部门的人员可以报到和处置",
    "own_release": "包案领导不能批准自己的销案申请",
    "analytics_viewers_only": "您的岗位无权查看全区分析",
    "cannot_acknowledge": "您的岗位无权确认此预警",
    "triage_centre_only": "只有分拨中心可以处理分拨建议",
    "upload_window_closed": "提交后24小时内可补充附件，如需补充请联系承办单位",
    "already_acted": "本部门的处置已经记录",
    "already_confirmed": "已经确认过",
    "already_decided": "该分拨建议已经处理过",
    "already_extended": "该时限已经延期过一次",
    "already_held": "该案件已有领导包案",
    "already_reported": "本部门已经报到",
    "alert_acknowledged": "该预警已经确认过",
    "case_not_open": "该案件已办结，不能进行此操作",
    "release_pending": "销案申请正在等待审批",
    "no_release_request": "没有待审批的销案申请",
    "nothing_to_pause": "没有正在计时的时限可以暂停",
    "nothing_to_resume": "没有暂停的时限可以恢复",
    "not_extendable": "该节点的时限不能延期",
    "not_acted": "还有部门未处置",
    "not_reported_in": "本部门尚未报到",
    "report_busy": "其他日报正在签发，请稍后重试",
    "bad_action": "当前状态下不能进行此操作",
    "no_such_action": "当前状态下不能进行此操作",
    "version_conflict": "该案件刚被他人修改，请刷新后重试",
    "version_conflict_refilled": "该案件刚被他人修改，页面已更新为最新内容，您填写的内容已保留，请核对后重新提交",
    "note_required": "请填写记录内容",
    "text_required": "请填写内容",
    "text_too_long": "内容过长",
    "too_long": "内容过长",
    "reason_required": "请填写理由",
    "target_required": "请选择对象",
    "no_units": "请至少选择一个单位",
    "too_many_units": "选择的单位过多",
    "lead_is_co_unit": "主办单位不能同时是协办单位",
    "duplicate_co_unit": "协办单位重复",
    "duplicate_unit": "单位重复",
    "bad_unit": "单位不正确，请从列表中选择",
    "bad_category": "事项不正确，请从列表中选择",
    "unknown_category": "没有找到该事项，请从列表中选择",
    "bad_deadline": "办理期限不正确",
    "bad_days": "天数不正确",
    "bad_date": "日期不正确",
    "bad_time": "时间不正确",
    "bad_method": "联系方式不正确",
    "bad_rating": "请选择评价",
    "bad_kind": "类型不正确",
    "bad_place": "地点不正确",
    "place_outside_area": "该地点不在您的辖区内",
    "place_mismatch": "社区与街道不一致",
    "unknown_place": "没有找到该地点",
    "future_visit": "走访时间不能晚于现在",
    "review_incomplete": "重点件清单尚未填写完整",
    "no_plan": "请先填写一案一策",
    "plan_too_long": "一案一策内容过长",
    "empty_file": "文件是空的",
    "file_too_large": "文件过大",
    "too_many_files": "文件过多",
    "file_type_not_allowed": "不支持该文件类型",
    "file_type_mismatch": "文件内容与类型不符",
    "bad_file": "文件无法读取",
    "bad_calendar": "节假日文件格式不正确",
    "bad_csv": "CSV 文件格式不正确",
    "bad_policy_yaml": "时限标准文件格式不正确",
    "bad_rule_set": "提级规则文件格式不正确",
    "bad_old_password": "当前密码不正确",
    "password_mismatch": "两次输入的新密码不一致",
    "weak_password": "新密码至少8位，须同时包含字母和数字",
    "bad_credentials": "用户名或密码不正确",
    "too_many_attempts": "尝试次数过多，请稍后再试",
    "csrf_failed": "页面已过期，请刷新后重新提交",
    "invalid_form": "请检查填写的内容",
    "anonymous_not_allowed": "该渠道不接受匿名反映",
    "description_too_long": "诉求内容过长",
    "missing_field": "请填写必填项",
    "unknown_policy": "没有找到该时限标准",
    "unknown_leader": "没有找到该领导",
    "unknown_channel": "没有找到该渠道",
    "day_not_over": "当天尚未结束，日报只能覆盖已过去的日期",
    "period_too_long": "时间范围过长",
}
# Words only a page says (a refusal the page itself has already acted on), before the service's.
PAGE_WORDS = {
    "version_conflict_refilled": (
        "该案件刚被他人修改，页面已更新为最新内容，您填写的内容已保留，请核对后重新提交",
        "Someone else changed the case just now: the page shows it as it is, with what you typed kept; check and send again",
    )
}
GENERIC_ZH = {
    400: "请求未能完成，请检查后重试",
    401: "请先登录",
    403: "您无权进行此操作",
    404: "没有找到，或您无权查看",
    409: "当前状态下不能这样操作，请刷新后重试",
    413: "提交的内容过大",
    422: "请检查填写的内容",
    429: "操作过于频繁，请稍后再试",
}
ERROR_EN = {
    "not_found": "Page not found: the address may be wrong, or the page was removed",
    "bad_cursor": "This page link is no longer valid: go back to the list's first page",
    "version_conflict_refilled": "Someone else changed the case just now: the page shows it as it is, with what you typed kept; check and send again",
}
GENERIC_EN = {
    400: "The request could not be completed",
    401: "Sign in first",
    403: "You may not do this",
    404: "Not found, or not visible to you",
    409: "This cannot be done in the case's current state; reload and try again",
    413: "What you sent is too large",
    422: "Check what you entered",
    429: "Too many requests; try again in a moment",
}


def refusal_text(t: Translator, code: str | None, message: str | None, status: int) -> str:
    """What a page says for a refusal, in the page's language."""
    half = pick_half(message or "", t.zh)
    if code in PAGE_WORDS:
        return PAGE_WORDS[code][0 if t.zh else 1]
    if t.zh:
        if half and _HAS_CHINESE.search(half):
            return half
        if code in ERROR_ZH:
            return ERROR_ZH[code]
        return GENERIC_ZH.get(status, GENERIC_ZH[400])
    if code in ERROR_EN:
        return ERROR_EN[code]
    if half and not _HAS_CHINESE.search(half):
        return half
    return GENERIC_EN.get(status, GENERIC_EN[400])
