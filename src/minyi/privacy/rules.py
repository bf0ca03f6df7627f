"""The privacy policy as pure code: who reads a case's personal data in clear, masked or not at
all, and the masker that finds personal data written into free text.

Every outlet (API, web pages, exports, CLI, Open311, webhooks, notifications, reports) asks
`case_view` once per (reader, case) and passes every personal field and every free-text field
through the `CaseView` it gets back, so the outlets cannot disagree.

    reader                                   name    phone   id_card address attachments text
    contact (clerk, dispatcher, staff of a   clear   clear   clear   clear   clear       clear
      unit handling the case)
    oversight (leader, supervisor, admin,    masked  masked  masked  masked  clear       masked
      area staff, unit staff not handling)
    accused (staff of a unit the appeal      hidden  hidden  hidden  masked  hidden      hidden
      complains about, or a unit under it)
    public (citizen tracking page, Open311)  hidden  hidden  hidden  hidden  hidden      hidden

A confidential appeal (保密) hides the name from every reader but the contact roles.
"Masked" text keeps what the field shows masked (138****8000, 1101**********1233, 张*);
"hidden" text replaces personal data with a placeholder that keeps nothing of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from minyi.org.rules import DISTRICT_WIDE, Actor, Role

# The steps of a case a citizen sees on the tracking page (and Open311, and the public API):
# what was done for them. Escalation, whistles and their reports-in, supervision, instructions,
# clock events and bounces are the government's inside work and stay inside.
CITIZEN_STEPS = frozenset(
    {
        "register",
        "accept",
        "decline",
        "dispatch",
        "sign_for",
        "record_contact",
        "record_visit",
        "reply",
        "approve_reply",  # 答复审核: to the citizen the approval is the reply itself (cases/tracking.py)
        "feedback",
        "reopen",
        "archive",
    }
)


def citizen_sees(action: str) -> bool:
    return action in CITIZEN_STEPS


class Show(StrEnum):
    CLEAR = "clear"
    MASKED = "masked"
    HIDDEN = "hidden"


class Reader(StrEnum):
    """The reader's standing towards one case; the policy table's rows."""

    CONTACT = "contact"
    OVERSIGHT = "oversight"
    ACCUSED = "accused"
    PUBLIC = "public"


# Roles that contact the citizen on every case they see: the number is their working tool.
CONTACT_ROLES = frozenset({Role.INTAKE_CLERK, Role.DISPATCHER})
# Roles that contact the citizen on the cases their unit handles (and see the rest masked).
UNIT_CONTACT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD})

FIELDS = ("name", "phone", "id_card", "address", "attachments", "text")

POLICY: dict[Reader, dict[str, Show]] = {
    Reader.CONTACT: dict.fromkeys(FIELDS, Show.CLEAR),
    Reader.OVERSIGHT: {
        "name": Show.MASKED,
        "phone": Show.MASKED,
        "id_card": Show.MASKED,
        "address": Show.MASKED,
        "attachments": Show.CLEAR,
        "text": Show.MASKED,
    },
    Reader.ACCUSED: {
        "name": Show.HIDDEN,
        "phone": Show.HIDDEN,
        "id_card": Show.HIDDEN,
        "address": Show.MASKED,
        "attachments": Show.HIDDEN,
        "text": Show.HIDDEN,
    },
    Reader.PUBLIC: dict.fromkeys(FIELDS, Show.HIDDEN),
}


def identity_hidden(
    role: Role | None,
    unit_code: str | None,
    unit_path: str | None,
    hidden_from: Iterable[str] | None,
    *,
    checked: bool = True,
) -> bool:
    """Whether a staff member belongs to a unit the appeal complains about, or to a unit under one.

    `checked` says whether the complaint-target check has run on the case: until it has, every
    unit-level reader is treated as accused (district-wide roles register and dispatch, so they
    must read it). This is the one place that decides."""
    if role is None:
        return False
    if not checked:
        return role not in DISTRICT_WIDE
    if not hidden_from:
        return False
    chain = set((unit_path or "").split("/")) | {unit_code}
    return not chain.isdisjoint(hidden_from)


def reader_of(
    actor: Actor,
    *,
    hidden_from: Iterable[str] | None,
    handling_unit_ids: Collection[int],
    checked: bool = True,
) -> Reader:
    if actor.role is None:
        return Reader.PUBLIC
    if identity_hidden(actor.role, actor.unit_code, actor.unit_path, hidden_from, checked=checked):
        return Reader.ACCUSED
    if actor.role in CONTACT_ROLES:
        return Reader.CONTACT
    # Any staff of a unit handling the case works it, whatever their role: they phone the citizen.
    if actor.unit_id is not None and actor.unit_id in handling_unit_ids:
        return Reader.CONTACT
    return Reader.OVERSIGHT


# --- free text ---------------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d"


class _Fold(dict[int, int]):
    """str.translate table mapping every Unicode decimal digit and the full-width forms of
    + - x X ( ) and space to ASCII, one character to one character (NFKC or the digit value),
    so masks found on the folded text sit at the same offsets in the original. Filled per
    character on first sight: building it for the whole BMP would cost every start-up 80 ms."""

    def __missing__(self, cp: int) -> int:
        ch = chr(cp)
        out = cp
        if cp >= 0x80:
            if unicodedata.category(ch) == "Nd":
                out = ord(str(unicodedata.decimal(ch)))
            elif ch in _DASHES:
                out = ord("-")
            else:
                folded = unicodedata.normalize("NFKC", ch)
                if len(folded) == 1 and folded in "+-xX ()":
                    out = ord(folded)
        self[cp] = out
        return out


_FOLD = _Fold()
_SEP = r"[ \-]?"
# Not glued to more digits, not even through a separator: tracking numbers, dates and amounts
# are runs of digits the patterns below must not cut a phone out of.
_BEFORE = r"(?<![0-9])(?<![0-9][ \-])"
_AFTER = r"(?![0-9])(?![ \-][0-9])"
_ID18 = rf"[1-9](?:{_SEP}[0-9]){{16}}{_SEP}[0-9Xx](?![0-9A-Za-z])"
_ID15 = rf"[1-9](?:{_SEP}[0-9]){{14}}"
_MOBILE = rf"(?:(?:\+|00)?86{_SEP})?1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}"
_LANDLINE = (
    rf"(?:\(0[0-9]{{2,3}}\)|0[1-9][0-9]{{1,2}}){_SEP}[1-9](?:{_SEP}[0-9]){{6,7}}(?:转[0-9]{{1,5}})?"
)
_NUM = "[0-9A-Za-z]+"
_CN = "[0-9A-Za-z一二三四五六七八九十两]+"
_BUILDING = rf"(?:{_CN}(?:栋|幢|号楼|单元)|{_NUM}座|[0-9]+(?:室|号房)|[0-9]+楼[0-9]+(?:号|室)?|(?<![0-9])[0-9]{{1,3}}-[0-9]{{1,3}}-[0-9]{{2,4}}(?![0-9])(?:室|号)?)"
_FLAT = rf"{_BUILDING}(?:[ \-]*(?:{_BUILDING}|[0-9A-Za-z]+(?:楼|层|号|户|室)?))*"
_PATTERN = re.compile(
    rf"{_BEFORE}(?P<id>{_ID18}|{_ID15}{_AFTER})|{_BEFORE}(?P<phone>{_MOBILE}|{_LANDLINE}){_AFTER}|(?P<flat>{_FLAT})"
)
_HINT = re.compile(r"[\d栋幢座]|单元|号楼")
# Two-character surnames, for "欧阳先生"; a name not starting with one has a one-character surname.
_COMPOUND = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "闻人",
    ]
)
_TITLES = ("先生", "女士", "小姐", "阿姨", "大爷", "师傅")


def _plausible_id(digits: str) -> bool:
    """A birth date where an ID number carries one: keeps 18-digit order numbers unmasked."""
    if len(digits) == 18:
        year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
        return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31
    month, day = int(digits[8:10]), int(digits[10:12])
    return 1 <= month <= 12 and 1 <= day <= 31


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = re.sub(r"[^0-9]", "", phone.translate(_FOLD))
    if len(digits) > 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "****"


def mask_email(address: str | None) -> str | None:
    """zhang.san@example.com -> z***@example.com: the domain says which mailbox, not whose."""
    if not address:
        return address
    local, at, domain = address.partition("@")
    return (local[:1] + "***" + at + domain) if at else "***"


def mask_recipient(channel: str, recipient: str | None) -> str:
    """An outbox recipient as an administrator may see it: a phone or email masked, a webhook
    shown by its host only (its URL may carry a key)."""
    if not recipient:
        return ""
    if channel == "sms":
        return mask_phone(recipient) or ""
    if channel == "email":
        return mask_email(recipient) or ""
    host = re.sub(r"^[a-z]+://", "", recipient).split("/", 1)[0]
    return host or "***"


def mask_id_card(number: str | None) -> str | None:
    if not number:
        return number
    compact = re.sub(r"[^0-9Xx]", "", number.translate(_FOLD)).upper()
    if len(compact) <= 8:
        return "*" * len(compact)
    return compact[:4] + "*" * (len(compact) - 8) + compact[-4:]


def surname(name: str) -> str:
    return name[:2] if len(name) >= 3 and name[:2] in _COMPOUND else name[:1]


def mask_name(name: str | None) -> str | None:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳**; a name that is already only a surname and a title
    (程先生) keeps its shape with the surname gone (某先生)."""
    if not name:
        return name
    for title in _TITLES:
        if name.endswith(title) and len(name) > len(title):
            return "某" + title
    head = surname(name)
    return head + "*" * max(len(name) - len(head), 1)


def mask_address(address: str | None) -> str | None:
    """Keeps the estate and road, masks everything from the building down."""
    if not address:
        return address
    folded = address.translate(_FOLD)
    match = re.search(_FLAT, folded)
    return address if match is None else address[: match.start()] + "***"


HIDDEN_PLACEHOLDER = {
    "id": "[身份证号已隐去]",
    "phone": "[电话已隐去]",
    "flat": "***",
    "name": "某某",
}


def mask_text(text: str, *, names: Iterable[str | None] = (), hide: bool = False) -> str:
    """Personal data in free text, masked (`hide=False`) or replaced by a placeholder: phone
    numbers however written, ID numbers, flat addresses below the building, and the given names
    (the complainant's own), with their surname plus 先生/女士."""
    if not text:
        return text
    # Most titles hold no digit at all: one search on the raw text (\d is every Unicode digit)
    # spares them the fold.
    if _HINT.search(text):
        text = _mask_numbers(text, text.translate(_FOLD), hide)
    for name in names:
        if name and len(name) >= 2:
            text = _mask_name_in(text, name, hide)
    return text


# Three digits or more standing alone (a code like "b9984f" is not a number anyone dials).
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ \-]?[0-9]){2,}(?![0-9A-WYZa-wyz])")


def looks_personal(query: str) -> bool:
    """Whether a search term could be (part of) a phone, ID number or flat: three digits in a
    row standing alone, however written, or anything the masker would mask. Such a term must not match text a
    reader sees masked."""
    folded = query.translate(_FOLD)
    if _DIGIT_RUN.search(folded) or any(title in query for title in _TITLES):
        return True
    return mask_text(query) != query


def _mask_numbers(text: str, folded: str, hide: bool) -> str:
    out: list[str] = []
    last = 0
    for match in _PATTERN.finditer(folded):
        kind = match.lastgroup or "flat"
        found = match.group()
        if kind == "id" and not _plausible_id(re.sub(r"[^0-9Xx]", "", found)):
            continue
        if hide:
            masked = HIDDEN_PLACEHOLDER[kind]
        elif kind == "id":
            masked = mask_id_card(found) or ""
        elif kind == "phone":
            masked = mask_phone(re.sub(r"^(?:\+|00)?86[ \-]?(?=1)", "", found)) or ""
        else:
            masked = "***"
        out.append(text[last : match.start()])
        out.append(masked)
        last = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _mask_name_in(text: str, name: str, hide: bool) -> str:
    if name in text:
        text = text.replace(name, HIDDEN_PLACEHOLDER["name"] if hide else (mask_name(name) or ""))
    head = surname(name)
    if head in text:
        for title in _TITLES:
            if head + title in text:
                text = text.replace(head + title, "某" + title)
    return text


# --- the view one reader gets of one case -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseView:
    """What one reader sees of one case's personal data; every outlet formats through it."""

    reader: Reader
    name: Show
    phone: Show
    id_card: Show
    address: Show
    attachments: Show
    text: Show
    names: tuple[str, ...] = ()

    @property
    def clear(self) -> bool:
        return self.text is Show.CLEAR

    def show_name(self, value: str | None) -> str | None:
        return _apply(self.name, value, mask_name)

    def show_phone(self, value: str | None) -> str | None:
        return _apply(self.phone, value, mask_phone)

    def show_id_card(self, value: str | None) -> str | None:
        return _apply(self.id_card, value, mask_id_card)

    def show_address(self, value: str | None) -> str | None:
        return _apply(self.address, value, mask_address)

    def show_text(self, value: str | None) -> str | None:
        if not value or self.text is Show.CLEAR:
            return value
        return mask_text(value, names=self.names, hide=self.text is Show.HIDDEN)

    def show_any(self, value: object) -> object:
        """Every string inside a payload (dicts and lists walked), through `show_text`."""
        if self.text is Show.CLEAR:
            return value
        if isinstance(value, str):
            return self.show_text(value)
        if isinstance(value, dict):
            return {k: self.show_any(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.show_any(v) for v in value]
        return value


def _apply(show: Show, value: str | None, mask: Callable[[str | None], str | None]) -> str | None:
    if show is Show.CLEAR or not value:
        return value
    if show is Show.HIDDEN:
        return None
    return mask(value)


def case_view(
    actor: Actor,
    *,
    hidden_from: Iterable[str] | None,
    handling_unit_ids: Collection[int],
    is_confidential: bool,
    citizen_name: str | None,
    checked: bool = True,
) -> CaseView:
    """The policy for one reader and one case, from plain values (no ORM objects, no session)."""
    reader = reader_of(
        actor, hidden_from=hidden_from, handling_unit_ids=handling_unit_ids, checked=checked
    )
    row = POLICY[reader]
    name = row["name"]
    if is_confidential and reader is not Reader.CONTACT:
        name = Show.HIDDEN
    return CaseView(
        reader=reader,
        name=name,
        phone=row["phone"],
        id_card=row["id_card"],
        address=row["address"],
        attachments=row["attachments"],
        text=row["text"],
        names=(citizen_name,) if citizen_name else (),
    )


PUBLIC_VIEW = CaseView(Reader.PUBLIC, *(Show.HIDDEN,) * 6)


def public_view(citizen_name: str | None) -> CaseView:
    """What the public (tracking page, Open311) reads of a case: no personal data, the
    complainant's name included wherever the text repeats it."""
    return CaseView(
        Reader.PUBLIC, *(Show.HIDDEN,) * 6, names=(citizen_name,) if citizen_name else ()
    )


def oversight_view(citizen_name: str | None, *, is_confidential: bool = False) -> CaseView:
    """The oversight row for a case read by no one signed in: what a report or a message to
    leaders carries (the readers it goes to all read the case masked)."""
    row = POLICY[Reader.OVERSIGHT]
    return CaseView(
        Reader.OVERSIGHT,
        Show.HIDDEN if is_confidential else row["name"],
        row["phone"],
        row["id_card"],
        row["address"],
        row["attachments"],
        row["text"],
        names=(citizen_name,) if citizen_name else (),
    )


# Staff-written text tied to no case (an instruction on a report item, an order on a unit's work,
# a whistle on a place) may still quote an appeal: every reader gets its numbers and flats masked.
# Without a case there is no complainant to name, and no reader who contacts one.
UNLINKED_VIEW = oversight_view(None)


PATROL_TEXT_HIDDEN = "［走访发现仅本网格所在街道、社区、网格工作人员可见］"


def patrol_text_show(actor: Actor, *, grid_path: str, author_id: int) -> Show:
    """A patrol's finding (党建覆盖 走访) is staff-written text about residents whose names no
    field records, so the masker cannot find them: the author and the staff of the grid's own
    area (grid, community, street) read it in clear, every other reader not at all (they read
    the grid event it became, through that case's policy)."""
    if actor.staff_id == author_id:
        return Show.CLEAR
    if (
        actor.role in (Role.GRID_STAFF, Role.COMMUNITY_STAFF, Role.STREET_STAFF)
        and actor.unit_path
        and grid_path.startswith(actor.unit_path)
    ):
        return Show.CLEAR
    return Show.HIDDEN


def patrol_text(actor: Actor, text: str | None, *, grid_path: str, author_id: int) -> str | None:
    if (
        text is None
        or patrol_text_show(actor, grid_path=grid_path, author_id=author_id) is Show.CLEAR
    ):
        return text
    return PATROL_TEXT_HIDDEN


# --- 平安志愿者 ------------------------------------------------------------------------------
# Who keeps the volunteers of an area (approves them, verifies their reports): they read the
# volunteers of their own area in clear.
VOLUNTEER_KEEPERS = frozenset({Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF})


def volunteer_show(actor: Actor | None, *, community_path: str, is_self: bool = False) -> Show:
    """A volunteer's name and phone, and the text of their reports: in clear to the volunteer
    themself (signed in on the portal), to the administrator and to the street or community
    staff over the volunteer's community; masked to every other member of staff; hidden from the
    public (whose ranking shows masked names only, see `volunteer_contact`)."""
    if is_self:
        return Show.CLEAR
    if actor is None or actor.role is None:
        return Show.HIDDEN
    if actor.role is Role.ADMIN:
        return Show.CLEAR
    if (
        actor.role in VOLUNTEER_KEEPERS
        and actor.unit_path
        and community_path.startswith(actor.unit_path)
    ):
        return Show.CLEAR
    return Show.MASKED


def volunteer_contact(
    actor: Actor | None,
    name: str | None,
    phone: str | None,
    *,
    community_path: str,
    is_self: bool = False,
) -> tuple[str | None, str | None]:
    """(name, phone) as this reader may see them. The public reads the masked name (the public
    ranking, 张*) and no phone."""
    show = volunteer_show(actor, community_path=community_path, is_self=is_self)
    if show is Show.CLEAR:
        return name, phone
    if show is Show.MASKED:
        return mask_name(name), mask_phone(phone)
    return mask_name(name), None


def volunteer_text(
    actor: Actor | None, text: str | None, *, community_path: str, name: str | None
) -> str | None:
    """A report's free text: clear to the keepers of its area, masked (phones, ID numbers,
    flats, the volunteer's own name) to other staff, hidden from the public."""
    if text is None:
        return None
    show = volunteer_show(actor, community_path=community_path)
    if show is Show.CLEAR:
        return text
    return mask_text(text, names=[name], hide=show is Show.HIDDEN)


def household_head_show(actor: Actor, *, grid_path: str, covers: bool = False) -> Show:
    """A household head's name and phone (党建覆盖 联户): the staff of the grid's own area
    (grid, community, street) read them in clear, as they keep them; whoever is assigned to the
    building (a party member, a cadre sent down: `covers`) reads them masked, enough to knock on
    the right door; every other reader, district-wide roles included, not at all."""
    if (
        actor.role in (Role.GRID_STAFF, Role.COMMUNITY_STAFF, Role.STREET_STAFF)
        and actor.unit_path
        and grid_path.startswith(actor.unit_path)
    ):
        return Show.CLEAR
    if covers:
        return Show.MASKED
    return Show.HIDDEN


def household_head(
    actor: Actor,
    name: str | None,
    phone: str | None,
    *,
    grid_path: str,
    covers: bool = False,
) -> tuple[str | None, str | None]:
    """(name, phone) of a household's head as this reader may see them."""
    show = household_head_show(actor, grid_path=grid_path, covers=covers)
    if show is Show.HIDDEN:
        return (None, None)
    return (_apply(show, name, mask_name), _apply(show, phone, mask_phone))


MARKET_TEXT_HIDDEN = "［现场解答内容仅本摊位工作人员可见］"


def market_text(actor: Actor, text: str | None, *, stall_staff_ids: Collection[int]) -> str | None:
    """A policy question and its answer recorded at a market stall (服务市集 政策解答) have no
    name or phone field (the form asks for none), yet staff may write a resident's name into
    them, which the masker cannot find: as a patrol's finding, the stall's own staff read it in
    clear and every other reader not at all (the figures count it all the same)."""
    if text is None or (actor.staff_id is not None and actor.staff_id in stall_staff_ids):
        return text
    return MARKET_TEXT_HIDDEN


# --- leaders' receptions (下沉接访) ------------------------------------------------------------
BOOKER_HIDDEN = "［仅接访领导和组织接访的工作人员可见］"


def booker_show(actor: Actor, *, leader_id: int, place_path: str) -> Show:
    """A reception's citizens (name, phone and the matter in their words): the leader receiving
    them and the staff organising the reception (the district's centre; the street or community
    staff of the place) read them in clear, to call and to receive them; the other leaders, the
    supervisors and the dispatchers read them masked; nobody else, and never a citizen (the
    portal shows a booker only their own booking, by its confirmation number)."""
    if actor.role is None:
        return Show.HIDDEN
    if actor.staff_id == leader_id or actor.role in (Role.ADMIN, Role.INTAKE_CLERK):
        return Show.CLEAR
    if (
        actor.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF)
        and actor.unit_path
        and place_path.startswith(actor.unit_path)
    ):
        return Show.CLEAR
    if actor.role in (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER):
        return Show.MASKED
    return Show.HIDDEN


@dataclass(frozen=True)
class BookerView:
    show: Show

    def name(self, value: str) -> str:
        if self.show is Show.CLEAR:
            return value
        return (mask_name(value) or "") if self.show is Show.MASKED else HIDDEN_PLACEHOLDER["name"]

    def phone(self, value: str) -> str:
        if self.show is Show.CLEAR:
            return value
        return (
            (mask_phone(value) or "") if self.show is Show.MASKED else HIDDEN_PLACEHOLDER["phone"]
        )

    def text(self, value: str, *, name: str) -> str:
        if self.show is Show.CLEAR:
            return value
        if self.show is Show.MASKED:
            return mask_text(value, names=[name])
        return BOOKER_HIDDEN


def booker_view(actor: Actor, *, leader_id: int, place_path: str) -> BookerView:
    return BookerView(booker_show(actor, leader_id=leader_id, place_path=place_path))


# --- service sites: appointments with a professional (五类服务) ---------------------------------
APPOINTMENT_HIDDEN = "［仅预约的专业人员和站点管理人员可见］"
# Who may read another professional's appointments masked (to plan the hall), never counselling.
_APPOINTMENT_MASKED_ROLES = (Role.INTAKE_CLERK, Role.DISPATCHER, Role.SUPERVISOR)


def appointment_show(
    actor: Actor | None,
    *,
    staff_id: int | None,
    site_path: str,
    site_unit_id: int,
    service: str,
) -> Show:
    """A citizen's appointment at a service site (name, phone, the topic in their words): the
    professional booked and the site's keepers (an administrator; the street or community staff
    of the site's area) read it in clear, to call and to receive the citizen; the centre's
    clerks, dispatchers and supervisors and the site's other professionals read it masked; nobody
    else, and never a citizen (the portal shows a booker only their own booking, masked). A
    counselling appointment (心理服务) is no one's business but the counsellor's and the keepers':
    the masked readers do not see it at all."""
    if actor is None or actor.role is None:
        return Show.HIDDEN
    if staff_id is not None and actor.staff_id == staff_id:
        return Show.CLEAR
    if actor.role is Role.ADMIN:
        return Show.CLEAR
    if (
        actor.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF)
        and actor.unit_path
        and site_path.startswith(actor.unit_path)
    ):
        return Show.CLEAR
    if service == "counselling":
        return Show.HIDDEN
    if actor.role in _APPOINTMENT_MASKED_ROLES or (
        actor.role is Role.SERVICE_STAFF and actor.unit_id == site_unit_id
    ):
        return Show.MASKED
    return Show.HIDDEN


@dataclass(frozen=True)
class AppointmentView:
    show: Show

    def name(self, value: str) -> str:
        if self.show is Show.CLEAR:
            return value
        return (mask_name(value) or "") if self.show is Show.MASKED else HIDDEN_PLACEHOLDER["name"]

    def phone(self, value: str) -> str:
        if self.show is Show.CLEAR:
            return value
        return (
            (mask_phone(value) or "") if self.show is Show.MASKED else HIDDEN_PLACEHOLDER["phone"]
        )

    def topic(self, value: str, *, name: str) -> str:
        if self.show is Show.CLEAR:
            return value
        if self.show is Show.MASKED:
            return mask_text(value, names=[name])
        return APPOINTMENT_HIDDEN


def appointment_view(
    actor: Actor | None,
    *,
    staff_id: int | None,
    site_path: str,
    site_unit_id: int,
    service: str,
) -> AppointmentView:
    return AppointmentView(
        appointment_show(
            actor,
            staff_id=staff_id,
            site_path=site_path,
            site_unit_id=site_unit_id,
            service=service,
        )
    )


# --- 纠纷调解 (mediation): the parties of a dispute ------------------------------------------
def party_show(
    actor: Actor | None,
    *,
    mediator_ids: Collection[int],
    area_paths: Collection[str],
    own_side: bool = False,
) -> Show:
    """A party's contacts (phone, ID number, address): the dispute's mediators and the street or
    community staff of its area (the site's, the case's place) read them in clear, to call the
    parties and to write the agreement; every other member of staff reads them masked; a
    citizen reads only their own side's, never the other side's."""
    if actor is None or actor.role is None:
        return Show.CLEAR if own_side else Show.HIDDEN
    if actor.staff_id is not None and actor.staff_id in mediator_ids:
        return Show.CLEAR
    if (
        actor.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF)
        and actor.unit_path
        and any(p and p.startswith(actor.unit_path) for p in area_paths)
    ):
        return Show.CLEAR
    return Show.MASKED


def party_contacts(
    show: Show, *, name: str, phone: str | None, id_number: str | None, address: str | None
) -> dict[str, str | None]:
    """A party as `party_show` lets this reader see it: masked, the name keeps its surname
    (张*) and the contacts their ends; hidden, the surname alone and no contact (a citizen knows
    who the other side is, not how to reach them)."""
    if show is Show.CLEAR:
        return {"name": name, "phone": phone, "id_number": id_number, "address": address}
    if show is Show.MASKED:
        return {
            "name": mask_name(name),
            "phone": mask_phone(phone),
            "id_number": mask_id_card(id_number),
            "address": mask_address(address),
        }
    return {"name": mask_name(name), "phone": None, "id_number": None, "address": None}


def mediation_text(show: Show, text: str | None, *, names: Iterable[str | None]) -> str | None:
    """The dispute's free text (facts, minutes, terms) carries the parties' details: clear to
    those who read the parties in clear, masked to other staff."""
    if text is None or show is Show.CLEAR:
        return text
    return mask_text(text, names=names, hide=show is Show.HIDDEN)


# --- 法律服务 (legal help) ---------------------------------------------------------------------
LEGAL_HIDDEN = "［仅承办律师、区司法局和督查人员可见］"


def legal_show(actor: Actor, *, author_ids: Collection[int], aid_unit: str | None) -> Show:
    """A legal consultation (the citizen's name, phone, question and the advice given) and a
    legal-aid referral (the applicant's situation): the lawyer who gave the advice (or referred,
    or was assigned) and the supervisors read them in clear; once it is referred for legal aid,
    so do the aid unit's staff (区司法局) and the administrator who may decide it; every other
    reader sees only that it exists and is counted."""
    if actor.role is None:
        return Show.HIDDEN
    if actor.staff_id is not None and actor.staff_id in author_ids:
        return Show.CLEAR
    if actor.role is Role.SUPERVISOR:
        return Show.CLEAR
    if aid_unit is not None and (
        actor.role is Role.ADMIN
        or (
            actor.role in (Role.UNIT_HEAD, Role.UNIT_HANDLER)
            and actor.unit_code is not None
            and actor.unit_code == aid_unit
        )
    ):
        return Show.CLEAR
    return Show.HIDDEN


@dataclass(frozen=True)
class LegalView:
    show: Show

    @property
    def clear(self) -> bool:
        return self.show is Show.CLEAR

    def name(self, value: str | None) -> str:
        return (value or "") if self.clear else HIDDEN_PLACEHOLDER["name"]

    def phone(self, value: str | None) -> str | None:
        if self.clear or not value:
            return value
        return HIDDEN_PLACEHOLDER["phone"]

    def text(self, value: str | None) -> str:
        return (value or "") if self.clear else LEGAL_HIDDEN


def legal_view(actor: Actor, *, author_ids: Collection[int], aid_unit: str | None) -> LegalView:
    return LegalView(legal_show(actor, author_ids=author_ids, aid_unit=aid_unit))


# --- relief (帮扶救助) ---------------------------------------------------------------------------
RELIEF_OVERSEERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER})
RELIEF_HIDDEN = "［仅审核人员可见］"


def relief_show(actor: Actor | None, *, is_reviewer: bool) -> Show:
    """A relief applicant's phone, address, income and household (and name): the reviewers of
    the stages the application has reached (its community's staff, its street's, the
    civil-affairs bureau's) read them in clear, to check and to visit; the district's overseers
    (leaders, supervisors, dispatchers, administrators) and other reviewers masked; nobody else."""
    if actor is None or actor.role is None:
        return Show.HIDDEN
    if is_reviewer:
        return Show.CLEAR
    if actor.role in RELIEF_OVERSEERS or actor.role in (
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.UNIT_HEAD,
        Role.UNIT_HANDLER,
    ):
        return Show.MASKED
    return Show.HIDDEN


def relief_id_show(actor: Actor | None, *, is_reviewer: bool, is_department: bool) -> Show:
    """The applicant's id number is never shown in full outside the bureau that approves and
    pays (it checks the person against earlier payments); everyone else who may read the
    application sees it masked."""
    show = relief_show(actor, is_reviewer=is_reviewer)
    if show is Show.CLEAR and not is_department:
        return Show.MASKED
    return show


@dataclass(frozen=True)
class ReliefView:
    show: Show
    id_show: Show

    def _pick(self, value: str | None, mask: Callable[[str | None], str | None]) -> str | None:
        if value is None or self.show is Show.CLEAR:
            return value
        return mask(value) if self.show is Show.MASKED else RELIEF_HIDDEN

    def name(self, value: str) -> str:
        return self._pick(value, mask_name) or ""

    def phone(self, value: str) -> str:
        return self._pick(value, mask_phone) or ""

    def address(self, value: str) -> str:
        return self._pick(value, mask_address) or ""

    def id_number(self, value: str | None) -> str | None:
        if value is None or self.id_show is Show.CLEAR:
            return value
        return mask_id_card(value) if self.id_show is Show.MASKED else RELIEF_HIDDEN

    def figure(self, value: str | None) -> str | None:
        """Income, household size, the household's record: in clear or not at all."""
        if value is None or self.show is Show.CLEAR:
            return value
        return "***" if self.show is Show.MASKED else RELIEF_HIDDEN

    def text(self, value: str, *, name: str) -> str:
        if self.show is Show.CLEAR:
            if self.id_show is Show.CLEAR:
                return value
            # An id number written into the applicant's words stays masked outside the bureau.
            return _RELIEF_ID.sub(lambda m: mask_id_card(m.group(0)) or "", value)
        if self.show is Show.MASKED:
            return mask_text(value, names=[name])
        return RELIEF_HIDDEN


_RELIEF_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def relief_view(actor: Actor | None, *, is_reviewer: bool, is_department: bool) -> ReliefView:
    return ReliefView(
        relief_show(actor, is_reviewer=is_reviewer),
        relief_id_show(actor, is_reviewer=is_reviewer, is_department=is_department),
    )


# --- counselling (心理服务, 话聊) ----------------------------------------------------------------
# Notes of a counselling session, a follow-up or a 话聊 never leave the room: only the counsellor
# who wrote them and that counsellor's supervisors (心理督导) read them. Not the dispatcher, not a
# leader, not an administrator, not the supervision office's role: they read that a session was
# held, its date and the figures.
COUNSELLING_NOTES_HIDDEN = "［咨询记录仅咨询师本人及其督导可见］"


def counselling_notes_show(
    actor: Actor, *, author_id: int | None, supervisor_ids: Collection[int]
) -> Show:
    if actor.staff_id is None or author_id is None:
        return Show.HIDDEN
    if actor.staff_id == author_id or actor.staff_id in supervisor_ids:
        return Show.CLEAR
    return Show.HIDDEN


def counselling_notes(
    actor: Actor, text: str | None, *, author_id: int | None, supervisor_ids: Collection[int]
) -> str | None:
    """A note's text for this reader: in clear for its author and their supervisors, None for
    everyone else (the outlet shows nothing, not even a placeholder's length)."""
    if counselling_notes_show(actor, author_id=author_id, supervisor_ids=supervisor_ids) is (
        Show.CLEAR
    ):
        return text
    return None


def counselling_client_show(
    actor: Actor, *, counsellor_id: int, supervisor_ids: Collection[int]
) -> Show:
    """A counselling client's name and phone: the counsellor and their supervisors read them in
    clear (to call the client back); the district-wide roles that read the record read them
    masked; nobody else."""
    if actor.staff_id is not None and (
        actor.staff_id == counsellor_id or actor.staff_id in supervisor_ids
    ):
        return Show.CLEAR
    if actor.role in DISTRICT_WIDE:
        return Show.MASKED
    return Show.HIDDEN


def counselling_client(
    actor: Actor,
    *,
    name: str,
    phone: str,
    counsellor_id: int,
    supervisor_ids: Collection[int],
) -> tuple[str, str]:
    show = counselling_client_show(
        actor, counsellor_id=counsellor_id, supervisor_ids=supervisor_ids
    )
    if show is Show.CLEAR:
        return name, phone
    if show is Show.MASKED:
        return mask_name(name) or "", mask_phone(phone) or ""
    return HIDDEN_PLACEHOLDER["name"], HIDDEN_PLACEHOLDER["phone"]
