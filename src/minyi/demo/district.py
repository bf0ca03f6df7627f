"""The demo district 汀澜区: units, staff and channels, generated deterministically.

`build_district(seed)` is pure: no I/O, no database, and the same seed always gives the same
district. Every place and person is invented; the names only have to look plausible.

The department table (`DEPARTMENTS`) is shared with the demo event dictionary
(`minyi.demo.dictionary`), which names its lead units through the English aliases of
`DEPT_CODE`, so the two files cannot drift apart.
"""

from __future__ import annotations

import random
from typing import Any

DISTRICT_CODE = "D"
DISTRICT_NAME = "汀澜区"
DISTRICT_SHORT = "汀澜"

# (code, alias used by the dictionary, name). DEP_XFJ, DISPATCH and DEP_DCS are fixed codes
# other parts of the product refer to; the DEPnn codes are just stable numbers.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("DEP01", "housing", "区住房和建设局"),
    ("DEP02", "urban", "区城市管理和综合执法局"),
    ("DEP03", "education", "区教育局"),
    ("DEP04", "health", "区卫生健康局"),
    ("DEP05", "labour", "区人力资源局"),
    ("DEP06", "market", "区市场监督管理局"),
    ("DEP07", "transport", "区交通运输局"),
    ("DEP08", "traffic_police", "交警大队"),
    ("DEP09", "environment", "区生态环境分局"),
    ("DEP10", "civil", "区民政局"),
    ("DEP11", "justice", "区司法局"),
    ("DEP12", "police", "区公安分局"),
    ("DEP13", "planning", "区规划和自然资源局"),
    ("DEP14", "emergency", "区应急管理局"),
    ("DEP15", "water", "区水务局"),
    ("DEP16", "culture", "区文化广电旅游体育局"),
    ("DEP17", "medical_insurance", "区医疗保障局"),
    ("DEP18", "veterans", "区退役军人事务局"),
    ("DEP19", "disabled", "区残联"),
    ("DEP20", "women", "区妇联"),
    ("DEP21", "union", "区总工会"),
    ("DEP22", "tech", "区科技创新局"),
    ("DEP23", "development", "区发展和改革局"),
    ("DEP24", "finance", "区财政局"),
    ("DEP25", "tax", "区税务局"),
    ("DEP26", "soe", "区国资局"),
    ("DEP27", "gov_services", "区政务服务数据管理局"),
    ("DEP28", "housing_security", "区住房保障中心"),
    ("DEP29", "rental", "区房屋租赁管理所"),
    ("DEP30", "renewal", "区城市更新和土地整备局"),
    ("DEP31", "industry", "区工业和信息化局"),
    ("DEP32", "social_insurance", "区社会保险基金管理分局"),
    ("DEP33", "health_inspection", "区卫生监督所"),
    ("DEP34", "cdc", "区疾病预防控制中心"),
    ("DEP35", "youth", "团区委"),
    ("DEP36", "fire", "区消防救援大队"),
    ("DEP37", "psych", "区社会心理服务指导中心"),
    ("DEP38", "legal_aid", "区公共法律服务中心"),
    ("DEP39", "political_legal", "区委政法委（区综治中心）"),
    ("DEP40", "discipline", "区纪委监委"),
    ("DEP_XFJ", "petition", "区信访局"),
    ("DISPATCH", "dispatch", "区群众诉求服务中心（区信联办）"),
    ("DEP_DCS", "inspection", "区委督查室"),
)

# English alias -> department code, e.g. DEPT_CODE["housing"] == "DEP01".
DEPT_CODE: dict[str, str] = {alias: code for code, alias, _ in DEPARTMENTS}
DEPARTMENT_CODES: frozenset[str] = frozenset(DEPT_CODE.values())

# Departments that have their own 局长信箱 channel.
MAILBOX_DEPARTMENTS: tuple[str, ...] = ("DEP01", "DEP02", "DEP03", "DEP04", "DEP05")

STREET_STEMS: tuple[str, ...] = (
    "青松",
    "翠湖",
    "望海",
    "丹枫",
    "清泉",
    "金沙",
    "凤鸣",
    "柳溪",
    "白鹭",
    "南岭",
)

# Community names: invented two-character stems, shuffled per seed. More than needed.
COMMUNITY_STEMS: tuple[str, ...] = (
    "桂花",
    "樟园",
    "荔香",
    "榕苑",
    "竹林",
    "梅岭",
    "兰亭",
    "菊香",
    "枫林",
    "松岗",
    "柏溪",
    "杨柳",
    "桃源",
    "杏林",
    "莲塘",
    "荷风",
    "芙蓉",
    "海棠",
    "紫荆",
    "木棉",
    "凤栖",
    "茶园",
    "橙湾",
    "柚园",
    "石榴",
    "银杏",
    "玉兰",
    "丁香",
    "茉莉",
    "水仙",
    "月季",
    "杜鹃",
    "蔷薇",
    "百合",
    "梧桐",
    "香樟",
    "翠竹",
    "青枫",
    "碧桃",
    "金桂",
    "银湖",
    "明珠",
    "朝阳",
    "晨光",
    "曙光",
    "新风",
    "和平",
    "团结",
    "幸福",
    "安康",
    "福安",
    "康乐",
    "长乐",
    "永安",
    "太平",
    "兴隆",
    "富民",
    "新华",
    "建设",
    "文昌",
    "文华",
    "书香",
    "学府",
    "育才",
    "科苑",
    "创业",
    "锦绣",
    "锦华",
    "华庭",
    "星河",
    "星光",
    "月湾",
    "日升",
    "云峰",
    "云海",
    "山水",
    "湖滨",
    "河畔",
    "溪口",
    "泉水",
    "石桥",
    "古井",
    "老街",
    "新村",
    "东岭",
    "西岭",
    "南湖",
    "北湖",
    "港湾",
    "渔村",
    "海滨",
    "沙湾",
    "鹏程",
    "腾飞",
    "龙腾",
    "凤翔",
    "麒麟",
    "鹿鸣",
    "鹤林",
    "雁栖",
    "莺歌",
    "燕归",
    "鹊桥",
    "望月",
    "听涛",
    "揽翠",
    "临江",
    "滨河",
    "绿洲",
    "田园",
    "稻香",
    "麦香",
    "果岭",
    "花园",
)

# Communities per street: a fixed multiset (sum 92) that the seed shuffles over the streets.
COMMUNITIES_PER_STREET: tuple[int, ...] = (7, 8, 9, 9, 9, 9, 10, 10, 10, 11)
GRIDS_TOTAL = 700
GRIDS_MIN, GRIDS_MAX = 5, 10

# Service sites outside the street halls, placed in a community chosen by the seed.
EXTRA_SITES: tuple[str, ...] = (
    f"{DISTRICT_NAME}人民医院群众诉求服务点",
    f"{DISTRICT_NAME}中医院群众诉求服务点",
    f"{DISTRICT_NAME}妇幼保健院群众诉求服务点",
    f"{DISTRICT_SHORT}实验学校群众诉求服务点",
    f"{DISTRICT_SHORT}第一中学群众诉求服务点",
    f"{DISTRICT_SHORT}北站群众诉求服务点",
    f"{DISTRICT_SHORT}汽车客运站群众诉求服务点",
)

SURNAMES: tuple[str, ...] = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
    "邓",
    "曹",
    "彭",
    "曾",
    "肖",
    "田",
    "董",
    "袁",
    "潘",
    "蒋",
    "蔡",
    "余",
    "杜",
    "叶",
    "程",
    "苏",
    "魏",
    "吕",
    "丁",
    "任",
    "沈",
    "姚",
    "卢",
    "钟",
    "谭",
    "陆",
    "汪",
    "范",
    "石",
    "廖",
    "夏",
    "韦",
    "方",
    "邹",
    "熊",
    "邱",
    "江",
    "薛",
    "雷",
    "侯",
    "龙",
    "黎",
    "贺",
    "顾",
    "龚",
    "严",
    "覃",
)
GIVEN_CHARS: tuple[str, ...] = (
    "建",
    "国",
    "华",
    "明",
    "伟",
    "芳",
    "娜",
    "秀",
    "英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "超",
    "霞",
    "平",
    "刚",
    "桂",
    "文",
    "辉",
    "玲",
    "鹏",
    "红",
    "斌",
    "宇",
    "浩",
    "凯",
    "健",
    "俊",
    "帆",
    "欣",
    "怡",
    "佳",
    "琳",
    "晨",
    "雪",
    "婷",
    "颖",
    "子",
    "涵",
    "睿",
    "博",
    "雨",
    "思",
    "嘉",
    "彤",
    "志",
    "海",
    "春",
    "燕",
    "晓",
    "丹",
    "宁",
    "立",
    "新",
    "振",
    "荣",
    "德",
    "永",
    "庆",
    "家",
    "美",
    "慧",
    "淑",
    "玉",
    "萍",
    "兰",
    "梅",
    "飞",
    "云",
    "峰",
    "毅",
    "松",
    "林",
    "清",
    "源",
    "正",
    "东",
    "鑫",
    "波",
    "彬",
    "琪",
)

# The eight 分片包联 leaders besides the secretary and the mayor: (username, title).
AREA_LEADERS: tuple[tuple[str, str], ...] = (
    ("leader01", "区委副书记"),
    ("leader02", "常务副区长"),
    ("leader03", "副区长（分管城建）"),
    ("leader04", "副区长（分管教育卫健）"),
    ("leader05", "副区长（分管经济）"),
    ("leader06", "副区长、区公安分局局长"),
    ("leader07", "区委常委、政法委书记"),
    ("leader08", "区委常委、宣传部部长"),
)

CHANNEL_KINDS = (
    "hotline",
    "mailbox",
    "walk_in",
    "letter",
    "grid",
    "market",
    "reception",
    "miniprogram",
    "api",
    "import",
)
ANONYMOUS_KINDS = frozenset({"hotline", "mailbox", "miniprogram"})


class _People:
    """Unique names and phone numbers drawn from one rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def name(self) -> str:
        while True:
            given_len = 1 if self.rng.random() < 0.3 else 2
            given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(given_len))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.names:
                self.names.add(name)
                return name

    def phone(self) -> str:
        while True:
            phone = "13" + "".join(str(self.rng.randrange(10)) for _ in range(9))
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def _unit(code: str, name: str, kind: str, parent: str | None) -> dict[str, Any]:
    return {"code": code, "name": name, "kind": kind, "parent": parent}


def _grid_counts(rng: random.Random, n_communities: int) -> list[int]:
    """Grids per community, each within [GRIDS_MIN, GRIDS_MAX], summing to GRIDS_TOTAL."""
    counts = [rng.randint(6, 9) for _ in range(n_communities)]
    while sum(counts) != GRIDS_TOTAL:
        i = rng.randrange(n_communities)
        if sum(counts) < GRIDS_TOTAL and counts[i] < GRIDS_MAX:
            counts[i] += 1
        elif sum(counts) > GRIDS_TOTAL and counts[i] > GRIDS_MIN:
            counts[i] -= 1
    return counts


def build_district(seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """The whole demo district as plain dicts under "units", "staff" and "channels"."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    people = _People(rng)

    # --- units ---------------------------------------------------------------------------
    units: list[dict[str, Any]] = [_unit(DISTRICT_CODE, DISTRICT_NAME, "district", None)]
    streets = [f"S{i:02d}" for i in range(1, len(STREET_STEMS) + 1)]
    for code, stem in zip(streets, STREET_STEMS, strict=True):
        units.append(_unit(code, f"{stem}街道", "street", DISTRICT_CODE))

    per_street = list(COMMUNITIES_PER_STREET)
    rng.shuffle(per_street)
    stems = list(COMMUNITY_STEMS)
    rng.shuffle(stems)
    communities: dict[str, list[str]] = {}  # street code -> community codes
    community_names: dict[str, str] = {}
    for street, count in zip(streets, per_street, strict=True):
        communities[street] = []
        for j in range(1, count + 1):
            code = f"{street}C{j:02d}"
            name = f"{stems.pop()}社区"
            communities[street].append(code)
            community_names[code] = name
            units.append(_unit(code, name, "community", street))
    all_communities = [c for street in streets for c in communities[street]]

    grid_counts = _grid_counts(rng, len(all_communities))
    for community, n_grids in zip(all_communities, grid_counts, strict=True):
        for k in range(1, n_grids + 1):
            name = f"{community_names[community]}第{k}网格"
            units.append(_unit(f"{community}G{k:02d}", name, "grid", community))

    for code, _alias, name in DEPARTMENTS:
        units.append(_unit(code, name, "department", DISTRICT_CODE))

    for code, stem in zip(streets, STREET_STEMS, strict=True):
        units.append(_unit(f"{code}-SITE", f"{stem}街道群众诉求服务站", "site", code))
    site_communities = rng.sample(all_communities, len(EXTRA_SITES))
    for community, name in zip(site_communities, EXTRA_SITES, strict=True):
        units.append(_unit(f"{community}-SITE", name, "site", community))

    # --- staff ---------------------------------------------------------------------------
    staff: list[dict[str, Any]] = []

    def add(
        username: str,
        role: str,
        unit: str,
        title: str | None = None,
        areas: list[str] | None = None,
    ) -> None:
        staff.append(
            {
                "username": username,
                "name": people.name(),
                "role": role,
                "unit": unit,
                "phone": people.phone(),
                "areas": list(areas or []),
                "title": title,
            }
        )

    add("admin", "admin", DISTRICT_CODE, "系统管理员")
    add("clerk", "intake_clerk", "DISPATCH", "受理员")
    add("dispatcher", "dispatcher", "DISPATCH", "分拨员")
    add("supervisor", "supervisor", "DEP_DCS", "督查专员")
    add("secretary", "leader", DISTRICT_CODE, "区委书记", ["S01"])
    add("mayor", "leader", DISTRICT_CODE, "区长", ["S02"])

    # 分片包联: leader k (1..8) covers street S(k+2) with all its communities; leaders 1-2 also
    # split S01's communities and leaders 3-4 split S02's, so every community has a leader.
    areas: list[list[str]] = []
    for street in streets[2:]:
        areas.append([street, *communities[street]])
    for first, street in ((0, "S01"), (2, "S02")):
        comms = communities[street]
        half = (len(comms) + 1) // 2
        areas[first] += [street, *comms[:half]]
        areas[first + 1] += [street, *comms[half:]]
    for (username, title), leader_areas in zip(AREA_LEADERS, areas, strict=True):
        add(username, "leader", DISTRICT_CODE, title, leader_areas)

    for code, _alias, _name in DEPARTMENTS:
        add(f"{code.lower()}.head", "unit_head", code, "单位负责人")
        add(f"{code.lower()}.handler", "unit_handler", code, "承办人")
    for street in streets:
        add(f"{street.lower()}.staff", "street_staff", street, "街道诉求服务专员", [street])
    for community in all_communities:
        add(f"{community.lower()}.staff", "community_staff", community, "社区工作人员", [community])
    for community in all_communities:
        grid = f"{community}G01"
        add(f"{grid.lower()}.staff", "grid_staff", grid, "网格员", [grid])

    # --- channels ------------------------------------------------------------------------
    def channel(code: str, kind: str, name: str, owner: str | None = None) -> dict[str, Any]:
        return {
            "code": code,
            "kind": kind,
            "name": name,
            "owner": owner,
            "allows_anonymous": kind in ANONYMOUS_KINDS,
        }

    dept_names = {code: name for code, _alias, name in DEPARTMENTS}
    channels = [
        channel("hotline_12345", "hotline", "12345热线"),
        channel("mailbox_secretary", "mailbox", "书记在线", "secretary"),
        channel("mailbox_mayor", "mailbox", "区长信箱", "mayor"),
        *(
            channel(
                f"mailbox_{code.lower()}",
                "mailbox",
                f"{dept_names[code]}局长信箱",
                f"{code.lower()}.head",
            )
            for code in MAILBOX_DEPARTMENTS
        ),
        channel("walk_in", "walk_in", "来访接待"),
        channel("letter", "letter", "来信"),
        channel("grid", "grid", "网格上报"),
        channel("market", "market", "服务市集/赶圩日"),
        channel("reception", "reception", "领导接访"),
        channel("miniprogram", "miniprogram", "民意速办小程序/扫码"),
        channel("volunteer", "miniprogram", "平安志愿者上报"),
        channel("api", "api", "其他平台接口"),
        channel("import", "import", "文件导入"),
    ]

    # --- the professionals of the service halls (N 类人员), last so the names drawn before
    # them stay what they were: a mediator, a resident lawyer and a counsellor in each street's
    # hall, and the district centre's counselling supervisor (心理督导). Their sites, rooms and
    # hours are demo/services.py's.
    for street in streets:
        site = f"{street}-SITE"
        add(f"{street.lower()}.mediator", "service_staff", site, "人民调解员")
        add(f"{street.lower()}.lawyer", "service_staff", site, "驻点律师")
        add(f"{street.lower()}.counsellor", "service_staff", site, "心理咨询师")
    add("centre.counsellor", "service_staff", DISTRICT_CODE, "心理督导")
    return {"units": units, "staff": staff, "channels": channels}
