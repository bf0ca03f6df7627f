"""Staff search through the search index answers exactly what the old substring scan answered,
on both backends, for a sample of real citizen messages; and it keeps the privacy policy."""

from __future__ import annotations

import csv
import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy import text as sql_text

from conftest import START, demo_database_url, drop_database
from factories import TZ, act_on, appeal_payload, auth, letters_only, make_appeal
from minyi.cases import queries, search
from minyi.cases.models import Appeal, Case
from minyi.cases.queries import CaseFilter, list_cases, page_cases, relevance_order
from minyi.cases.search_terms import doc_terms, month_term, query_terms, tsquery_text
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.core.paging import BadCursor, Total
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.rules import Actor
from minyi.org.service import actor_for_username
from minyi.wiring import build_registry
from shared_data import GOV_MESSAGES

MESSAGES = GOV_MESSAGES / "messages_labeled.csv"
SAMPLE = 300
NAMES = ("李秀英", "王建国", "张伟", "欧阳娜娜", "陈先生", None)
ADDRESSES = ("城市绿洲花园3栋", "东门路18号", "A3区杜鹃文苑", None)
REPLIES = {0: "经核查，路灯已修复。", 1: "已协调城管部门处理占道问题", 2: "WiFi信号问题已转运营商"}
# One character, two, longer words, mixed Chinese/digits/Latin, punctuation, names, addresses,
# reply words, and words no message holds.
QUERIES = (
    "路",
    "灯",
    "A",
    "3",
    "，",
    "！",
    "路灯",
    "小区",
    "噪音",
    "施工",
    "物业",
    "安全隐患",
    "A市",
    "A3区",
    "a3区",
    "3区",
    "2019",
    "wifi",
    "WiFi信号",
    "路灯，",
    "，尽快",
    "A市政府、",
    "%",
    "_",
    "欧阳娜娜",
    "秀英",
    "东门路",
    "绿洲花园",
    "已修复",
    "城管部门",
    "火箭发射",
    "qzx",
)


def _messages() -> list[tuple[str, str]]:
    if not MESSAGES.exists():  # the privacy tests still run, on the factory's message
        return [
            (f"小区路灯损坏{n}", f"A3区东门路的路灯坏了，WiFi也没有信号{n}") for n in range(SAMPLE)
        ]
    with MESSAGES.open(encoding="utf-8") as f:
        rows = list(itertools.islice(csv.DictReader(f), SAMPLE))
    return [(r["title"][:200], r["body"][:20000] or r["title"]) for r in rows]


@pytest.fixture(scope="module")
def sample_db(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, list[int]]]:
    """A demo district of its own with SAMPLE appeals of real messages, registered in one
    batch (intake's group-commit path), a few of them replied to."""
    url = demo_database_url(backend, tmp_path_factory.mktemp("search"))
    db = Database(url, registry=build_registry())
    items = [
        AppealIn.model_validate(
            appeal_payload(
                title=title,
                body=body,
                name=NAMES[n % len(NAMES)],
                address=ADDRESSES[n % len(ADDRESSES)],
                submitted_at=(START - timedelta(minutes=SAMPLE - n)).isoformat(),
            )
        )
        for n, (title, body) in enumerate(_messages())
    ]
    ids = IdAllocator(db, "appeals", block=len(items)).take(len(items))
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        results = register_appeals(
            session, items, actors=[clerk] * len(items), ids=ids, refs=RefCache(), now=START, tz=TZ
        )
    case_ids = [r.id for r in results if not isinstance(r, MinyiError)]
    assert len(case_ids) == len(items)
    for n, text in REPLIES.items():
        case_id = case_ids[n]
        act_on(db, case_id, "accept", "clerk", now=START)
        act_on(db, case_id, "dispatch", "dispatcher", now=START, lead_unit="DEP12", co_units=[])
        act_on(db, case_id, "sign_for", "dep12.handler", now=START)
        act_on(db, case_id, "reply", "dep12.handler", now=START, text=text)
    yield db, case_ids
    db.dispose()
    drop_database(url)


def _ids(db: Database, actor_name: str, q: str, *, index: bool) -> list[int]:
    with db.reading() as session:
        actor = actor_for_username(session, actor_name)
        _, rows = list_cases(
            session, actor, CaseFilter(q=q, search_index=index), page=1, page_size=1000
        )
    return [c.id for c, _ in rows]


def _paged(db: Database, actor_name: str, f: CaseFilter, *, order: Any = None) -> list[int]:
    """Every case of the search, page after page by cursor, 7 a page."""
    out: list[int] = []
    cursor = None
    with db.reading() as session:
        actor = actor_for_username(session, actor_name)
        while True:
            found = page_cases(session, actor, f, cursor=cursor, size=7, order=order)
            out += [c.id for c, _ in found.rows]
            if found.next_cursor is None:
                return out
            cursor = found.next_cursor


def _expected(db: Database, q: str) -> set[int]:
    """What a reader who sees every case in clear must find, computed in Python: the query as a
    substring of the title, body, reply, name or address."""
    with db.reading() as session:
        rows = session.execute(
            Appeal.__table__.select()
            .with_only_columns(
                Case.id,
                Appeal.title,
                Appeal.body,
                Case.reply_text,
                Appeal.citizen_name,
                Appeal.address,
            )
            .join_from(Appeal, Case, Case.appeal_id == Appeal.id)
        ).all()
    return {row[0] for row in rows if any(q in (text or "") for text in row[1:])}


@pytest.mark.realdata
@pytest.mark.skipif(not MESSAGES.exists(), reason=f"no shared data at {MESSAGES}")
class TestSearchEqualsTheScan:
    @pytest.mark.parametrize("reader", ["dispatcher", "secretary", "dep12.handler"])
    def test_same_cases_as_the_substring_scan(
        self, sample_db: tuple[Database, list[int]], reader: str
    ) -> None:
        db, _ = sample_db
        found_any = 0
        for q in QUERIES:
            new = _ids(db, reader, q, index=True)
            assert new == _ids(db, reader, q, index=False), (reader, q)
            found_any += bool(new)
        assert found_any > len(QUERIES) // 2

    @pytest.mark.parametrize("plan", ["walk", "index", None])
    def test_pages_by_cursor_in_either_plan_are_the_scan(
        self, sample_db: tuple[Database, list[int]], plan: str | None
    ) -> None:
        """The walk (a common word) and the index's candidates (a rare one) page through the
        same cases, in the same order, as the scan: for every reader, query and small page."""
        db, _ = sample_db
        for reader, q in itertools.product(("dispatcher", "secretary", "dep12.handler"), QUERIES):
            f = CaseFilter(q=q, search_plan=plan)
            assert _paged(db, reader, f) == _ids(db, reader, q, index=False), (reader, q, plan)

    def test_ranked_orders_rank_the_newest_matches_only(
        self, sample_db: tuple[Database, list[int]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db, _ = sample_db
        monkeypatch.setattr(queries, "RANKED_MATCHES", 5)
        newest = _ids(db, "dispatcher", "小区", index=False)
        assert len(newest) > 5
        for plan in ("walk", "index"):
            f = CaseFilter(q="小区", search_plan=plan)
            ranked = _paged(db, "dispatcher", f, order=relevance_order("小区"))
            assert sorted(ranked) == sorted(newest[:5]), plan

    def test_a_rare_or_absent_word_pages_from_its_candidates(
        self, sample_db: tuple[Database, list[int]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A word no case holds reads no candidate and finds nothing; a rare one reads its
        candidates (a superset of its matches) and pages the scan's cases from them; with more
        candidates than CANDIDATE_LIMIT the list walks (chosen plan) or keeps the index's
        subquery (the index plan forced), and still answers the scan's cases."""
        db, _ = sample_db
        rare = "城管部门"  # one reply holds it
        with db.reading() as session:
            actor = actor_for_username(session, "dispatcher")
            absent = queries.with_candidates(session, CaseFilter(q="火箭发射"))
            few = queries.with_candidates(session, CaseFilter(q=rare))
            none_found = page_cases(session, actor, CaseFilter(q="火箭发射"), cursor=None, size=5)
        scan = _ids(db, "dispatcher", rare, index=False)
        assert absent is not None and absent.candidates == ()
        assert none_found.rows == [] and none_found.total is not None
        assert (none_found.total.value, none_found.total.exact) == (0, True)
        assert few is not None and few.candidates is not None and scan
        assert set(scan) <= set(few.candidates) and len(few.candidates) < SAMPLE // 10
        for plan in (None, "index"):
            f = CaseFilter(q=rare, search_plan=plan)
            assert _paged(db, "dispatcher", f) == scan, plan
        monkeypatch.setattr(queries, "CANDIDATE_LIMIT", 3)
        with db.reading() as session:
            assert queries.with_candidates(session, CaseFilter(q="小区")) is None
        for q in ("小区", rare, "火箭发射"):
            for plan in (None, "index"):
                f = CaseFilter(q=q, search_plan=plan)
                assert _paged(db, "dispatcher", f) == _ids(db, "dispatcher", q, index=False), (
                    q,
                    plan,
                )

    def test_a_common_word_is_counted_to_the_cap_then_estimated(
        self, sample_db: tuple[Database, list[int]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db, _ = sample_db
        monkeypatch.setattr(queries, "COMMON_COUNT_CAP", 3)
        with db.reading() as session:
            actor = actor_for_username(session, "dispatcher")
            walked = page_cases(
                session, actor, CaseFilter(q="小区", search_plan="walk"), cursor=None, size=2
            )
            indexed = page_cases(
                session, actor, CaseFilter(q="小区", search_plan="index"), cursor=None, size=2
            )
        assert walked.total is not None and indexed.total is not None
        assert indexed.total.exact and indexed.total.value > 3
        assert not walked.total.exact and walked.total.value >= 3

    def test_a_clear_reader_finds_every_substring(
        self, sample_db: tuple[Database, list[int]]
    ) -> None:
        db, _ = sample_db
        for q in ("路灯", "A3区", "欧阳娜娜", "东门路", "已修复", "施工", "，尽快", "火箭发射"):
            assert set(_ids(db, "dispatcher", q, index=True)) == _expected(db, q), q

    def test_newest_first_and_relevance_on_request(
        self, sample_db: tuple[Database, list[int]]
    ) -> None:
        db, _ = sample_db
        with db.reading() as session:
            actor = actor_for_username(session, "dispatcher")
            f = CaseFilter(q="路灯")
            _, newest = list_cases(session, actor, f, page=1, page_size=1000)
            _, best = list_cases(
                session, actor, f, page=1, page_size=1000, order=relevance_order("路灯")
            )
        times = [c.registered_at for c, _ in newest]
        assert times == sorted(times, reverse=True)
        assert {c.id for c, _ in best} == {c.id for c, _ in newest}
        in_title = ["路灯" in a.title for _, a in best]
        assert in_title == sorted(in_title, reverse=True)  # title matches first
        assert any(in_title) and not all(in_title)

    def test_a_full_tracking_number_and_phone_find_their_case(
        self, sample_db: tuple[Database, list[int]]
    ) -> None:
        db, case_ids = sample_db
        with db.reading() as session:
            case = session.get(Case, case_ids[7])
            appeal = session.get(Appeal, case_ids[7])
            assert case is not None and appeal is not None and appeal.phone
            tracking_no, phone = case.tracking_no, appeal.phone
        assert _ids(db, "secretary", tracking_no, index=True) == [case_ids[7]]
        spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        assert _ids(db, "dispatcher", spaced, index=True) == [case_ids[7]]
        # Its ending (four digits or more) finds it too, as the old scan did.
        for ending in (phone[-4:], phone[-8:]):
            assert case_ids[7] in _ids(db, "dispatcher", ending, index=True)
            assert _ids(db, "dispatcher", ending, index=True) == _ids(
                db, "dispatcher", ending, index=False
            )
        # A leader reads the phone masked: it finds nothing by it.
        assert _ids(db, "secretary", phone, index=True) == []


def _actor(db: Database, username: str) -> Actor:
    with db.reading() as session:
        return actor_for_username(session, username)


class TestSearchByNameFollowsThePrivacyPolicy:
    """The name and address are searchable only by readers who see them in clear."""

    def test_name_and_address(self, sample_db: tuple[Database, list[int]]) -> None:
        db, case_ids = sample_db
        replied = case_ids[0]  # handled by DEP12; named 李秀英, at 城市绿洲花园3栋
        for q in ("李秀英", "城市绿洲花园3栋"):
            # Intake and dispatch read every complainant in clear.
            assert replied in _ids(db, "dispatcher", q, index=True), q
            # DEP12 handles this case: its handler reads it in clear, and no other case.
            assert _ids(db, "dep12.handler", q, index=True) == [replied], q
            # A leader and another unit's handler see the name masked: nothing found.
            for reader in ("secretary", "dep01.handler"):
                assert _ids(db, reader, q, index=True) == [], (reader, q)
        # A word of the same case's text still finds it for the leader.
        assert replied in _ids(db, "secretary", "已修复", index=True)

    def test_a_reply_is_searchable_once_written(
        self, sample_db: tuple[Database, list[int]]
    ) -> None:
        db, case_ids = sample_db
        assert _ids(db, "dep12.handler", "运营商", index=True) == [case_ids[2]]


class TestApiSort:
    def test_newest_first_by_default_relevance_on_request(self, app_client: TestClient) -> None:
        marker = "梧桐" + letters_only(uuid.uuid4().hex[:6])
        in_title = make_appeal(app_client, title=f"{marker}路段施工噪音", body="晚上还在施工")
        in_body = make_appeal(app_client, title="路灯不亮", body=f"{marker}小区门口路灯坏了")
        headers = auth(app_client, "dispatcher")

        def ids(**params: str) -> list[int]:
            r = app_client.get("/api/v1/appeals", params={"q": marker, **params}, headers=headers)
            assert r.status_code == 200, r.text
            return [c["id"] for c in r.json()["items"]]

        assert ids() == [in_body["id"], in_title["id"]]
        assert ids(sort="relevance") == [in_title["id"], in_body["id"]]
        r = app_client.get("/api/v1/appeals", params={"sort": "nope"}, headers=headers)
        assert r.status_code == 422


# A rare word's candidates with false positives spread through them: T holds 桂花园 in its
# title, P in its address (a match in clear only), F holds 桂花 and 花园 apart (a candidate of
# the index, not a match), N neither. Newest last.
RARE_WORD = "桂花园"
RARE_KINDS = "FFTFFFFTPFNFTTFFFFFFNPTFFTFNFFFTFFPFTFFN"
RARE_TEXTS = {
    "T": ("桂花园小区路灯不亮", "晚上很黑，老人出门不便", "陈先生", "东门路18号"),
    "P": ("楼上装修噪音扰民", "每天早上七点开始施工", "王建国", "桂花园3栋"),
    "F": ("桂花开了没人修剪", "小区花园里的路灯也坏了", "张伟", "东门路18号"),
    "N": ("马路坑洼积水", "雨后无法通行", "李秀英", None),
}


@pytest.fixture(scope="module")
def rare_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A demo district of its own holding RARE_KINDS' appeals, one a minute."""
    url = demo_database_url(backend, tmp_path_factory.mktemp("rare"))
    db = Database(url, registry=build_registry())
    items = [
        AppealIn.model_validate(
            appeal_payload(
                title=title,
                body=body,
                name=name,
                address=address,
                submitted_at=(START - timedelta(minutes=len(RARE_KINDS) - n)).isoformat(),
            )
        )
        for n, (title, body, name, address) in enumerate(RARE_TEXTS[k] for k in RARE_KINDS)
    ]
    ids = IdAllocator(db, "appeals", block=len(items)).take(len(items))
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        register_appeals(
            session, items, actors=[clerk] * len(items), ids=ids, refs=RefCache(), now=START, tz=TZ
        )
    yield db
    db.dispose()
    drop_database(url)


class TestRareWordRechecksItsCandidatesInBatches:
    """The index's candidates of a rare word are sorted, then re-checked newest first a batch at
    a time until the page is full: the pages, their order and their totals are the scan's for
    any batch size, though the false positives fall in every batch and across pages."""

    @pytest.mark.parametrize("reader", ["dispatcher", "secretary"])
    def test_pages_in_every_order_and_batch_are_the_scan(
        self, rare_db: Database, reader: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with rare_db.reading() as session:
            read = queries.with_candidates(session, CaseFilter(q=RARE_WORD))
        scan = _ids(rare_db, reader, RARE_WORD, index=False)
        assert read is not None and read.candidates is not None
        assert set(scan) < set(read.candidates)  # false positives among the candidates
        assert len(read.candidates) == RARE_KINDS.count("F") + len(
            _ids(rare_db, "dispatcher", RARE_WORD, index=False)
        )
        monkeypatch.setattr(queries, "RANKED_MATCHES", 4)
        f = CaseFilter(q=RARE_WORD, search_plan="index")
        with rare_db.reading() as session:
            actor = actor_for_username(session, reader)
            for batch, size in itertools.product((1, 2, 3, 50), (2, 3)):
                for order, expected in ((None, scan), (queries.OLDEST, scan[::-1])):
                    cursor, paged = None, []
                    while True:
                        page = page_cases(
                            session, actor, f, cursor=cursor, size=size, order=order, batch=batch
                        )
                        paged += [c.id for c, _ in page.rows]
                        assert page.total == Total(len(scan)), (batch, size, order)
                        if page.next_cursor is None:
                            break
                        cursor = page.next_cursor
                    assert paged == expected, (batch, size, order)
                ranked = page_cases(
                    session,
                    actor,
                    f,
                    cursor=None,
                    size=size,
                    order=relevance_order(RARE_WORD),
                    batch=batch,
                )
                assert {c.id for c, _ in ranked.rows} <= set(scan[:4])
                assert len(ranked.rows) == min(size, 4, len(scan))

    def test_the_page_rechecks_about_a_page_and_the_total_past_the_cap_is_estimated(
        self, rare_db: Database
    ) -> None:
        scan = _ids(rare_db, "dispatcher", RARE_WORD, index=False)
        with rare_db.reading() as session:
            actor = actor_for_username(session, "dispatcher")
            read = queries.with_candidates(session, CaseFilter(q=RARE_WORD))
            assert read is not None and read.candidates is not None
            walked = queries._recheck_candidates(
                session, actor, read, queries.NEWEST, cursor=None, want=3, batch=2
            )
            f = CaseFilter(q=RARE_WORD, search_plan="index")
            first = page_cases(session, actor, f, cursor=None, size=2, cap=5, batch=2)
        assert walked.matched == scan[:3]
        # The third match is the 8th candidate, newest first: batches of 2, 4 and 8, 14 of 36.
        assert walked.checked == 14 and walked.scope == len(read.candidates)
        assert [c.id for c, _ in first.rows] == scan[:2]
        assert first.next_cursor is not None
        for other in (queries.OLDEST, relevance_order(RARE_WORD)):
            with rare_db.reading() as session, pytest.raises(BadCursor):
                page_cases(session, actor, f, cursor=first.next_cursor, size=2, order=other)
        assert first.total is not None and not first.total.exact and first.total.estimated
        # The share of matches in the candidates re-checked, times the candidates.
        assert 0 < first.total.value <= len(read.candidates)


class TestDigitsNameTheirCandidatesExactly:
    def test_a_phone_ending_names_only_the_phones_that_end_so(self, rare_db: Database) -> None:
        """Digits read as a phone (a tracking number's too) name the cases whose phone ends in
        them, not every phone sharing their last four: those would all be re-checked for
        nothing (some 200 at 10M)."""
        phones = ("13900002468", "13800002468", "13700001357")
        items = [
            AppealIn.model_validate(appeal_payload(title="井盖松动", body="请尽快维修", phone=p))
            for p in phones
        ]
        ids = IdAllocator(rare_db, "appeals", block=len(items)).take(len(items))
        with rare_db.unit_of_work() as session:
            clerk = actor_for_username(session, "clerk")
            register_appeals(
                session,
                items,
                actors=[clerk] * len(items),
                ids=ids,
                refs=RefCache(),
                now=START,
                tz=TZ,
            )
        with rare_db.reading() as session:
            by_phone = {
                a.phone: c.id
                for c, a in session.execute(
                    select(Case, Appeal)
                    .join(Appeal, Appeal.id == Case.appeal_id)
                    .where(Appeal.phone.in_(phones))
                )
            }
        both = {by_phone[phones[0]], by_phone[phones[1]]}
        for q, named in (("138 0000 2468", {by_phone[phones[1]]}), ("2468", both)):
            with rare_db.reading() as session:
                read = queries.with_candidates(session, CaseFilter(q=q))
            assert read is not None and read.candidates is not None
            # The other phone ending in 2468 is no candidate of the whole number.
            assert set(read.candidates) & set(by_phone.values()) == named, q
            assert _ids(rare_db, "dispatcher", q, index=True) == _ids(
                rare_db, "dispatcher", q, index=False
            )


# The same kinds of appeals, one every 19 days back from START (so a month holds one or two),
# none in the third and fourth months back: a rare word's month windows, with months of no
# candidate between.
MONTHLY_KINDS = "TFTPFTTNFTTPFTFFTT"
GAP = range(3, 5)


def _month_back(n: int) -> int:
    return (START.year * 12 + START.month - 1 - n) % 12


@pytest.fixture(scope="module")
def months_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A demo district of its own holding MONTHLY_KINDS' appeals across a year, oldest first."""
    url = demo_database_url(backend, tmp_path_factory.mktemp("months"))
    db = Database(url, registry=build_registry())
    times = [START - timedelta(days=19 * n, hours=n) for n in range(len(MONTHLY_KINDS) + 8)]
    months = sorted({t.strftime("%Y%m") for t in times}, reverse=True)
    gap = {months[n] for n in GAP}
    times = [t for t in times if t.strftime("%Y%m") not in gap][: len(MONTHLY_KINDS)]
    items = [
        AppealIn.model_validate(
            appeal_payload(
                title=title, body=body, name=name, address=address, submitted_at=at.isoformat()
            )
        )
        for (title, body, name, address), at in zip(
            (RARE_TEXTS[k] for k in MONTHLY_KINDS), reversed(times), strict=True
        )
    ]
    ids = IdAllocator(db, "appeals", block=len(items)).take(len(items))
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        register_appeals(
            session, items, actors=[clerk] * len(items), ids=ids, refs=RefCache(), now=START, tz=TZ
        )
    yield db
    db.dispose()
    drop_database(url)


class TestRareWordByMonthWindows:
    """On PostgreSQL a word whose index names more than WINDOWS_FROM cases reads its candidates
    a window of months at a time from the page's end of the list: the pages, their order, their
    cursors and their totals are those of reading every candidate at once, and the scan's."""

    @staticmethod
    def _pages(
        db: Database, backend: str, reader: str, *, order: Any, size: int, batch: int, cap: int
    ) -> list[tuple[list[int], str | None, Total | None]]:
        out: list[tuple[list[int], str | None, Total | None]] = []
        f = CaseFilter(q=RARE_WORD, search_plan="index")
        with db.reading() as session:
            if backend == "postgres":
                # A test's table is small enough for a sequential scan, whose plan counts no
                # candidates (search.count_candidates): the index's plan, as on a history.
                session.execute(sql_text("SET LOCAL enable_seqscan = off"))
            actor = actor_for_username(session, reader)
            cursor = None
            while True:
                page = page_cases(
                    session, actor, f, cursor=cursor, size=size, order=order, batch=batch, cap=cap
                )
                out.append(([c.id for c, _ in page.rows], page.next_cursor, page.total))
                if page.next_cursor is None:
                    return out
                cursor = page.next_cursor

    @pytest.mark.parametrize("reader", ["dispatcher", "secretary"])
    def test_pages_by_month_windows_are_reading_every_candidate_and_the_scan(
        self, months_db: Database, backend: str, reader: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scan = _ids(months_db, reader, RARE_WORD, index=False)
        assert len(scan) > 6
        probes: list[tuple[list[str], list[int]]] = []
        read_by_months = queries.window_ids

        def window_ids(session: Any, q: str, months: list[str]) -> list[int]:
            found = read_by_months(session, q, months)
            probes.append((list(months), found))
            return found

        monkeypatch.setattr(queries, "window_ids", window_ids)
        monkeypatch.setattr(queries, "RANKED_MATCHES", 4)
        for order, size, batch in itertools.product(
            (None, queries.OLDEST, relevance_order(RARE_WORD)), (2, 3), (1, 50)
        ):
            for cap in (1000, 3):
                monkeypatch.setattr(queries, "WINDOWS_FROM", 10**6)
                every = self._pages(
                    months_db, backend, reader, order=order, size=size, batch=batch, cap=cap
                )
                monkeypatch.setattr(queries, "WINDOWS_FROM", 0)
                probes.clear()
                windows = self._pages(
                    months_db, backend, reader, order=order, size=size, batch=batch, cap=cap
                )
                case = (order, size, batch, cap)
                assert [(r, c) for r, c, _ in windows] == [(r, c) for r, c, _ in every], case
                for (_, _, new), (_, _, old) in zip(windows, every, strict=True):
                    # Past the cap, estimated from the windows read (reading every candidate
                    # estimates from them all, or counts when its batch re-checked them all).
                    assert new == old or (
                        cap == 3
                        and new is not None
                        and new.estimated
                        and 0 < new.value <= len(MONTHLY_KINDS)
                    ), (case, new, old)
                paged = [i for r, _, _ in windows for i in r]
                if order is None:
                    assert paged == scan, case
                elif order is queries.OLDEST:
                    assert paged == scan[::-1], case
                if backend == "sqlite":
                    assert probes == []  # FTS5 counts no candidates: read at once
                    continue
                # Windows of one month, then two, four... With the default cap, the reader's
                # candidates are few enough to count: read at once after the first window.
                assert probes and len(probes[0][0]) == 1, case
                if cap == 3:
                    assert len(probes[1][0]) == 2, case
        if backend == "sqlite":
            return
        # The first page, newest first, read the newest months' candidates, not all of them.
        monkeypatch.setattr(queries, "WINDOWS_FROM", 0)
        probes.clear()
        with months_db.reading() as session:
            session.execute(sql_text("SET LOCAL enable_seqscan = off"))
            actor = actor_for_username(session, reader)
            f = CaseFilter(q=RARE_WORD, search_plan="index")
            first = page_cases(session, actor, f, cursor=None, size=2, cap=3)
        assert [c.id for c, _ in first.rows] == scan[:2]
        assert probes[0][0] == [month_term(START)]
        assert 0 < sum(len(found) for _, found in probes) < len(MONTHLY_KINDS)

    def test_the_months_between_hold_no_candidate(self, months_db: Database, backend: str) -> None:
        """The history the windows walk across: candidates in the months around the gap, none
        in its months (each month's term names only its cases)."""
        if backend == "sqlite":
            pytest.skip("SQLite has no month terms: it reads a rare word's candidates at once")
        months = [
            f"_m{(START.year * 12 + START.month - 1 - n) // 12}{_month_back(n) + 1:02d}"
            for n in range(8)
        ]
        with months_db.reading() as session:
            found = [queries.window_ids(session, RARE_WORD, [m]) for m in months]
            registered = {i: at for i, at in session.execute(select(Case.id, Case.registered_at))}
        assert [bool(ids) for ids in found] == [n not in GAP for n in range(8)]
        for month, ids in zip(months, found, strict=True):
            assert {month_term(registered[i]) for i in ids} <= {month}

    def test_the_rank_ignores_the_month_term(self, months_db: Database, backend: str) -> None:
        """ts_rank divides by the log of the number of terms: the rank (`sort=relevance`) is
        that of the case's text alone, as before the month term."""
        if backend == "sqlite":
            pytest.skip("SQLite has no month terms")
        scan = _ids(months_db, "dispatcher", RARE_WORD, index=False)
        rank = search.relevance(RARE_WORD)
        assert rank is not None
        with months_db.reading() as session:
            found = session.execute(select(Case.id, rank).where(Case.id.in_(scan)))
            ranked = {i: r for i, r in found}
            texts = session.execute(
                select(Case.id, Appeal.title, Appeal.body, Case.reply_text)
                .join(Appeal, Appeal.id == Case.appeal_id)
                .where(Case.id.in_(scan))
            ).all()
            alone = {
                i: session.scalar(
                    sql_text(
                        "SELECT ts_rank(array_to_tsvector(CAST(:t AS text[])),"
                        " CAST(:q AS tsquery), 1)"
                    ),
                    {"t": doc_terms(title, body, reply), "q": tsquery_text(query_terms(RARE_WORD))},
                )
                for i, title, body, reply in texts
            }
        # Relative only: the ranks of texts without positions are tiny (1e-17).
        assert ranked == pytest.approx(alone, rel=1e-6, abs=0) and len(alone) == len(scan)
