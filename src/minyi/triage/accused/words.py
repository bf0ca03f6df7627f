"""The vocabulary of complaint: department aliases, official titles, complaint verbs, misconduct
words, and what ends a clause."""

from __future__ import annotations

import re

# Units whose people handle cases: only these are kept from a case when accused.
TARGET_UNIT_KINDS = frozenset({"department", "street", "community", "grid"})

# Common short names, by a word of the department's official name (区城市管理和综合执法局).
# fmt: off
DEPARTMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "住房和建设": ("住建局", "住建部门", "建设局"),
    "城市管理": ("城管局", "城管", "城管执法局", "城管执法队", "城管队员", "综合执法局", "执法局"),
    "教育局": ("教育部门",),
    "卫生健康": ("卫健局", "卫健委", "卫生局"),
    "人力资源": ("人社局", "劳动局", "劳动监察大队", "劳动监察"),
    "市场监督": ("市场监管局", "市监局", "工商局", "市场监管所"),
    "交通运输": ("交通局",),
    "交警": ("交警", "交警队"),
    "生态环境": ("环保局", "生态环境局", "环保部门"),
    "民政": ("民政部门",),
    "司法局": ("司法所",),
    "公安": ("公安局", "派出所", "公安", "民警", "警察"),
    "规划和自然资源": ("规划局", "国土局", "自然资源局", "规自局"),
    "应急管理": ("应急局", "安监局"),
    "文化广电旅游体育": ("文旅局", "文体局", "文广旅体局"),
    "医疗保障": ("医保局",),
    "退役军人": ("退役军人局",),
    "总工会": ("工会",),
    "科技创新": ("科创局", "科技局"),
    "发展和改革": ("发改局", "发改委"),
    "税务": ("税务局", "税务所"),
    "国资": ("国资委",),
    "政务服务数据": ("政数局", "政务服务中心", "行政服务中心"),
    "住房保障": ("住保中心",),
    "房屋租赁": ("租赁所",),
    "城市更新": ("城市更新局", "土地整备局"),
    "工业和信息化": ("工信局",),
    "社会保险": ("社保局", "社保中心"),
    "卫生监督": ("卫监所",),
    "疾病预防控制": ("疾控中心", "疾控"),
    "消防": ("消防队", "消防大队", "消防救援站"),
    "纪委监委": ("纪委", "监委", "纪检"),
    "信访局": ("信访办", "信访部门"),
    "群众诉求服务中心": ("诉求中心", "信联办"),
    "政法委": ("政法委", "综治中心", "综治办"),
}
# Words for "the street/community/grid" without its name: the appeal's own one.
GENERIC_AREAS: dict[str, str] = {
    "街道办事处": "street", "街道办": "street", "街道": "street",
    "社区居委会": "community", "居委会": "community", "社区": "community",
    "网格员": "grid", "网格长": "grid",
}
OFFICIAL_WORDS = (
    "工作人员", "执法人员", "执法队员", "协管员", "队员", "主任", "副主任", "书记", "副书记",
    "局长", "副局长", "科长", "所长", "队长", "站长", "领导", "干部", "负责人", "辅警", "经办人",
    "办事员", "窗口人员", "工作者", "公务员", "专员", "承办人", "社工", "人员",
)
# 王主任, 李局长: a surname and a title name one person of the unit beside it.
SURNAME_TITLES = ("主任", "书记", "局长", "科长", "所长", "队长", "站长", "经理")
ACCUSE_WORDS = (
    "投诉", "举报", "检举", "控告", "揭发", "状告", "告发", "实名举报",
    "被投诉", "被举报", "被反映", "被投诉单位", "被举报单位", "被反映单位",
    "被投诉人", "被举报人", "被反映人",
)
# Words that contain a complaint verb but are not one.
NEUTRAL_WORDS = (
    "举报人", "投诉人", "反映人", "投诉电话", "举报电话", "投诉热线", "举报信箱", "投诉渠道",
)
CONDUCT_WORDS: dict[str, tuple[str, ...]] = {
    "corruption": (
        "索贿", "受贿", "贪污", "吃拿卡要", "收受", "好处费", "红包", "回扣", "以权谋私",
        "权钱交易", "腐败", "挪用", "侵吞", "违纪", "吃空饷", "公款吃喝",
    ),
    "abuse": (
        "滥用职权", "暴力执法", "粗暴执法", "野蛮执法", "选择性执法", "执法不公", "打人", "殴打",
        "威胁", "恐吓", "打击报复", "辱骂", "骂人", "徇私", "包庇", "乱罚款", "乱收费", "刁难",
        "乱作为", "违规审批", "违法审批", "违规收费",
    ),
    "inaction": (
        "不作为", "慢作为", "假作为", "推诿", "扯皮", "踢皮球", "敷衍", "拖延", "久拖不决",
        "不管不问", "置之不理", "不闻不问", "不予理睬", "失职", "渎职", "玩忽职守", "懒政", "怠政",
        "不办事", "不处理",
    ),
    "attitude": (
        "态度恶劣", "态度蛮横", "态度差", "态度很差", "态度极差", "态度不好", "服务态度差",
        "脸难看", "门难进", "冷漠", "傲慢",
    ),
}
# After "投诉 <name>", what makes the name the object complained about rather than a place:
# the clause ends, or a predicate about the name begins.
PREDICATE_STARTS = (
    "违规", "违法", "不", "未", "没", "拒", "一直", "多次", "长期", "至今", "私自", "擅自", "故意",
    "强行", "随意", "乱", "在", "对", "利用", "借", "向", "收", "执法", "审批", "办事", "工作",
)
# fmt: on
CLAUSE_BREAKS = frozenset("，,。.！!？?；;\n、")
# Between a name and a misconduct word: adverbs and the like (城管执法过程中态度恶劣).
FILLER = re.compile(
    r"(?:的|一直|多次|长期|总是|经常|屡次|仍然|依然|还|也|都|就|却|极其|非常|很|太|十分|相当|特别"
    r"|存在|有|严重|对此|对我们|对群众|对我|工作|办事|执法|服务|过程中|时|明显|涉嫌|在)*"
)
# Between two pieces of one name: 城管的执法人员, 城管某队员, 社区一名工作人员.
JOIN = re.compile(r"(?:的)?(?:某|一名|一位|个别|有关|相关)?")
# Between a complaint verb and its object: 被投诉单位：区住建局, 举报该局.
AFTER_VERB = re.compile(r"[：:\s]*(?:了|该|本|称|是|为)?[：:\s]*")
ENUMERATION = ("、", "和", "及", "以及", "与")
CUE_WINDOW = 8
