"""Open311 GeoReport v2 through the app: every resource in JSON and XML, POST in every encoding,
errors in the spec's format, the token queue, and a third-party client (georeport) against a
real uvicorn server."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import make_settings
from factories import make_appeal, unique_phone
from minyi.app import create_app
from minyi.cases.hooks import CASES_REGISTERED, RegisteredCase
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.cases.tracking import track_case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.intake.models import Attachment
from minyi.integrations.jobs import RETRY as QUEUE_RETRY
from minyi.integrations.jobs import register_queued
from minyi.integrations.models import Open311Queued
from minyi.integrations.open311 import create_client
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from parked_checks import parked_cli

V2 = "/open311/v2"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def new_client(db: Database, clock: ManualClock, *, queued: bool = False) -> str:
    with db.unit_of_work() as session:
        _, key = create_client(
            session, name=f"c{uuid.uuid4().hex[:10]}", queued=queued, channel=None, now=clock.now()
        )
    return key


def a_leaf(db: Database) -> str:
    with db.reading() as session:
        return str(
            session.scalar(
                select(DictionaryEntry.code)
                .join(DictionaryVersion)
                .where(DictionaryVersion.is_current.is_(True))
                .order_by(DictionaryEntry.code)
            )
        )


def form(key: str, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "api_key": key,
        "service_code": code,
        "description": "小区门口路灯坏了一个月，晚上很黑",
        "lat": "22.54",
        "long": "114.05",
        "first_name": "先生",
        "last_name": "程",
        "phone": unique_phone(),
        **extra,
    }


@pytest.fixture(scope="module")
def key(db: Database, clock: ManualClock) -> str:
    return new_client(db, clock)


@pytest.fixture(scope="module")
def code(db: Database) -> str:
    return a_leaf(db)


class TestDiscoveryAndServices:
    def test_discovery_names_the_spec_and_both_formats(self, app_client: TestClient) -> None:
        body = app_client.get(f"{V2}/discovery.json").json()
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        xml = ET.fromstring(app_client.get(f"{V2}/discovery.xml").content)
        assert xml.tag == "discovery"
        assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]

    def test_services_are_the_current_dictionary_leaves(
        self, app_client: TestClient, db: Database
    ) -> None:
        with db.reading() as session:
            leaves = session.scalar(
                select(func.count())
                .select_from(DictionaryEntry)
                .join(DictionaryVersion)
                .where(DictionaryVersion.is_current.is_(True))
            )
        r = app_client.get(f"{V2}/services.json")
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        rows = r.json()
        assert len(rows) == leaves
        assert set(rows[0]) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
        assert rows[0]["metadata"] is True and rows[0]["type"] == "realtime"
        r = app_client.get(f"{V2}/services.xml")
        assert r.headers["content-type"] == "text/xml; charset=utf-8"
        assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        root = ET.fromstring(r.content)
        assert root.tag == "services" and len(root.findall("service")) == leaves
        assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]

    def test_service_definition_lists_attributes_with_values(
        self, app_client: TestClient, code: str
    ) -> None:
        body = app_client.get(f"{V2}/services/{code}.json").json()
        assert body["service_code"] == code
        street = next(a for a in body["attributes"] if a["code"] == "street")
        assert street["datatype"] == "singlevaluelist" and street["variable"] is True
        assert {"key": "S01", "name": street["values"][0]["name"]} == street["values"][0]
        root = ET.fromstring(app_client.get(f"{V2}/services/{code}.xml").content)
        assert root.tag == "service_definition"
        assert root.find("attributes/attribute/values") is not None
        assert len(root.findall("attributes/attribute[code='street']/values/value")) == 10

    def test_unknown_service_is_a_404_in_the_error_format(self, app_client: TestClient) -> None:
        r = app_client.get(f"{V2}/services/NOPE.json")
        assert r.status_code == 404
        assert r.json()[0]["code"] == 404
        r = app_client.get(f"{V2}/services/NOPE.xml")
        root = ET.fromstring(r.content)
        assert (
            r.status_code == 404 and root.tag == "errors" and root.find("error/code").text == "404"
        )  # type: ignore[union-attr]

    def test_unknown_format_is_refused(self, app_client: TestClient) -> None:
        r = app_client.get(f"{V2}/services.csv")
        assert r.status_code == 400 and ET.fromstring(r.content).tag == "errors"


class TestPostRequest:
    def test_form_post_registers_a_case_for_the_client(
        self, app_client: TestClient, db: Database, key: str, code: str
    ) -> None:
        r = app_client.post(
            f"{V2}/requests.json",
            data=form(key, code, **{"attribute[street]": "S01", "attribute[crowd_size]": "3"}),
        )
        assert r.status_code == 200, r.text
        [answer] = r.json()
        assert set(answer) == {
            "service_request_id",
            "service_notice",
            "account_id",
            "tracking_no",
            "tracking_code",
        }
        with db.reading() as session:
            case = session.scalar(select(Case).where(Case.tracking_no == answer["tracking_no"]))
            assert case is not None
            appeal = session.get(Appeal, case.appeal_id)
            assert (
                appeal is not None
                and appeal.citizen_name == "程先生"
                and appeal.crowd_size == 3
                and appeal.lat == 22.54
            )
            # The public id is random, not the tracking number; the code is kept only as a digest.
            assert answer["service_request_id"] == appeal.public_id != case.tracking_no
            assert answer["tracking_code"] not in (appeal.tracking_code_hash or "")
            assert (
                answer["tracking_no"] in answer["service_notice"]
                and answer["tracking_code"] in answer["service_notice"]
            )
            assert case.street_id is not None
            event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
            assert event is not None and event.actor_label.startswith("open311:")

    def test_json_post_with_an_attribute_object_answers_in_xml(
        self, app_client: TestClient, key: str, code: str
    ) -> None:
        body = form(key, code, address_string="幸福路12号") | {"attribute": {"title": "路灯坏了"}}
        r = app_client.post(f"{V2}/requests.xml", json=body)
        assert r.status_code == 200, r.text
        root = ET.fromstring(r.content)
        assert root.tag == "service_requests"
        assert root.find("request/service_request_id").text  # type: ignore[union-attr]
        assert root.find("request/account_id") is not None

    def test_the_api_key_may_come_in_the_query_string(
        self, app_client: TestClient, key: str, code: str
    ) -> None:
        body = {k: v for k, v in form(key, code).items() if k != "api_key"}
        r = app_client.post(f"{V2}/requests.json", params={"api_key": key}, json=body)
        assert r.status_code == 200, r.text

    def test_multipart_media_becomes_an_attachment(
        self, app_client: TestClient, db: Database, key: str, code: str
    ) -> None:
        r = app_client.post(
            f"{V2}/requests.json",
            data=form(key, code),
            files={"media": ("lamp.png", PNG, "image/png")},
        )
        assert r.status_code == 200, r.text
        with db.reading() as session:
            case = session.scalar(
                select(Case).where(Case.tracking_no == r.json()[0]["tracking_no"])
            )
            assert case is not None
            files = session.scalars(
                select(Attachment).where(Attachment.appeal_id == case.appeal_id)
            ).all()
            assert [f.filename for f in files] == ["lamp.png"]

    @pytest.mark.parametrize(
        ("change", "status", "words"),
        [
            ({"api_key": None}, 403, "api_key"),
            ({"api_key": "wrong"}, 403, "Invalid api_key"),
            ({"service_code": None}, 400, "service_code"),
            ({"service_code": "NOPE"}, 404, "service_code"),
            ({"lat": None, "long": None}, 400, "location"),
            ({"description": None}, 400, "description"),
            ({"phone": "12"}, 400, "phone"),
            ({"attribute[street]": "NOWHERE"}, 400, "street"),
            ({"attribute[colour]": "red"}, 400, "colour"),
        ],
    )
    def test_bad_requests_change_nothing(
        self,
        app_client: TestClient,
        db: Database,
        key: str,
        code: str,
        change: dict[str, Any],
        status: int,
        words: str,
    ) -> None:
        data = {k: v for k, v in (form(key, code) | change).items() if v is not None}
        with db.reading() as session:
            before = session.scalar(select(func.count()).select_from(Appeal))
        r = app_client.post(f"{V2}/requests.json", data=data)
        assert r.status_code == status, r.text
        [error] = r.json()
        assert error["code"] == status and words in error["description"]
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Appeal)) == before

    def test_media_of_a_refused_type_registers_nothing(
        self, app_client: TestClient, db: Database, key: str, code: str
    ) -> None:
        with db.reading() as session:
            before = session.scalar(select(func.count()).select_from(Appeal))
        r = app_client.post(
            f"{V2}/requests.json",
            data=form(key, code),
            files={"media": ("x.exe", b"MZ...", "application/x-msdownload")},
        )
        assert r.status_code == 400 and "media" in r.json()[0]["description"]
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Appeal)) == before

    @pytest.mark.parametrize(
        ("change", "media"),
        [
            ({}, ("x.png", b"not a png at all", "image/png")),  # content does not match its type
            ({"description": "路灯坏了\x00"}, None),
            ({"lat": "1e999"}, None),
            ({"phone": "１３８１２３４"}, None),
            # Refused by intake's own checks, which used to run only after the appeal was numbered.
            ({"attribute[street]": "NOWHERE"}, None),
            ({"attribute[community]": "NOWHERE"}, None),
            ({"attribute[street]": "S01", "attribute[community]": "C0201"}, None),
            # The media is refused, with an appeal that would pass.
            ({}, ("x.exe", b"MZ...", "application/x-msdownload")),
            ({}, ("empty.png", b"", "image/png")),
        ],
    )
    def test_everything_is_checked_before_anything_is_written(
        self,
        app_client: TestClient,
        db: Database,
        key: str,
        code: str,
        change: dict[str, Any],
        media: Any,
    ) -> None:
        def sequence(r: Any) -> int:
            assert r.status_code == 200, r.text
            return int(r.json()[0]["tracking_no"].rsplit("-", 1)[1])

        first = sequence(app_client.post(f"{V2}/requests.json", data=form(key, code)))
        with db.reading() as session:
            before = session.scalar(select(func.count()).select_from(Appeal))
        files = {"media": media} if media else None
        r = app_client.post(f"{V2}/requests.json", data=form(key, code) | change, files=files)
        assert r.status_code == 400, r.text
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Appeal)) == before
        # The next good request takes the very next tracking number: the refused one used none.
        assert sequence(app_client.post(f"{V2}/requests.json", data=form(key, code))) == first + 1


class TestGetRequests:
    def test_one_request_in_both_formats_with_utc_offsets(
        self, app_client: TestClient, key: str, code: str
    ) -> None:
        srid = app_client.post(f"{V2}/requests.json", data=form(key, code)).json()[0][
            "service_request_id"
        ]
        [row] = app_client.get(f"{V2}/requests/{srid}.json").json()
        assert (
            row["service_request_id"] == srid
            and row["status"] == "open"
            and row["service_code"] == code
        )
        assert row["requested_datetime"].endswith("+08:00")
        assert "phone" not in row and row["description"]
        root = ET.fromstring(app_client.get(f"{V2}/requests/{srid}.xml").content)
        assert root.tag == "service_requests" and root.find("request/status").text == "open"  # type: ignore[union-attr]
        assert root.find("request/long") is not None

    def test_unknown_request_is_404(self, app_client: TestClient) -> None:
        r = app_client.get(f"{V2}/requests/19990101-000001.json")
        assert r.status_code == 404 and r.json()[0]["code"] == 404

    def test_filters_by_id_list_code_status_and_dates(
        self, app_client: TestClient, key: str, code: str
    ) -> None:
        ids = [
            app_client.post(f"{V2}/requests.json", data=form(key, code)).json()[0][
                "service_request_id"
            ]
            for _ in range(2)
        ]
        got = app_client.get(
            f"{V2}/requests.json", params={"service_request_id": ",".join(ids)}
        ).json()
        assert sorted(r["service_request_id"] for r in got) == sorted(ids)
        mine = app_client.get(
            f"{V2}/requests.json", params={"service_code": code, "status": "open"}
        ).json()
        assert set(ids) <= {r["service_request_id"] for r in mine}
        assert all(r["status"] == "open" for r in mine)
        closed = app_client.get(
            f"{V2}/requests.json", params={"service_code": code, "status": "closed"}
        ).json()
        assert not set(ids) & {r["service_request_id"] for r in closed}
        later = app_client.get(
            f"{V2}/requests.json",
            params={"start_date": "2026-12-01T00:00:00Z", "end_date": "2026-12-31T00:00:00+08:00"},
        ).json()
        assert later == []
        paged = app_client.get(
            f"{V2}/requests.json", params={"service_code": code, "page_size": 1, "page": 2}
        ).json()
        assert len(paged) == 1

    @pytest.mark.parametrize(
        "params",
        [
            {"start_date": "2026-11-01"},
            {"start_date": "2026-11-01T00:00:00"},
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
            {"status": "pending"},
            {"page_size": "5000"},
        ],
    )
    def test_bad_filters_are_400(self, app_client: TestClient, params: dict[str, str]) -> None:
        r = app_client.get(f"{V2}/requests.xml", params=params)
        assert r.status_code == 400
        assert ET.fromstring(r.content).find("error/code").text == "400"  # type: ignore[union-attr]


class TestTokens:
    def test_a_queued_client_gets_a_token_that_resolves_once_registered(
        self, app_client: TestClient, db: Database, clock: ManualClock, code: str
    ) -> None:
        queued_key = new_client(db, clock, queued=True)
        r = app_client.post(f"{V2}/requests.json", data=form(queued_key, code))
        assert r.status_code == 200, r.text
        [answer] = r.json()
        assert "service_request_id" not in answer
        token = answer["token"]
        [pending] = app_client.get(f"{V2}/tokens/{token}.json").json()
        assert pending == {"service_request_id": None, "token": token}
        with db.unit_of_work() as session:
            assert register_queued(session, now=clock.now()) >= 1
        [done] = app_client.get(f"{V2}/tokens/{token}.json").json()
        assert done["service_request_id"]
        root = ET.fromstring(app_client.get(f"{V2}/tokens/{token}.xml").content)
        assert root.find("request/service_request_id").text == done["service_request_id"]  # type: ignore[union-attr]
        assert root.find("request/tracking_code") is None  # handed over on the first read only
        assert app_client.get(f"{V2}/requests/{done['service_request_id']}.json").status_code == 200
        # The code the token's holder got opens the citizen's tracking, as a receipt's code does.
        with db.reading() as session:
            assert (
                track_case(session, done["tracking_no"], done["tracking_code"])["tracking_no"]
                == done["tracking_no"]
            )
            assert (
                session.scalar(
                    select(Open311Queued.tracking_code).where(Open311Queued.token == token)
                )
                is None
            )

    def test_a_request_whose_registration_raises_backs_off_and_parks_without_holding_up_the_rest(
        self, app_client: TestClient, db: Database, clock: ManualClock, code: str
    ) -> None:
        queued_key, poison = new_client(db, clock, queued=True), unique_phone()

        def broken(session: Session, cases: list[RegisteredCase]) -> None:
            if any(c.phone == poison for c in cases):
                raise RuntimeError("a registration handler broke")

        def token_of(**extra: Any) -> str:
            r = app_client.post(f"{V2}/requests.json", data=form(queued_key, code, **extra))
            assert r.status_code == 200, r.text
            return str(r.json()[0]["token"])

        def row(token: str) -> Open311Queued:
            with db.reading() as session:
                found = session.scalar(select(Open311Queued).where(Open311Queued.token == token))
                assert found is not None
                return found

        def run() -> int:
            with db.unit_of_work() as session:
                return register_queued(session, now=clock.now())

        with db.unit_of_work() as session:
            register_queued(session, now=clock.now())  # what earlier tests left queued
        good, bad = token_of(), token_of(phone=poison)
        assert db.registry is not None  # the fixture's: the whole composition
        db.registry.add(CASES_REGISTERED, "test.broken", broken)
        try:
            assert run() == 2
            assert row(good).case_id is not None
            failed = row(bad)
            assert (failed.case_id, failed.error, failed.attempts) == (None, None, 1)
            assert failed.last_error and "a registration handler broke" in failed.last_error
            assert run() == 0, "backing off: not taken again at once"
            for attempt in range(2, QUEUE_RETRY.max_attempts + 1):
                clock.advance(QUEUE_RETRY.delay(attempt - 1))
                assert run() == 1 and row(bad).attempts == attempt
            assert row(bad).parked_at == clock.now()
            [pending] = app_client.get(f"{V2}/tokens/{bad}.json").json()
            assert pending["service_request_id"] is None
            listed = parked_cli(db.url, "list", "--kind", "open311")
            assert [i["id"] for i in listed["items"]] == [row(bad).id]
        finally:
            db.registry.remove(CASES_REGISTERED, "test.broken")
        parked_cli(db.url, "retry", "open311", str(row(bad).id))
        assert run() == 1 and row(bad).case_id is not None

    def test_unknown_token_is_404(self, app_client: TestClient) -> None:
        assert app_client.get(f"{V2}/tokens/nope.json").status_code == 404


@pytest.fixture(scope="module")
def live_server(
    demo_url: str, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app behind a real uvicorn on a free port, for clients that speak HTTP themselves."""
    app = create_app(make_settings(demo_url, Path(tmp_path_factory.mktemp("live"))), clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


class TestThirdPartyClient:
    """georeport (PyPI) is an existing Open311 client: it must read us unchanged."""

    @pytest.mark.parametrize("output_format", ["json", "xml"])
    def test_georeport_reads_services_and_requests(
        self, live_server: str, db: Database, clock: ManualClock, code: str, output_format: str
    ) -> None:
        georeport = pytest.importorskip("georeport")
        key = new_client(db, clock)
        posted = httpx.post(f"{live_server}{V2}/requests.json", data=form(key, code), timeout=30)
        assert posted.status_code == 200, posted.text
        srid = posted.json()[0]["service_request_id"]
        client = georeport.GeoReport(f"{live_server}{V2}", output_format=output_format)
        services = client.get_service_list()
        assert code in {s["service_code"] for s in services}
        definition = client.get_service_definition(code)
        assert definition["service_code"] == code
        one = client.get_service_request(srid)
        assert one["service_request_id"] == srid and one["status"] == "open"
        many = client.get_service_requests(service_request_id=srid)
        rows = many if isinstance(many, list) else [many]
        assert [r["service_request_id"] for r in rows] == [srid]


def public_id_of(db: Database, tracking_no: str) -> str:
    with db.reading() as session:
        return str(
            session.scalar(select(Appeal.public_id).where(Appeal.tracking_no == tracking_no))
        )


class TestPrivacy:
    def test_cases_from_other_channels_show_no_words_of_the_citizen(
        self, app_client: TestClient, db: Database
    ) -> None:
        made = make_appeal(app_client, title="张三家门口的事", body="私人信息")
        public_id = public_id_of(db, made["tracking_no"])
        [row] = app_client.get(f"{V2}/requests/{public_id}.json").json()
        assert row["description"] is None and row["lat"] is None
        assert "张三" not in app_client.get(f"{V2}/requests/{public_id}.xml").text
        assert row["status"] == "open" and row["address"]  # the street's name


class TestNoTrackingNumbersInPublic:
    """A tracking number and four digits open the citizen's pages: public lists give none out."""

    def test_the_public_list_shows_public_ids_and_no_tracking_number(
        self, app_client: TestClient, db: Database, key: str, code: str
    ) -> None:
        made = make_appeal(app_client, body="楼下烧烤油烟大")
        posted = app_client.post(f"{V2}/requests.json", data=form(key, code)).json()[0]
        for fmt in ("json", "xml"):
            listed = app_client.get(f"{V2}/requests.{fmt}", params={"page_size": 1000})
            assert listed.status_code == 200
            for no in (made["tracking_no"], posted["tracking_no"]):
                assert no not in listed.text
                assert no.split("-")[1] not in listed.text  # nor its sequence number alone
        ids = {
            r["service_request_id"]
            for r in app_client.get(f"{V2}/requests.json", params={"page_size": 1000}).json()
        }
        assert {public_id_of(db, made["tracking_no"]), posted["service_request_id"]} <= ids
        with db.reading() as session:
            assert not ids & set(session.scalars(select(Case.tracking_no)))

    def test_a_tracking_number_finds_nothing(
        self, app_client: TestClient, key: str, code: str
    ) -> None:
        posted = app_client.post(f"{V2}/requests.json", data=form(key, code)).json()[0]
        assert app_client.get(f"{V2}/requests/{posted['tracking_no']}.json").status_code == 404
        assert (
            app_client.get(
                f"{V2}/requests.json", params={"service_request_id": posted["tracking_no"]}
            ).json()
            == []
        )

    def test_the_submitting_client_reads_its_own_tracking_numbers_only(
        self, app_client: TestClient, db: Database, clock: ManualClock, key: str, code: str
    ) -> None:
        mine = app_client.post(f"{V2}/requests.json", data=form(key, code)).json()[0]
        other_key = new_client(db, clock)
        theirs = app_client.post(f"{V2}/requests.json", data=form(other_key, code)).json()[0]
        [row] = app_client.get(
            f"{V2}/requests/{mine['service_request_id']}.json", params={"api_key": key}
        ).json()
        assert row["tracking_no"] == mine["tracking_no"]
        [row] = app_client.get(
            f"{V2}/requests/{theirs['service_request_id']}.json", params={"api_key": key}
        ).json()
        assert "tracking_no" not in row
        listed = app_client.get(
            f"{V2}/requests.json", params={"api_key": key, "page_size": 1000}
        ).json()
        numbers = {r["service_request_id"]: r.get("tracking_no") for r in listed}
        assert (
            numbers[mine["service_request_id"]] == mine["tracking_no"]
            and numbers[theirs["service_request_id"]] is None
        )
        root = ET.fromstring(
            app_client.get(
                f"{V2}/requests/{mine['service_request_id']}.xml", params={"api_key": key}
            ).content
        )
        assert root.find("request/tracking_no").text == mine["tracking_no"]  # type: ignore[union-attr]
        bad = app_client.get(f"{V2}/requests.json", params={"api_key": "wrong"})
        assert bad.status_code == 403 and bad.json()[0]["code"] == 403

    def test_the_token_holder_reads_the_tracking_number(
        self, app_client: TestClient, db: Database, clock: ManualClock, code: str
    ) -> None:
        token = app_client.post(
            f"{V2}/requests.json", data=form(new_client(db, clock, queued=True), code)
        ).json()[0]["token"]
        with db.unit_of_work() as session:
            register_queued(session, now=clock.now())
        [done] = app_client.get(f"{V2}/tokens/{token}.json").json()
        with db.reading() as session:
            appeal = session.scalar(
                select(Appeal).where(Appeal.public_id == done["service_request_id"])
            )
        assert appeal is not None and done["tracking_no"] == appeal.tracking_no


class TestTrackingCode:
    def test_an_anonymous_request_is_tracked_and_rated_with_its_code(
        self, app_client: TestClient, key: str, code: str
    ) -> None:
        data = {
            k: v
            for k, v in form(key, code).items()
            if k not in ("phone", "first_name", "last_name")
        }
        posted = app_client.post(f"{V2}/requests.json", data=data).json()[0]
        no, secret = posted["tracking_no"], posted["tracking_code"]
        typed = secret.lower().replace("-", " ")  # as a citizen might type it
        r = app_client.post(f"/api/v1/track/{no}", json={"tracking_code": typed})
        assert r.status_code == 200, r.text
        assert r.json()["tracking_no"] == no
        assert (
            app_client.post(f"/api/v1/track/{no}", json={"phone_last4": "0000"}).status_code == 404
        )
