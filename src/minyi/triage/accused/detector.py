"""`AccusedDetector`: the units and staff an appeal complains about, from its text and place."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from minyi.triage.accused.words import (
    ACCUSE_WORDS,
    AFTER_VERB,
    CLAUSE_BREAKS,
    CONDUCT_WORDS,
    CUE_WINDOW,
    DEPARTMENT_ALIASES,
    ENUMERATION,
    FILLER,
    GENERIC_AREAS,
    JOIN,
    NEUTRAL_WORDS,
    OFFICIAL_WORDS,
    PREDICATE_STARTS,
    SURNAME_TITLES,
    TARGET_UNIT_KINDS,
)
from minyi.triage.places.scan import Hit, Matcher
from minyi.triage.places.values import NamedPlace, PlaceLike, RegistryUnit
from minyi.triage.text import fold_width


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
                and JOIN.fullmatch(norm[hits[j].end : hits[j + 1].start])
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
                if FILLER.fullmatch(text[end : nxt.start]):
                    return nxt.start, nxt.end, nxt.payload.conduct
                break
        prev = hits[i - 1] if i > 0 else None
        governed = (
            prev is not None
            and prev.payload.accuses
            and not prev.payload.is_neutral
            and AFTER_VERB.fullmatch(text[prev.end : start]) is not None
        )
        listed = last_target_end >= 0 and text[last_target_end:start] in ENUMERATION
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
