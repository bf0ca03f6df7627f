"""The demo event dictionary (事件字典): four levels under the five classes, pure data.

Level 1 is one of the five classes; levels 2 and 3 group the matters; level 4 is the leaf a case
is filed under. Each leaf names who leads it and which clock policy runs:

- lead: an alias of `DEPT_CODE` (a department of the demo district), or "street" / "community"
  meaning the appeal's own street or community leads;
- policy: "10-30-24" for urgent livelihood matters, "1-2-3" for ordinary ones, "xf-statutory"
  for formal 信访 matters that run on the statutory clocks of the 信访工作条例.

The tree below gives a lead and a policy per level-3 group; a leaf written as a tuple
`(name, lead, policy)` overrides either (None keeps the group's). Leaf codes are
`<class prefix>-<level2 no.>-<level3 no.>-<leaf no.>`, e.g. "TS-01-03-05"; they follow the order
of this file, so append new leaves at the end of their group to keep existing codes stable.
"""

from __future__ import annotations

from typing import Any

from minyi.demo.district import DEPT_CODE

URGENT = "10-30-24"
ORDINARY = "1-2-3"
STATUTORY = "xf-statutory"
STREET = "street"
COMMUNITY = "community"

Leaf = str | tuple[str, str | None, str | None]
Group = tuple[str, str, str, list[Leaf]]  # (level3, lead, policy, leaves)

CLASS_PREFIX: dict[str, str] = {
    "投诉建议": "TS",
    "纠纷调解": "JF",
    "法律服务": "FL",
    "心理服务": "XL",
    "帮扶救助": "BZ",
}

U, N, X = URGENT, ORDINARY, STATUTORY  # short names for the tree below

# class -> [(level2, [(level3, lead, policy, [leaf, ...]), ...]), ...]
TREE: dict[str, list[tuple[str, list[Group]]]] = {
    "投诉建议": [
        (
            "城市管理",
            [
                (
                    "市容秩序",
                    "urban",
                    N,
                    [
                        "占道经营",
                        "流动摊贩",
                        "店外经营",
                        "乱张贴乱涂写",
                        "户外广告招牌",
                        "乱晾晒乱堆放",
                        ("建筑立面破损", STREET, None),
                        "夜市管理",
                    ],
                ),
                (
                    "环境卫生",
                    "urban",
                    N,
                    [
                        "生活垃圾清运不及时",
                        "垃圾分类",
                        "道路清扫保洁",
                        "公共厕所",
                        "建筑垃圾乱倒",
                        "餐厨垃圾",
                        "垃圾站异味",
                        ("卫生死角", COMMUNITY, None),
                    ],
                ),
                (
                    "违法建设",
                    "urban",
                    N,
                    [
                        "新增违法建设",
                        "楼顶加建",
                        "阳台外扩",
                        "侵占公共空间",
                        "违建拆除进度",
                    ],
                ),
                (
                    "园林绿化",
                    "urban",
                    N,
                    [
                        ("树木倒伏", None, U),
                        "树木修剪",
                        "绿地被占",
                        "公园设施",
                        "绿化带缺损",
                        "古树名木保护",
                    ],
                ),
                (
                    "市政设施",
                    "urban",
                    N,
                    [
                        "路灯不亮",
                        ("井盖缺失破损", None, U),
                        ("人行道破损", "transport", None),
                        ("道路坑洼", "transport", None),
                        "护栏损坏",
                        "公共座椅及设施",
                    ],
                ),
                (
                    "犬只宠物",
                    "urban",
                    N,
                    [
                        "犬只扰民",
                        "遛狗不拴绳",
                        "流浪犬猫",
                        ("犬只伤人", "police", U),
                    ],
                ),
            ],
        ),
        (
            "住房和物业",
            [
                (
                    "物业服务",
                    "housing",
                    N,
                    [
                        "物业服务质量",
                        "物业收费",
                        "物业费未公示",
                        "物业更替交接",
                        "公共收益",
                        ("小区安保", COMMUNITY, None),
                    ],
                ),
                (
                    "业主组织",
                    STREET,
                    N,
                    [
                        "业委会成立",
                        "业委会选举",
                        "业主大会表决",
                        "业委会履职",
                    ],
                ),
                (
                    "电梯与设施设备",
                    "housing",
                    N,
                    [
                        ("电梯困人", "market", U),
                        ("电梯故障停运", "market", U),
                        "加装电梯",
                        ("二次供水设施", "water", None),
                        ("小区消防设施损坏", "fire", None),
                        "小区停车管理",
                    ],
                ),
                (
                    "房地产开发与交易",
                    "housing",
                    N,
                    [
                        "延期交房",
                        "新房质量问题",
                        ("不动产登记办证难", "planning", None),
                        "售楼虚假宣传",
                        "商品房预售资金",
                        "停工楼盘",
                    ],
                ),
                (
                    "房屋租赁",
                    "rental",
                    N,
                    [
                        "租赁合同备案",
                        "中介违规收费",
                        "群租房",
                        "长租公寓经营异常",
                        "城中村租金上涨",
                    ],
                ),
                (
                    "保障性住房",
                    "housing_security",
                    N,
                    [
                        "公租房申请",
                        "保障房轮候",
                        "人才房配租",
                        "保障房维修",
                        "违规转租转借",
                    ],
                ),
                (
                    "老旧小区改造",
                    "housing",
                    N,
                    [
                        "改造进度",
                        "改造质量",
                        ("改造施工扰民", STREET, None),
                        "管线改造",
                    ],
                ),
                (
                    "房屋安全",
                    "housing",
                    N,
                    [
                        ("危房隐患", None, U),
                        "房屋开裂",
                        ("外墙脱落", None, U),
                        ("边坡隐患", "emergency", U),
                    ],
                ),
            ],
        ),
        (
            "建设工程",
            [
                (
                    "施工管理",
                    "housing",
                    N,
                    [
                        ("夜间施工噪声", "environment", U),
                        "施工扬尘",
                        "工地围挡",
                        ("泥头车撒漏", "urban", None),
                        "施工占道",
                        ("施工安全隐患", None, U),
                    ],
                ),
                (
                    "工程质量",
                    "housing",
                    N,
                    [
                        "市政工程质量",
                        "住宅工程质量",
                        "工程竣工验收",
                    ],
                ),
                (
                    "城市更新",
                    "renewal",
                    N,
                    [
                        "更新项目进度",
                        "拆迁补偿标准",
                        "回迁安置",
                        "土地整备",
                        "项目信息公开",
                    ],
                ),
            ],
        ),
        (
            "教育",
            [
                (
                    "入学招生",
                    "education",
                    N,
                    [
                        "学位申请",
                        "积分入学",
                        "随迁子女入学",
                        "转学插班",
                        "幼儿园招生",
                        "特殊教育入学",
                    ],
                ),
                (
                    "学校管理",
                    "education",
                    N,
                    [
                        ("校园安全", None, U),
                        ("学校食堂卫生", "market", U),
                        "课业负担",
                        "课后服务",
                        "校服及教辅征订",
                        "教师师德师风",
                    ],
                ),
                (
                    "教育收费",
                    "education",
                    N,
                    [
                        "学校违规收费",
                        "幼儿园收费",
                        "课后服务收费",
                    ],
                ),
                (
                    "校外培训",
                    "education",
                    N,
                    [
                        "无证办学",
                        "培训机构退费",
                        ("培训机构停业跑路", None, U),
                    ],
                ),
                (
                    "教师队伍",
                    "education",
                    N,
                    [
                        "教师工资待遇",
                        "临聘教师",
                        "教师职称评定",
                    ],
                ),
            ],
        ),
        (
            "卫生健康",
            [
                (
                    "医疗服务",
                    "health",
                    N,
                    [
                        "医务人员服务态度",
                        "看病排队难",
                        "医疗收费",
                        "药品短缺",
                        "转诊转院",
                    ],
                ),
                (
                    "医政监管",
                    "health_inspection",
                    N,
                    [
                        "非法行医",
                        "医疗美容机构",
                        "违法医疗广告",
                        "诊所资质",
                    ],
                ),
                (
                    "公共卫生",
                    "cdc",
                    N,
                    [
                        ("传染病防控", None, U),
                        "疫苗接种",
                        "病媒生物防制",
                        ("公共场所卫生", "health_inspection", None),
                        ("职业病防治", "health", None),
                    ],
                ),
                (
                    "妇幼与人口",
                    "health",
                    N,
                    [
                        "生育登记",
                        "出生医学证明",
                        "婴幼儿托育",
                        "独生子女父母奖励",
                    ],
                ),
                (
                    "医疗保障",
                    "medical_insurance",
                    N,
                    [
                        "医保报销",
                        "医保卡及电子凭证",
                        "异地就医",
                        "门诊统筹",
                        "定点医药机构",
                        "欺诈骗保",
                    ],
                ),
            ],
        ),
        (
            "劳动和社会保障",
            [
                (
                    "劳动权益",
                    "labour",
                    N,
                    [
                        ("拖欠工资", None, U),
                        "加班费",
                        "未签劳动合同",
                        "违法解除劳动合同",
                        ("未缴社会保险", "social_insurance", None),
                        "工伤认定",
                    ],
                ),
                (
                    "就业服务",
                    "labour",
                    N,
                    [
                        "就业登记",
                        "失业登记",
                        "职业培训补贴",
                        "招聘欺诈",
                        "创业扶持",
                    ],
                ),
                (
                    "社会保险",
                    "social_insurance",
                    N,
                    [
                        "养老保险缴费",
                        "养老金领取",
                        "失业保险金",
                        "生育津贴",
                        "社保转移接续",
                        "灵活就业参保",
                    ],
                ),
                (
                    "人才服务",
                    "labour",
                    N,
                    [
                        "人才引进",
                        "人才补贴",
                        ("积分入户", "police", None),
                        "职称评审",
                    ],
                ),
            ],
        ),
        (
            "交通运输",
            [
                (
                    "公共交通",
                    "transport",
                    N,
                    [
                        "公交线路调整",
                        "公交站点设置",
                        "公交服务质量",
                        "地铁接驳",
                        "出租车拒载绕路",
                        "网约车",
                    ],
                ),
                (
                    "道路交通秩序",
                    "traffic_police",
                    N,
                    [
                        "交通拥堵",
                        ("信号灯故障", None, U),
                        "违法停车",
                        "电动自行车管理",
                        "交通标志标线",
                        "学校周边交通",
                    ],
                ),
                (
                    "道路设施",
                    "transport",
                    N,
                    [
                        "道路破损",
                        ("道路积水", "water", U),
                        "天桥隧道",
                        "停车场收费",
                        ("共享单车乱停放", "urban", None),
                    ],
                ),
                (
                    "货运与驾培",
                    "transport",
                    N,
                    [
                        ("泥头车超速", "traffic_police", None),
                        "货车禁行",
                        "驾培机构",
                    ],
                ),
            ],
        ),
        (
            "生态环境",
            [
                (
                    "噪声污染",
                    "environment",
                    N,
                    [
                        "工业噪声",
                        ("社会生活噪声", "police", None),
                        ("广场舞噪声", COMMUNITY, None),
                        ("娱乐场所噪声", "police", None),
                        "交通噪声",
                    ],
                ),
                (
                    "大气污染",
                    "environment",
                    N,
                    [
                        "工业废气",
                        "餐饮油烟",
                        ("露天焚烧", "urban", None),
                        "异味扰民",
                        "裸土扬尘",
                    ],
                ),
                (
                    "水污染",
                    "environment",
                    N,
                    [
                        "偷排漏排",
                        ("河道污染", "water", None),
                        ("黑臭水体", "water", None),
                        "工业废水",
                    ],
                ),
                (
                    "固废与辐射",
                    "environment",
                    N,
                    [
                        "危险废物",
                        "工业固体废物",
                        "电磁辐射",
                    ],
                ),
                (
                    "环评与许可",
                    "environment",
                    N,
                    [
                        "建设项目环评",
                        "环保验收",
                        "排污许可",
                    ],
                ),
            ],
        ),
        (
            "市场监管",
            [
                (
                    "消费维权",
                    "market",
                    N,
                    [
                        "商品质量",
                        "虚假宣传",
                        "预付卡退费",
                        "价格欺诈",
                        "网络购物",
                        "售后服务",
                    ],
                ),
                (
                    "食品安全",
                    "market",
                    N,
                    [
                        "餐饮卫生",
                        "过期变质食品",
                        "无证经营食品",
                        "外卖食品安全",
                        "农贸市场管理",
                        ("食物中毒", "health", U),
                    ],
                ),
                (
                    "药品器械",
                    "market",
                    N,
                    [
                        "药店违规经营",
                        "医疗器械",
                        "保健食品虚假宣传",
                        "化妆品",
                    ],
                ),
                (
                    "特种设备",
                    "market",
                    N,
                    [
                        ("燃气钢瓶安全", "urban", U),
                        "锅炉压力容器",
                        "大型游乐设施",
                    ],
                ),
                (
                    "市场主体",
                    "market",
                    N,
                    [
                        "营业执照办理",
                        "无照经营",
                        "商标侵权",
                        ("专利侵权", "tech", None),
                    ],
                ),
            ],
        ),
        (
            "公共安全",
            [
                (
                    "社会治安",
                    "police",
                    N,
                    [
                        "治安隐患",
                        "盗窃",
                        "电信诈骗",
                        "黄赌毒",
                        ("打架斗殴", None, U),
                        "可疑人员",
                    ],
                ),
                (
                    "户政出入境",
                    "police",
                    N,
                    [
                        "户籍迁移",
                        "身份证办理",
                        "居住证",
                        "出入境证件",
                    ],
                ),
                (
                    "消防安全",
                    "fire",
                    N,
                    [
                        ("消防通道堵塞", None, U),
                        ("电动车入户充电", None, U),
                        "三小场所消防",
                        "消防设施",
                    ],
                ),
                (
                    "安全生产",
                    "emergency",
                    N,
                    [
                        ("企业安全隐患", None, U),
                        "危险化学品",
                        "有限空间作业",
                        ("燃气泄漏", "urban", U),
                    ],
                ),
                (
                    "应急与防灾",
                    "emergency",
                    N,
                    [
                        ("地质灾害隐患", "planning", U),
                        ("城市内涝", "water", U),
                        "台风防御",
                        "应急避难场所",
                    ],
                ),
            ],
        ),
        (
            "水务",
            [
                (
                    "供水",
                    "water",
                    N,
                    [
                        ("停水", None, U),
                        "水压不足",
                        ("水质异常", None, U),
                        "水费",
                        "水表",
                    ],
                ),
                (
                    "排水",
                    "water",
                    N,
                    [
                        "排水管道堵塞",
                        ("污水冒溢", None, U),
                        "雨污分流",
                        "化粪池",
                    ],
                ),
                (
                    "河湖管理",
                    "water",
                    N,
                    [
                        "河道保洁",
                        "河道违建",
                        "防洪排涝",
                    ],
                ),
            ],
        ),
        (
            "公共服务",
            [
                (
                    "燃气电力通信",
                    "urban",
                    N,
                    [
                        ("燃气停供", None, U),
                        ("停电", "development", U),
                        ("通信信号", "industry", None),
                        ("宽带入户", "industry", None),
                    ],
                ),
                (
                    "政务服务",
                    "gov_services",
                    N,
                    [
                        "办事难办事慢",
                        "窗口服务态度",
                        "网上办事系统",
                        "重复证明材料",
                    ],
                ),
                (
                    "文化体育",
                    "culture",
                    N,
                    [
                        "公共文化设施",
                        "体育场馆开放",
                        "文化市场",
                        "网吧管理",
                    ],
                ),
                (
                    "财政税收",
                    "finance",
                    N,
                    [
                        ("发票开具", "tax", None),
                        ("税费政策", "tax", None),
                        "政府采购",
                        "拖欠企业账款",
                    ],
                ),
                (
                    "营商环境",
                    "development",
                    N,
                    [
                        "企业诉求",
                        "涉企检查",
                        "惠企政策兑现",
                        ("产业园区管理", "industry", None),
                        ("国有物业租赁", "soe", None),
                    ],
                ),
                (
                    "社区治理",
                    COMMUNITY,
                    N,
                    [
                        "社区工作站服务",
                        "社区公共设施",
                        "居民议事",
                        "社区活动场地",
                    ],
                ),
                (
                    "退役军人服务",
                    "veterans",
                    N,
                    [
                        "优待证办理",
                        "退役安置",
                        "褒扬纪念",
                    ],
                ),
            ],
        ),
    ],
    "纠纷调解": [
        (
            "民间纠纷",
            [
                (
                    "邻里纠纷",
                    COMMUNITY,
                    N,
                    [
                        "噪声纠纷",
                        "漏水纠纷",
                        "采光通风纠纷",
                        "公共空间占用",
                        "宠物纠纷",
                        "装修纠纷",
                    ],
                ),
                (
                    "婚姻家庭纠纷",
                    COMMUNITY,
                    N,
                    [
                        "婚姻纠纷",
                        ("家庭暴力", "police", U),
                        "赡养纠纷",
                        "抚养纠纷",
                        "继承纠纷",
                        "分家析产",
                    ],
                ),
                (
                    "民间借贷与合同纠纷",
                    "justice",
                    N,
                    [
                        "民间借贷",
                        "买卖合同纠纷",
                        "房屋买卖纠纷",
                        "合伙纠纷",
                    ],
                ),
            ],
        ),
        (
            "劳动争议",
            [
                (
                    "欠薪纠纷",
                    "labour",
                    U,
                    [
                        "个人欠薪",
                        "农民工工资",
                        "企业关停欠薪",
                        ("工程款纠纷", "housing", None),
                    ],
                ),
                (
                    "劳动关系纠纷",
                    "labour",
                    N,
                    [
                        "经济补偿",
                        "工伤赔偿",
                        "劳务派遣",
                        "社保补缴争议",
                        "辞职辞退",
                    ],
                ),
            ],
        ),
        (
            "行业性专业性纠纷",
            [
                (
                    "物业与租赁纠纷",
                    STREET,
                    N,
                    [
                        "业主与物业纠纷",
                        "押金退还",
                        "租金纠纷",
                        "业主之间纠纷",
                    ],
                ),
                (
                    "消费纠纷",
                    "market",
                    N,
                    [
                        "商品退换",
                        "服务合同",
                        "预付式消费",
                    ],
                ),
                (
                    "医疗纠纷",
                    "health",
                    N,
                    [
                        "医疗损害赔偿",
                        ("医患冲突", None, U),
                        "医疗费用争议",
                    ],
                ),
                (
                    "交通事故纠纷",
                    "traffic_police",
                    N,
                    [
                        "事故赔偿",
                        "事故责任认定争议",
                        "保险理赔",
                    ],
                ),
            ],
        ),
        (
            "土地与征拆纠纷",
            [
                (
                    "土地权属纠纷",
                    "planning",
                    N,
                    [
                        "土地权属",
                        "宅基地纠纷",
                        "山林权属",
                    ],
                ),
                (
                    "征拆补偿纠纷",
                    "renewal",
                    N,
                    [
                        "补偿金额争议",
                        "安置房分配",
                        "租户搬迁",
                    ],
                ),
                (
                    "集体经济纠纷",
                    STREET,
                    N,
                    [
                        "股份合作公司分红",
                        "集体资产租赁",
                        "股东资格",
                    ],
                ),
            ],
        ),
        (
            "矛盾化解",
            [
                (
                    "群体性矛盾",
                    "political_legal",
                    U,
                    [
                        "涉众投资理财",
                        "楼盘业主维权",
                        "企业关停安置",
                        "集体上访苗头",
                    ],
                ),
                (
                    "调解程序",
                    "justice",
                    N,
                    [
                        "人民调解申请",
                        "司法确认",
                        "调解协议履行",
                        "诉调对接",
                    ],
                ),
            ],
        ),
    ],
    "法律服务": [
        (
            "公共法律服务",
            [
                (
                    "法律咨询",
                    "legal_aid",
                    N,
                    [
                        "民事法律咨询",
                        "劳动法律咨询",
                        "婚姻家庭法律咨询",
                        "刑事法律咨询",
                        "企业法律咨询",
                    ],
                ),
                (
                    "法律援助",
                    "legal_aid",
                    N,
                    [
                        "法律援助申请",
                        "援助律师指派",
                        "法律援助服务质量",
                    ],
                ),
                (
                    "公证与鉴定",
                    "justice",
                    N,
                    [
                        "公证办理",
                        "司法鉴定",
                        "律师执业投诉",
                    ],
                ),
            ],
        ),
        (
            "行政复议与诉讼",
            [
                (
                    "行政复议",
                    "justice",
                    X,
                    [
                        "复议申请",
                        "不服复议决定",
                        "复议决定执行",
                    ],
                ),
                (
                    "对行政决定不服",
                    "justice",
                    X,
                    [
                        "不服行政处罚",
                        "不服行政许可决定",
                        "不服征收决定",
                        "政府信息公开",
                    ],
                ),
            ],
        ),
        (
            "涉法涉诉",
            [
                (
                    "诉讼事项",
                    "political_legal",
                    X,
                    [
                        "对判决裁定不服",
                        "执行难",
                        "立案难",
                        "审判程序",
                    ],
                ),
                (
                    "执法监督",
                    "political_legal",
                    X,
                    [
                        ("行政执法不规范", "justice", None),
                        ("公安执法投诉", "police", None),
                        "不立案不受理",
                        "扣押财物",
                    ],
                ),
            ],
        ),
        (
            "信访事项",
            [
                (
                    "复查复核",
                    "petition",
                    X,
                    [
                        "请求复查",
                        "请求复核",
                        "信访程序投诉",
                    ],
                ),
                (
                    "干部作风与违纪",
                    "discipline",
                    X,
                    [
                        "不作为慢作为",
                        "乱作为",
                        "违纪违法线索",
                        "打击报复信访人",
                    ],
                ),
            ],
        ),
        (
            "特殊人群法律服务",
            [
                (
                    "社区矫正与安置帮教",
                    "justice",
                    N,
                    [
                        "社区矫正",
                        "刑满释放人员安置帮教",
                        "未成年人法律保护",
                    ],
                ),
            ],
        ),
    ],
    "心理服务": [
        (
            "心理咨询",
            [
                (
                    "情绪困扰",
                    "psych",
                    N,
                    [
                        "焦虑情绪",
                        "抑郁情绪",
                        "失眠与压力",
                        "丧亲哀伤",
                    ],
                ),
                (
                    "人际与家庭",
                    "psych",
                    N,
                    [
                        "家庭关系",
                        "婚恋困扰",
                        "职场压力",
                    ],
                ),
                (
                    "青少年心理",
                    "psych",
                    N,
                    [
                        "学业压力",
                        "亲子沟通",
                        ("校园欺凌", "education", U),
                        "网络沉迷",
                    ],
                ),
            ],
        ),
        (
            "危机干预",
            [
                (
                    "心理危机",
                    "psych",
                    U,
                    [
                        "自伤自杀风险",
                        "突发事件心理援助",
                        ("极端情绪", "police", None),
                    ],
                ),
            ],
        ),
        (
            "特殊人群心理关爱",
            [
                (
                    "重点人群",
                    "psych",
                    N,
                    [
                        "失独家庭心理慰藉",
                        ("困境儿童心理关爱", "civil", None),
                        ("独居老人心理关爱", COMMUNITY, None),
                        ("严重精神障碍患者管理", "health", None),
                        ("信访人心理疏导", "petition", None),
                        ("退役军人心理疏导", "veterans", None),
                    ],
                ),
            ],
        ),
        (
            "心理健康服务",
            [
                (
                    "服务供给",
                    "psych",
                    N,
                    [
                        "心理援助热线",
                        "心理咨询机构监管",
                        "社区心理服务站",
                        "心理健康讲座",
                    ],
                ),
            ],
        ),
    ],
    "帮扶救助": [
        (
            "社会救助",
            [
                (
                    "最低生活保障",
                    "civil",
                    N,
                    [
                        "低保申请",
                        "低保边缘家庭",
                        "低保金发放",
                    ],
                ),
                (
                    "特困与临时救助",
                    "civil",
                    N,
                    [
                        "特困人员供养",
                        ("临时救助", None, U),
                        ("流浪乞讨人员救助", None, U),
                    ],
                ),
                (
                    "专项救助",
                    "civil",
                    N,
                    [
                        ("医疗救助", "medical_insurance", None),
                        ("教育救助", "education", None),
                        ("住房救助", "housing_security", None),
                        ("就业困难救助", "labour", None),
                    ],
                ),
            ],
        ),
        (
            "养老服务",
            [
                (
                    "居家与机构养老",
                    "civil",
                    N,
                    [
                        "居家养老服务",
                        "高龄津贴",
                        "养老机构入住",
                        "长者饭堂",
                        "适老化改造",
                    ],
                ),
            ],
        ),
        (
            "残疾人帮扶",
            [
                (
                    "残疾人服务",
                    "disabled",
                    N,
                    [
                        "残疾证办理",
                        "残疾人两项补贴",
                        "康复服务",
                        "残疾人就业",
                        ("无障碍设施", "housing", None),
                    ],
                ),
            ],
        ),
        (
            "妇女儿童帮扶",
            [
                (
                    "儿童关爱",
                    "civil",
                    N,
                    [
                        "困境儿童",
                        "孤儿保障",
                        "留守儿童",
                        ("儿童临时监护", None, U),
                    ],
                ),
                (
                    "妇女权益",
                    "women",
                    N,
                    [
                        "妇女权益维护",
                        "单亲母亲帮扶",
                        "妇女就业创业",
                    ],
                ),
            ],
        ),
        (
            "就业与职工帮扶",
            [
                (
                    "就业帮扶",
                    "labour",
                    N,
                    [
                        "就业困难人员认定",
                        "公益性岗位",
                        "零就业家庭",
                    ],
                ),
                (
                    "职工帮扶",
                    "union",
                    N,
                    [
                        "困难职工帮扶",
                        "金秋助学",
                        "职工医疗互助",
                    ],
                ),
                (
                    "青年帮扶",
                    "youth",
                    N,
                    [
                        "青少年关爱帮扶",
                        "青年就业见习",
                    ],
                ),
            ],
        ),
        (
            "优抚帮扶",
            [
                (
                    "退役军人帮扶",
                    "veterans",
                    N,
                    [
                        "困难退役军人帮扶",
                        "优抚对象补助",
                        "军属帮扶",
                    ],
                ),
            ],
        ),
        (
            "急难帮扶",
            [
                (
                    "灾害与急难",
                    "emergency",
                    U,
                    [
                        "受灾群众救助",
                        ("火灾受灾家庭", "civil", None),
                        ("突发重病家庭", "civil", None),
                    ],
                ),
            ],
        ),
    ],
}


def _lead(lead: str) -> tuple[str, str | None]:
    """(lead_unit_kind, lead_unit) for a lead written in the tree."""
    if lead in (STREET, COMMUNITY):
        return lead, None
    return "department", DEPT_CODE[lead]


def build_dictionary() -> list[dict[str, Any]]:
    """All leaves of the demo event dictionary as rows (columns as in a dictionary file)."""
    rows: list[dict[str, Any]] = []
    for class_name, level2s in TREE.items():
        prefix = CLASS_PREFIX[class_name]
        for i, (level2, groups) in enumerate(level2s, start=1):
            for j, (level3, group_lead, group_policy, leaves) in enumerate(groups, start=1):
                for k, leaf in enumerate(leaves, start=1):
                    name, lead, policy = (leaf, None, None) if isinstance(leaf, str) else leaf
                    kind, unit = _lead(lead or group_lead)
                    rows.append(
                        {
                            "code": f"{prefix}-{i:02d}-{j:02d}-{k:02d}",
                            "class": class_name,
                            "level2": level2,
                            "level3": level3,
                            "level4": name,
                            "lead_unit_kind": kind,
                            "lead_unit": unit,
                            "policy": policy or group_policy,
                        }
                    )
    return rows
