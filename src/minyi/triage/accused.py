"""Complaint targets (信访工作条例: never hand a complaint to the one it complains about).

`AccusedDetector.find(text, place)` reports the units and staff an appeal complains *about*, as
opposed to the units it merely mentions or asks for help. A name (区住建局, 城管, 青松街道办,
a staff member's name, 王某, 区长) becomes a target when

- a complaint verb governs it: 投诉/举报/检举…, then the name, then the end of the clause, a
  misconduct word or a predicate (举报区住建局工作人员王某索贿, 投诉城管不作为); or
- a misconduct word follows it in the same clause with only adverbs between
  (街道办工作人员一直推诿, 城管队员态度恶劣).

A name followed by something else (投诉青松街道竹林社区的物业公司, 投诉城管噪音) only places
the matter and is not a target. 街道/社区/网格员 without a name mean the appeal's own place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.org.models import Staff, Unit
from minyi.triage.cache import VersionedCache, table_version
from minyi.triage.models import GazetteerEntry
from minyi.triage.places.scan import Hit, Matcher
from minyi.triage.places.store import load_entries, load_units
from minyi.triage.places.values import NamedPlace, PlaceLike, RegistryUnit
from minyi.triage.text import fold_width

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
_FILLER = re.compile(
    r"(?:的|一直|多次|长期|总是|经常|屡次|仍然|依然|还|也|都|就|却|极其|非常|很|太|十分|相当|特别"
    r"|存在|有|严重|对此|对我们|对群众|对我|工作|办事|执法|服务|过程中|时|明显|涉嫌|在)*"
)
# Between two pieces of one name: 城管的执法人员, 城管某队员, 社区一名工作人员.
_JOIN = re.compile(r"(?:的)?(?:某|一名|一位|个别|有关|相关)?")
# Between a complaint verb and its object: 被投诉单位：区住建局, 举报该局.
_AFTER_VERB = re.compile(r"[：:\s]*(?:了|该|本|称|是|为)?[：:\s]*")
_ENUMERATION = ("、", "和", "及", "以及", "与")
CUE_WINDOW = 8


@dataclass(frozen=True, slots=True)
class StaffRef:
    username: str
    name: str
    title: str | None
    unit_code: str
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class AccusedSpan:
    """One target: the name as written, what it resolved to, and the word that accuses it."""

    start: int
    end: int
    text: str
    unit_codes: tuple[str, ...]
    staff_usernames: tuple[str, ...]
    cue: str
    cue_start: int
    cue_end: int
    conduct: str  # corruption | abuse | inaction | attitude | unspecified


@dataclass(frozen=True, slots=True)
class AccusedFinding:
    """Who the appeal complains about. `unit_codes` includes the handling units of accused staff.

    The case must not be handled by these units, and the citizen's identity must be hidden
    from them (`hide_identity_from`) and from the staff named (`staff_usernames`).
    """

    unit_codes: tuple[str, ...] = ()
    staff_usernames: tuple[str, ...] = ()
    evidence: tuple[AccusedSpan, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.unit_codes or self.staff_usernames)

    @property
    def conduct(self) -> frozenset[str]:
        return frozenset(span.conduct for span in self.evidence)

    @property
    def hide_identity_from(self) -> tuple[str, ...]:
        return self.unit_codes


@dataclass(frozen=True, slots=True)
class _Token:
    """What a scanned word is. A word may be several things: 城管队员 is a unit and an official."""

    units: tuple[str, ...] = ()
    area: str | None = None  # street | community | grid, meaning the appeal's own
    staff: tuple[str, ...] = ()
    surname: str | None = None
    is_official: bool = False
    accuses: bool = False
    is_neutral: bool = False
    conduct: str | None = None

    @property
    def is_mention(self) -> bool:
        return bool(self.units or self.area or self.staff or self.surname or self.is_official)


@dataclass
class _Draft:
    units: dict[str, None] = field(default_factory=dict)
    area: str | None = None
    staff: dict[str, None] = field(default_factory=dict)
    surname: str | None = None
    is_official: bool = False
    accuses: bool = False
    is_neutral: bool = False
    conduct: str | None = None

    def token(self) -> _Token:
        return _Token(
            tuple(self.units),
            self.area,
            tuple(self.staff),
            self.surname,
            self.is_official,
            self.accuses,
            self.is_neutral,
            self.conduct,
        )


class AccusedDetector:
    """Built once from the registry (units, staff, admin aliases); `find` is pure."""

    def __init__(
        self, tokens: dict[str, _Token], staff: list[StaffRef], unit_kinds: dict[str, str]
    ) -> None:
        self._matcher: Matcher[_Token] = Matcher(tokens)
        self._unit_kinds = unit_kinds
        self._staff_unit = {s.username: s.unit_code for s in staff}
        self._by_unit_surname: dict[tuple[str, str], list[str]] = {}
        for s in staff:
            self._by_unit_surname.setdefault((s.unit_code, s.name[:1]), []).append(s.username)

    @classmethod
    def build(
        cls,
        units: Iterable[RegistryUnit],
        staff: Iterable[StaffRef],
        aliases: Iterable[NamedPlace] = (),
    ) -> AccusedDetector:
        active_units = [u for u in units if u.is_active]
        active_staff = [s for s in staff if s.is_active]
        drafts: dict[str, _Draft] = {}

        def draft(word: str) -> _Draft:
            return drafts.setdefault(word, _Draft())

        def unit_word(word: str, code: str) -> None:
            if len(word) >= 2:
                draft(word).units[code] = None

        for unit in active_units:
            if unit.kind == "department":
                for name in _department_names(unit.name):
                    unit_word(name, unit.code)
                for keyword, short_names in DEPARTMENT_ALIASES.items():
                    if keyword in unit.name:
                        for name in short_names:
                            unit_word(name, unit.code)
                            unit_word("区" + name, unit.code)  # 区住建局
            elif unit.kind == "street":
                for suffix in ("", "办", "办事处"):
                    unit_word(unit.name + suffix, unit.code)
            elif unit.kind == "community":
                stem = unit.name.removesuffix("社区")
                for name in (unit.name, unit.name + "居委会", stem + "居委会"):
                    unit_word(name, unit.code)
            elif unit.kind == "grid":
                unit_word(unit.name, unit.code)
        codes = {u.code for u in active_units}
        for alias in aliases:
            if alias.kind == "alias" and alias.unit_code in codes:
                unit_word(alias.name, alias.unit_code)
        for word, level in GENERIC_AREAS.items():
            draft(word).area = level
        for word in OFFICIAL_WORDS:
            draft(word).is_official = True
        draft("网格员").is_official = True
        draft("城管队员").is_official = True

        holders: dict[str, list[str]] = {}
        for person in active_staff:
            if len(person.name) >= 2:
                draft(person.name).staff[person.username] = None
            title = re.sub(r"[（(].*?[)）]", "", person.title or "").strip()
            if len(title) >= 2:
                holders.setdefault(title, []).append(person.username)
        for title, usernames in holders.items():
            # A title few people hold (区长, 常务副区长) names them; 承办人 names nobody.
            if len(usernames) <= 3 and title not in OFFICIAL_WORDS:
                d = draft(title)
                d.is_official = True
                d.staff.update(dict.fromkeys(usernames))
        for surname in {p.name[:1] for p in active_staff if p.name}:
            for word in (surname + "某", surname + "某某"):
                draft(word).surname = surname
            for title in SURNAME_TITLES:
                d = draft(surname + title)
                d.surname, d.is_official = surname, True

        for word in ACCUSE_WORDS:
            draft(word).accuses = True
        for word in NEUTRAL_WORDS:
            draft(word).is_neutral = True
        for conduct, words in CONDUCT_WORDS.items():
            for word in words:
                draft(word).conduct = conduct
        tokens = {word: d.token() for word, d in drafts.items()}
        return cls(tokens, active_staff, {u.code: u.kind for u in active_units})

    def find(self, text: str | None, place: PlaceLike | None = None) -> AccusedFinding:
        if not text:
            return AccusedFinding()
        norm = fold_width(text, punctuation=True)
        hits = self._matcher.scan(norm)
        spans: list[AccusedSpan] = []
        last_target_end = -1
        last_cue = (0, 0, "unspecified")
        i = 0
        while i < len(hits):
            if not hits[i].payload.is_mention:
                i += 1
                continue
            j = i
            while (
                j + 1 < len(hits)
                and hits[j + 1].payload.is_mention
                and _JOIN.fullmatch(norm[hits[j].end : hits[j + 1].start])
            ):
                j += 1
            phrase = hits[i : j + 1]
            start, end = phrase[0].start, phrase[-1].end
            cue = self._accusation(norm, hits, i, j, last_target_end, last_cue)
            if cue is not None:
                units, staff = self._resolve([h.payload for h in phrase], place)
                if units or staff:
                    cue_start, cue_end, conduct = cue
                    spans.append(
                        AccusedSpan(
                            start,
                            end,
                            text[start:end],
                            units,
                            staff,
                            text[cue_start:cue_end],
                            cue_start,
                            cue_end,
                            conduct,
                        )
                    )
                    last_target_end, last_cue = end, cue
            i = j + 1
        units = tuple(dict.fromkeys(code for s in spans for code in s.unit_codes))
        staff = tuple(dict.fromkeys(name for s in spans for name in s.staff_usernames))
        return AccusedFinding(units, staff, tuple(spans))

    def _accusation(
        self,
        text: str,
        hits: list[Hit[_Token]],
        i: int,
        j: int,
        last_target_end: int,
        last_cue: tuple[int, int, str],
    ) -> tuple[int, int, str] | None:
        """(cue start, cue end, conduct) when the phrase hits[i..j] is complained about."""
        start, end = hits[i].start, hits[j].end
        for k in range(j + 1, len(hits)):
            nxt = hits[k]
            if nxt.start - end > CUE_WINDOW or nxt.payload.is_mention:
                break
            if nxt.payload.conduct:
                if _FILLER.fullmatch(text[end : nxt.start]):
                    return nxt.start, nxt.end, nxt.payload.conduct
                break
        prev = hits[i - 1] if i > 0 else None
        governed = (
            prev is not None
            and prev.payload.accuses
            and not prev.payload.is_neutral
            and _AFTER_VERB.fullmatch(text[prev.end : start]) is not None
        )
        listed = last_target_end >= 0 and text[last_target_end:start] in _ENUMERATION
        if not (governed or listed):
            return None
        after = text[end:].removeprefix("的")
        if after and after[0] not in CLAUSE_BREAKS and not after.startswith(PREDICATE_STARTS):
            return None
        if governed:
            assert prev is not None
            return prev.start, prev.end, "unspecified"
        return last_cue  # the second of 举报城管、住建局 shares the first one's verb

    def _resolve(
        self, phrase: list[_Token], place: PlaceLike | None
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The unit a phrase names (its last, most specific unit) and the staff it names."""
        units: dict[str, None] = {}
        named = [t for t in phrase if t.units or t.area]
        if named:
            last = named[-1]
            if last.units:
                units.update(dict.fromkeys(last.units))
            elif place is not None and last.area and (code := getattr(place, last.area, None)):
                units[code] = None
        staff: dict[str, None] = {}
        for token in phrase:
            staff.update(dict.fromkeys(token.staff))
            if token.surname and len(units) == 1:
                (code,) = units
                staff.update(
                    dict.fromkeys(self._by_unit_surname.get((code, token.surname), [])[:5])
                )
        for username in staff:
            code = self._staff_unit.get(username)
            if code and self._unit_kinds.get(code) in TARGET_UNIT_KINDS:
                units[code] = None
        kept = tuple(code for code in units if self._unit_kinds.get(code) in TARGET_UNIT_KINDS)
        return kept, tuple(staff)


def _department_names(name: str) -> list[str]:
    """区住房和建设局 → itself and 住房和建设局; 区委政法委（区综治中心）→ each part too."""
    parts = [name, *re.split(r"[（()）]", name)]
    out: list[str] = []
    for part in (p.strip() for p in parts):
        if len(part) < 2:
            continue
        out.append(part)
        if part.startswith("区") and len(part) > 3:
            out.append(part[1:])
    return out


def load_staff(session: Session) -> list[StaffRef]:
    rows = session.execute(
        select(Staff.username, Staff.name, Staff.title, Unit.code, Staff.is_active).join(
            Unit, Unit.id == Staff.unit_id
        )
    )
    return [StaffRef(*row) for row in rows]


def load_detector(session: Session) -> AccusedDetector:
    return AccusedDetector.build(load_units(session), load_staff(session), load_entries(session))


DETECTORS: VersionedCache[AccusedDetector] = VersionedCache(
    load_detector, lambda session: table_version(session, Unit, Staff, GazetteerEntry)
)


def detector_for(session: Session) -> AccusedDetector:
    """The cached detector of the session's database."""
    return DETECTORS.get(session)


def find_accused(
    source: Session | AccusedDetector, text: str | None, place: PlaceLike | None = None
) -> AccusedFinding:
    detector = source if isinstance(source, AccusedDetector) else detector_for(source)
    return detector.find(text, place)
