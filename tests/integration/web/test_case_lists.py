"""The console's case lists: most urgent first (red, then the nearest deadline), filters in the
query string, page links that keep them, and the Excel export of exactly that list."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from conftest import START, private_demo_app
from factories import act, letters_only, make_appeal
from minyi.cases.models import Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.integrations.case_sheet import COLUMNS, DATE_FORMAT, write_sheet
from minyi.worker.runner import run_once
from webclient import signed_in

ID_CARD = "110101199003071233"
BEIJING = ZoneInfo("Asia/Shanghai")
TRACKING = re.compile(r'href="/console/cases/\d+">([0-9-]+)</a>')


class World:
    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock
        self.marker = "标记" + letters_only(uuid.uuid4().hex[:6])

    def listed(self, user: str, **params: str) -> list[str]:
        r = signed_in(self.client, user).get("/console/inbox", params={"q": self.marker, **params})
        assert r.status_code == 200, r.text
        return TRACKING.findall(r.text)


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with private_demo_app(backend, tmp_path_factory.mktemp("lists")) as (client, db, clock):
        w = World(client, db, clock)
        # A letter (statutory clocks: days), then a hotline call (10-30-24: minutes) that breaches,
        # then, a day later, another hotline call whose first deadline is minutes away.
        w.letter = make_appeal(
            client, channel="letter", title=f"{w.marker} 来信反映路灯不亮", id_card=ID_CARD
        )
        w.old_call = make_appeal(client, title=f"{w.marker} 噪音扰民")
        clock.advance(timedelta(hours=25))
        while run_once(db, clock)["fire_clocks"]:
            pass
        w.new_call = make_appeal(client, title=f"{w.marker} 井盖缺失", street="S02")
        w.declined = make_appeal(client, title=f"{w.marker} 重复反映")
        assert act(client, w.declined["id"], "decline", "clerk", reason="重复件").status_code == 200
        yield w


class TestSort:
    def test_urgency_puts_red_first_then_the_nearest_deadline_and_no_clock_last(
        self, world: World
    ) -> None:
        listed = world.listed("dispatcher", status="")
        assert listed == [
            world.old_call["tracking_no"],
            world.new_call["tracking_no"],
            world.letter["tracking_no"],
            world.declined["tracking_no"],
        ]
        # Urgency is the default.
        assert world.listed("dispatcher", status="", sort="urgency") == listed

    def test_newest_and_oldest(self, world: World) -> None:
        newest = world.listed("dispatcher", status="", sort="newest")
        assert (
            newest[-1] == world.letter["tracking_no"] and newest[0] == world.declined["tracking_no"]
        )
        assert world.listed("dispatcher", status="", sort="oldest") == newest[::-1]


class TestFilters:
    def test_channel_status_unit_and_dates(self, world: World) -> None:
        assert world.listed("dispatcher", status="", channel="letter") == [
            world.letter["tracking_no"]
        ]
        assert world.listed("dispatcher", status="declined") == [world.declined["tracking_no"]]
        assert world.declined["tracking_no"] not in world.listed("dispatcher")  # open by default
        day_one = START.astimezone(BEIJING).date().isoformat()
        later = (START + timedelta(hours=25)).astimezone(BEIJING).date().isoformat()
        assert set(world.listed("dispatcher", status="", date_from=day_one, date_to=day_one)) == {
            world.letter["tracking_no"],
            world.old_call["tracking_no"],
        }
        assert set(world.listed("dispatcher", status="", date_from=later)) == {
            world.new_call["tracking_no"],
            world.declined["tracking_no"],
        }

    def test_a_bad_filter_is_named_on_the_form_and_what_was_typed_stays(self, world: World) -> None:
        r = signed_in(world.client, "dispatcher").get(
            "/console/inbox",
            params={"q": world.marker, "date_from": "2026-13-45", "channel": "nope"},
        )
        assert r.status_code == 422
        assert "日期格式应为" in r.text and "没有这个渠道" in r.text
        assert 'value="2026-13-45"' in r.text and f'value="{world.marker}"' in r.text
        # The rest of the filters still apply.
        assert len(TRACKING.findall(r.text)) == 3

    def test_pages_keep_the_filters(self, world: World) -> None:
        marker = "分页" + letters_only(uuid.uuid4().hex[:6])
        made = [
            make_appeal(world.client, channel="walk_in", title=f"{marker} 第{n}件")["tracking_no"]
            for n in range(33)
        ]
        web = signed_in(world.client, "dispatcher")
        first = web.get(
            "/console/inbox", params={"q": marker, "channel": "walk_in", "sort": "oldest"}
        ).text
        assert "共 33 条" in first and "首页" not in first
        nxt = re.search(r'href="([^"]+)" rel="next">下一页', first)
        assert nxt
        params = parse_qs(urlsplit(unescape(nxt.group(1))).query)
        cursor = params.pop("cursor")
        assert cursor and params == {
            "q": [marker],
            "channel": ["walk_in"],
            "sort": ["oldest"],
            "status": ["open"],
        }
        second = web.get(unescape(nxt.group(1))).text
        assert TRACKING.findall(first) + TRACKING.findall(second) == made
        # The last page offers no next one, and a way back to the first.
        assert "下一页" not in second and "首页" in second

    def test_a_stale_or_edited_page_link_shows_the_first_page_and_says_why(
        self, world: World
    ) -> None:
        web = signed_in(world.client, "dispatcher")
        first = web.get("/console/inbox", params={"q": world.marker, "status": ""})
        for bad in ("not-a-cursor", "eyJ4IjoxfQ", "%%%", "W10"):
            r = web.get("/console/inbox", params={"q": world.marker, "status": "", "cursor": bad})
            assert r.status_code == 400, r.text
            assert "翻页链接已失效" in r.text
            assert TRACKING.findall(r.text) == TRACKING.findall(first.text)
        en = web.get("/console/inbox", params={"q": world.marker, "cursor": "bad", "lang": "en"})
        assert en.status_code == 400 and "That page link is no longer valid" in en.text

    def test_a_cursor_from_another_sort_is_refused_not_misread(self, world: World) -> None:
        marker = "换序" + letters_only(uuid.uuid4().hex[:6])
        for n in range(31):
            make_appeal(world.client, title=f"{marker} 第{n}件")
        web = signed_in(world.client, "dispatcher")
        newest = web.get("/console/inbox", params={"q": marker, "sort": "newest"}).text
        nxt = re.search(r'href="([^"]+)" rel="next"', newest)
        assert nxt
        cursor = parse_qs(urlsplit(unescape(nxt.group(1))).query)["cursor"][0]
        r = web.get("/console/inbox", params={"q": marker, "sort": "oldest", "cursor": cursor})
        assert r.status_code == 400 and "翻页链接已失效" in r.text
        # The same cursor, with its own sort, pages on; the filters it was made with still apply.
        ok = web.get("/console/inbox", params={"q": marker, "sort": "newest", "cursor": cursor})
        assert ok.status_code == 200 and len(TRACKING.findall(ok.text)) == 1


class TestExport:
    def sheet(self, world: World, user: str, **params: str) -> list[list[object]]:
        r = signed_in(world.client, user).get(
            "/console/export/cases.xlsx", params={"q": world.marker, "status": "", **params}
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(r.content))
        ws = book.active
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["I"].width >= 18  # the ID number fits
        return [[c.value for c in row] for row in ws.iter_rows()]

    def test_headers_names_dates_and_text_numbers(self, world: World) -> None:
        rows = self.sheet(world, "dispatcher", channel="letter")
        header = rows[0]
        assert (
            header[:4] == ["受理编号", "登记时间", "渠道", "办理状态"]
            and "身份证号" in header
            and "联系电话" in header
        )
        assert len(rows) == 2
        row = dict(zip(header, rows[1], strict=True))
        assert row["受理编号"] == world.letter["tracking_no"]
        assert isinstance(row["登记时间"], datetime)
        # Beijing wall time (START is 09:00 there).
        assert (row["登记时间"].hour, row["登记时间"].minute) == (9, 0)
        assert (
            row["渠道"] == "来信"
            and row["办理状态"] == "已登记"
            and row["街道"]
            and not str(row["街道"]).startswith("S0")
        )
        assert row["身份证号"] == ID_CARD and isinstance(row["身份证号"], str)
        assert isinstance(row["联系电话"], str) and len(row["联系电话"]) == 11

    def test_the_export_has_the_lists_rows_in_its_order(self, world: World) -> None:
        rows = self.sheet(world, "dispatcher")
        assert [r[0] for r in rows[1:]] == world.listed("dispatcher", status="")

    def test_a_masked_reader_gets_masked_personal_data(self, world: World) -> None:
        # Until the complaint-target screening has run, area staff read a case as the accused
        # (hidden); the screening usually runs at registration, sometimes in the worker: wait.
        while any(run_once(world.db, world.clock).values()):
            pass
        with world.db.reading() as session:
            assert session.get(Case, world.letter["id"]).accused_checked_at is not None  # type: ignore[union-attr]
        rows = self.sheet(world, "s01.staff", channel="letter")
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["身份证号"] == "1101**********1233"
        assert "****" in str(row["联系电话"])

    def test_a_bad_filter_exports_nothing(self, world: World) -> None:
        r = signed_in(world.client, "dispatcher").get(
            "/console/export/cases.xlsx", params={"date_to": "yesterday"}
        )
        assert r.status_code == 422 and "日期格式应为" in r.text


def test_sheet_text_is_never_a_formula_and_dates_are_local_date_cells() -> None:
    row: list[object] = [None] * len(COLUMNS)
    keys = [c.key for c in COLUMNS]
    row[keys.index("tracking_no")] = '=HYPERLINK("http://x")'
    row[keys.index("registered_at")] = datetime(2026, 11, 20, 9, 0)  # noqa: DTZ001 - a sheet cell holds local wall time
    row[keys.index("id_card")] = ID_CARD
    row[keys.index("crowd_size")] = 12
    ws = load_workbook(io.BytesIO(write_sheet([row]))).active
    cells = {c.key: ws.cell(row=2, column=n) for n, c in enumerate(COLUMNS, start=1)}
    assert (
        cells["tracking_no"].data_type == "s"
        and cells["tracking_no"].value == '=HYPERLINK("http://x")'
    )
    assert cells["registered_at"].is_date and cells["registered_at"].number_format == DATE_FORMAT
    assert cells["id_card"].value == ID_CARD and cells["id_card"].number_format == "@"
    assert cells["crowd_size"].value == 12


class TestBoards:
    """Last in the module: it dispatches the world's cases."""

    def test_the_unit_board_shows_the_most_urgent_first_and_links_to_the_filtered_list(
        self, world: World
    ) -> None:
        for case in (world.letter, world.new_call, world.old_call):
            assert act(world.client, case["id"], "accept", "clerk").status_code == 200
            assert (
                act(
                    world.client,
                    case["id"],
                    "dispatch",
                    "dispatcher",
                    lead_unit="DEP05",
                    co_units=[],
                ).status_code
                == 200
            )
        board = signed_in(world.client, "dep05.head").get("/console/unit").text
        queue = board.split("<h1", 1)[1].split("<h2", 1)[
            0
        ]  # the queue: the h1 section, after the approvals panel
        mine = [
            n
            for n in TRACKING.findall(queue)
            if n
            in {
                world.letter["tracking_no"],
                world.new_call["tracking_no"],
                world.old_call["tracking_no"],
            }
        ]
        assert mine == [
            world.old_call["tracking_no"],
            world.new_call["tracking_no"],
            world.letter["tracking_no"],
        ]
        assert 'href="/console/inbox?status=handling&amp;unit=DEP05"' in board
        assert world.listed("dep05.head", status="handling", unit="DEP05") == mine
