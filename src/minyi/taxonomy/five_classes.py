"""Place a row of a plain three-level content taxonomy under one of the five classes.

Many districts and public data sets classify appeals by subject only (e.g. 15 level-1 classes
such as 城乡建设, 政法, 民政, 劳动和社会保障 with their level-2 and level-3 classes). Minyi's
event dictionary puts everything under five classes of *service* instead: 投诉建议, 纠纷调解,
法律服务, 心理服务, 帮扶救助. This module is the product's decision on how the first maps onto
the second. Rules are tried in order and the first that matches wins:

1. anything mentioning 心理 (or 失独, 精神卫生/精神障碍, 自杀, 抑郁) → 心理服务;
   失独家庭 is included because what those families ask the government for is first of all
   心理慰藉, and a subject taxonomy has no psychological class of its own;
2. 政法 entries about disputes, mediation and arbitration (仲裁与调解, …纠纷) → 纠纷调解,
   except the enforcement of effective legal documents (生效法律文书执行), which is 涉法涉诉
   → 法律服务;
3. 劳动和社会保障 entries about labour disputes (劳动关系) and wage arrears (工资发放, 拖欠…)
   → 纠纷调解; so is any other entry naming 拖欠/欠薪 (e.g. 拖欠工程款);
4. any other entry whose name says 纠纷, 调解 or 仲裁 (医患纠纷, 土地权属纠纷, 水事纠纷…)
   → 纠纷调解;
5. 纪检监察 → 法律服务;
6. 政法 → 法律服务, except its public-security service and order entries (户籍证件, 交通管理,
   社会治安), which citizens raise as ordinary complaints → 投诉建议;
7. 民政 entries about relief, subsidies, welfare, support for the elderly and the disabled,
   低保, 救助, 优抚 → 帮扶救助;
8. 劳动和社会保障 entries about social-security benefits (城镇居民/职工社会保险, 退休政策及待遇)
   → 帮扶救助;
9. any other entry naming 救助, 扶贫, 低保 or 住房困难 (e.g. 教育救助, 扶贫开发) → 帮扶救助;
10. everything else → 投诉建议.

A level-1 value that is already one of the five classes maps to itself. The function is pure
and deterministic; the keyword tables below are the whole of the rule set.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPLAINT = "投诉建议"
DISPUTE = "纠纷调解"
LEGAL = "法律服务"
PSYCH = "心理服务"
ASSISTANCE = "帮扶救助"
FIVE_CLASSES = (COMPLAINT, DISPUTE, LEGAL, PSYCH, ASSISTANCE)
DEFAULT_CLASS = COMPLAINT


@dataclass(frozen=True)
class Rule:
    """Matches when every given condition holds; an empty condition always holds.

    level1 / level2: exact names the row's level must be one of.
    keywords: at least one must occur in the row's level1, level2 or level3 text.
    """

    target: str
    level1: tuple[str, ...] = ()
    level2: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def matches(self, level1: str, level2: str, level3: str) -> bool:
        if self.level1 and level1 not in self.level1:
            return False
        if self.level2 and level2 not in self.level2:
            return False
        if self.keywords:
            text = f"{level1}|{level2}|{level3}"
            return any(k in text for k in self.keywords)
        return True


PSYCH_WORDS = ("心理", "失独", "精神卫生", "精神障碍", "精神疾病", "自杀", "抑郁")
COURT_ENFORCEMENT_WORDS = ("法律文书执行",)
DISPUTE_WORDS = ("纠纷", "调解", "仲裁")
WAGE_ARREARS_WORDS = ("工资发放", "拖欠", "欠薪")
LABOUR_DISPUTE_LEVEL2 = ("劳动关系",)
PUBLIC_SECURITY_LEVEL2 = ("户籍证件", "交通管理", "社会治安")
CIVIL_AFFAIRS_ASSISTANCE_WORDS = (
    "救助",
    "低保",
    "特困",
    "救灾",
    "募捐",
    "捐赠",
    "慈善",
    "福利",
    "优抚",
    "抚恤",
    "伤残",
    "残疾",
    "老年",
    "养老",
    "高龄",
    "补贴",
    "生活无着",
    "孤儿",
    "困难",
)
SOCIAL_SECURITY_BENEFIT_LEVEL2 = ("城镇居民社会保险", "城镇职工社会保险", "退休政策及待遇")
ASSISTANCE_WORDS = ("救助", "扶贫", "低保", "住房困难")

RULES: tuple[Rule, ...] = (
    Rule(PSYCH, keywords=PSYCH_WORDS),
    Rule(LEGAL, level1=("政法",), keywords=COURT_ENFORCEMENT_WORDS),
    Rule(DISPUTE, level1=("政法",), keywords=DISPUTE_WORDS),
    Rule(DISPUTE, level1=("劳动和社会保障",), level2=LABOUR_DISPUTE_LEVEL2),
    Rule(DISPUTE, keywords=WAGE_ARREARS_WORDS),
    Rule(DISPUTE, keywords=DISPUTE_WORDS),
    Rule(LEGAL, level1=("纪检监察",)),
    Rule(COMPLAINT, level1=("政法",), level2=PUBLIC_SECURITY_LEVEL2),
    Rule(LEGAL, level1=("政法",)),
    Rule(ASSISTANCE, level1=("民政",), keywords=CIVIL_AFFAIRS_ASSISTANCE_WORDS),
    Rule(ASSISTANCE, level1=("劳动和社会保障",), level2=SOCIAL_SECURITY_BENEFIT_LEVEL2),
    Rule(ASSISTANCE, keywords=ASSISTANCE_WORDS),
)

RULES_DOC = """\
三级内容分类如何归入五大类（按顺序，先匹配者为准）：
1. 凡涉及“心理”（及失独、精神卫生、自杀、抑郁）的 → 心理服务；
2. 政法类中的纠纷、调解、仲裁 → 纠纷调解（生效法律文书执行属涉法涉诉 → 法律服务）；
3. 劳动和社会保障类中的劳动关系、工资拖欠，以及其他“拖欠/欠薪” → 纠纷调解；
4. 其他名称含“纠纷/调解/仲裁”的（如医患纠纷、土地权属纠纷） → 纠纷调解；
5. 纪检监察 → 法律服务；政法其余各项 → 法律服务（户籍证件、交通管理、社会治安按投诉建议处理）；
6. 民政类中的救助、低保、特困、优抚、福利慈善、养老助残、补贴 → 帮扶救助；
7. 劳动和社会保障类中的社会保险、退休待遇 → 帮扶救助；其他含“救助/扶贫/低保/住房困难”的 → 帮扶救助；
8. 其余一律 → 投诉建议。

How a plain three-level content taxonomy is placed under the five classes (first rule that
matches wins): anything about 心理 (also 失独, mental health, suicide, depression) is 心理服务;
disputes, mediation and arbitration under 政法, labour disputes and wage arrears, and any entry
named …纠纷/调解/仲裁 are 纠纷调解; 纪检监察 and the rest of 政法 are 法律服务, except
household registration, traffic and public order, which are ordinary complaints; relief, 低保,
special hardship, veterans' care, welfare, elderly and disability support and subsidies under
民政, social-insurance and retirement benefits under 劳动和社会保障, and any entry about 救助,
扶贫, 低保 or housing hardship are 帮扶救助; everything else is 投诉建议.
"""


def five_class_of(level1: str, level2: str = "", level3: str = "") -> str:
    """The five-class name for one row of a three-level taxonomy (never raises, never empty)."""
    l1, l2, l3 = ((s or "").strip() for s in (level1, level2, level3))
    if l1 in FIVE_CLASSES:
        return l1
    for rule in RULES:
        if rule.matches(l1, l2, l3):
            return rule.target
    return DEFAULT_CLASS
