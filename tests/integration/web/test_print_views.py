"""Print views of a case (登记表, 交办单, 答复函): A4 pages with the document's fields, read
through the reader's privacy view; a document the case does not have yet is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import act, make_appeal, make_dispatched
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.web.case_view import case_page
from minyi.web.console_print import print_context
from webclient import signed_in

ID_CARD = "110101199003071233"


def page(client: TestClient, user: str, case_id: int, document: str) -> tuple[int, str]:
    r = signed_in(client, user).get(f"/console/cases/{case_id}/print/{document}")
    return r.status_code, r.text


class TestPrintViews:
    def test_registration_form_has_the_fields_and_a_print_stylesheet(
        self, app_client: TestClient
    ) -> None:
        case = make_appeal(app_client, name="程先生", id_card=ID_CARD, title="小区路灯不亮")
        status, text = page(app_client, "clerk", case["id"], "registration")
        assert status == 200
        assert "群众诉求登记表" in text and case["tracking_no"] in text and "小区路灯不亮" in text
        assert ID_CARD in text and "程先生" in text and "12345热线" in text
        assert "/static/web/print.css" in text and "登记单位" in text and "年" in text
        # The print page carries no console navigation.
        assert 'href="/console/inbox"' not in text
        css = app_client.get("/static/web/print.css").text
        assert "@media print" in css and "size: A4" in css and ".screen-only { display: none" in css

    def test_dispatch_slip_names_the_units_and_the_deadlines(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client, lead="DEP01", co=["DEP02"])
        status, text = page(app_client, "dispatcher", case["id"], "dispatch")
        assert status == 200
        assert (
            "群众诉求交办单" in text
            and "区住房和建设局" in text
            and "区城市管理和综合执法局" in text
        )
        assert "主办单位" in text and "协办单位" in text and "办理时限" in text
        assert "DEP01" not in text

    def test_reply_letter_only_once_replied(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client, lead="DEP11", name="程先生")
        assert page(app_client, "dep11.handler", case["id"], "reply")[0] == 409
        assert act(app_client, case["id"], "sign_for", "dep11.handler").status_code == 200
        assert (
            act(
                app_client,
                case["id"],
                "reply",
                "dep11.handler",
                text="经现场核查，路灯已于本周修复。",
            ).status_code
            == 200
        )
        status, text = page(app_client, "dep11.handler", case["id"], "reply")
        assert status == 200
        assert "答复函" in text and "经现场核查，路灯已于本周修复。" in text and "程先生" in text

    def test_a_masked_reader_prints_masked_data_and_out_of_scope_is_not_found(
        self, app_client: TestClient
    ) -> None:
        case = make_dispatched(app_client, lead="DEP03", id_card=ID_CARD, phone="13911112222")
        status, text = page(app_client, "s01.staff", case["id"], "registration")
        assert status == 200
        assert ID_CARD not in text and "1101**********1233" in text
        assert "13911112222" not in text and "139****2222" in text
        assert page(app_client, "dep04.handler", case["id"], "registration")[0] == 404
        assert page(app_client, "clerk", case["id"], "nonsense")[0] == 404

    def test_case_page_links_to_its_print_views(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client, lead="DEP01")
        text = signed_in(app_client, "dispatcher").get(f"/console/cases/{case['id']}").text
        assert f"/console/cases/{case['id']}/print/registration" in text
        assert f"/console/cases/{case['id']}/print/dispatch" in text
        assert f"/console/cases/{case['id']}/print/reply" not in text


class TestPrintRecord:
    def test_the_print_reads_the_same_record_as_the_case_page(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        """A print reads only the case's record (no panels, no actions): what it shows must be
        what the case page shows the same reader, masked the same way."""
        case = make_dispatched(app_client, lead="DEP03", id_card=ID_CARD, phone="13911112222")
        assert act(app_client, case["id"], "sign_for", "dep03.handler").status_code == 200
        for user in ("dispatcher", "dep03.handler", "s01.staff"):
            with db.reading() as session:
                actor = actor_for_username(session, user)
                page_data = case_page(session, case["id"], actor, clock.now())
                printed = print_context(session, case["id"], actor, clock.now())
            for key in ("place", "events", "clocks"):
                assert printed[key] == page_data[key], (user, key)
            assert printed["case"] == page_data["case"] | {"allowed_actions": []}, user
            assert page_data["case"]["allowed_actions"] or user == "s01.staff"
            assert printed["handling_units"] and printed["dispatch_event"] is not None
