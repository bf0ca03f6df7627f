"""Every outlet that returns case data reads it through the one privacy policy.

`ROUTES` and `COMMANDS` register every route of the app and every CLI command as either going
through the policy (with the test here that shows it) or carrying no personal data; the
enumeration tests fail for any route or command missing from them, so a new outlet cannot forget
the policy. Then one test per outlet reads one appeal, whose name, phone, ID number and flat are
repeated (written other ways) inside its title and body, as four readers: the accused community's
staff, the street's staff, a leader, and the unit handling the case.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.routing import Mount
from typer.main import get_command
from typer.testing import CliRunner

from cli_harness import minyi_env, run_cli
from conftest import START
from factories import act, auth, make_appeal
from minyi.cases.models import Appeal as AppealRow
from minyi.cases.models import Case
from minyi.cli.main import app as cli_app
from minyi.core.db import Database
from minyi.grassroots.models import Building
from minyi.integrations.open311 import create_client
from minyi.legal.models import PrePetitionAdvice
from minyi.notify.models import OutboxMessage
from minyi.org.models import Staff, Unit
from minyi.org.service import actor_for_username
from minyi.privacy.rules import Show, party_contacts, party_show
from minyi.reports.rules import ReportKind
from minyi.reports.snapshot import build_snapshot
from minyi.services.models import ServiceSite
from minyi.services.service import book_appointment, change_service
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from webclient import signed_in

POLICY, NONE = "policy", "none"

ROUTES: dict[str, tuple[str, str]] = {
    # through the policy, each with its test below
    "GET /api/v1/appeals": (POLICY, "test_api_list"),
    "GET /api/v1/appeals/{case_id}": (POLICY, "test_api_detail"),
    "GET /api/v1/appeals/{case_id}/timeline": (POLICY, "test_api_timeline"),
    "POST /api/v1/appeals/{case_id}/actions/{action}": (
        POLICY,
        "test_api_action_answers_the_detail",
    ),
    "GET /api/v1/exports/cases": (POLICY, "test_export"),
    "GET /console/cases/{case_id}": (POLICY, "test_web_case_page"),
    "GET /console/inbox": (POLICY, "test_web_inbox_search"),
    "GET /console/attachments/{attachment_id}": (POLICY, "test_attachment_download"),
    "GET /console/dispatch": (POLICY, "test_web_boards"),
    "GET /console/unit": (POLICY, "test_web_boards"),
    "GET /console/area": (POLICY, "test_web_boards"),
    "GET /console/supervision": (POLICY, "test_web_boards"),
    "GET /open311/v2/requests.{fmt}": (POLICY, "test_open311"),
    "GET /open311/v2/requests/{service_request_id}.{fmt}": (POLICY, "test_open311"),
    "GET /api/v1/track/{tracking_no}": (POLICY, "test_tracking_page"),
    "POST /api/v1/track/{tracking_no}": (POLICY, "test_tracking_page"),
    "POST /portal/track": (POLICY, "test_tracking_page"),
    "GET /api/v1/reports/{issue_id}": (POLICY, "test_report_sections_mask_text"),
    "GET /api/v1/reports/{issue_id}.html": (POLICY, "test_report_sections_mask_text"),
    "GET /api/v1/reports/{issue_id}.pdf": (POLICY, "test_report_sections_mask_text"),
    "GET /leader/reports/{issue_id}.html": (POLICY, "test_report_sections_mask_text"),
    "GET /leader/reports/{issue_id}.pdf": (POLICY, "test_report_sections_mask_text"),
    "POST /api/v1/reports/daily": (POLICY, "test_report_sections_mask_text"),
    "GET /api/v1/appeals/{case_id}/triage": (POLICY, "test_triage_view_masks"),
    "GET /api/v1/analytics/alerts": (POLICY, "test_alerts_mask_phones"),
    "GET /api/v1/analytics/hotspots": (POLICY, "test_hotspots_name_no_complainant"),
    "GET /leader": (POLICY, "test_alerts_mask_phones"),
    "GET /leader/alerts": (POLICY, "test_leader_pages"),
    "GET /leader/list/{name}": (POLICY, "test_leader_pages"),
    "GET /leader/report": (POLICY, "test_leader_pages"),
    # the same case detail the action route answers (api/appeals.py `_detail`)
    "POST /api/v1/appeals/{case_id}/redispatch": (POLICY, "test_api_action_answers_the_detail"),
    "GET /api/v1/webhooks/{name}/deliveries": (
        POLICY,
        "test_webhook_payloads_carry_no_personal_data",
    ),
    # staff-written text about a case (it may quote the appeal), through the reader's view of it
    "GET /api/v1/analytics/cases/{case_id}/similar": (POLICY, "test_lists_naming_cases"),
    "GET /api/v1/analytics/sweeps/{sweep_id}": (POLICY, "test_sweeps"),
    "POST /api/v1/analytics/sweeps": (POLICY, "test_writes_answer_through_the_policy"),
    "GET /api/v1/analytics/sweeps": (POLICY, "test_sweeps"),
    "GET /api/v1/appeals/{case_id}/links": (NONE, "ids and tracking numbers of linked cases"),
    "GET /api/v1/triage/suggestions": (POLICY, "test_lists_naming_cases"),
    "GET /api/v1/escalations": (POLICY, "test_lists_naming_cases"),
    "GET /api/v1/appeals/{case_id}/escalation": (POLICY, "test_holdings_and_escalation"),
    "GET /api/v1/backlog": (POLICY, "test_lists_naming_cases"),
    "GET /api/v1/holdings": (POLICY, "test_holdings_and_escalation"),
    "GET /api/v1/holdings/{holding_id}": (POLICY, "test_holdings_and_escalation"),
    "POST /api/v1/appeals/{case_id}/holding": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/holdings/{holding_id}/approve": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/holdings/{holding_id}/refuse": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/holdings/{holding_id}/release": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/holdings/{holding_id}/visits": (POLICY, "test_writes_answer_through_the_policy"),
    "PUT /api/v1/holdings/{holding_id}/plan": (POLICY, "test_writes_answer_through_the_policy"),
    "GET /api/v1/mailboxes/inbox": (POLICY, "test_lists_naming_cases"),
    "GET /api/v1/whistles": (POLICY, "test_whistles"),
    "GET /api/v1/whistles/{whistle_id}": (POLICY, "test_whistles"),
    "POST /api/v1/whistles": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/whistles/{whistle_id}/act": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/whistles/{whistle_id}/confirm": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/whistles/{whistle_id}/report-in": (
        POLICY,
        "test_writes_answer_through_the_policy",
    ),
    "GET /api/v1/instructions": (POLICY, "test_instructions"),
    "GET /api/v1/instructions/{instruction_id}": (POLICY, "test_instructions"),
    "GET /api/v1/instruction-tasks": (POLICY, "test_instructions"),
    "POST /api/v1/instructions": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/instruction-tasks/{task_id}/complete": (
        POLICY,
        "test_writes_answer_through_the_policy",
    ),
    "GET /api/v1/supervision-orders": (POLICY, "test_orders"),
    "GET /api/v1/supervision-orders/{order_id}": (POLICY, "test_orders"),
    "POST /api/v1/supervision-orders": (POLICY, "test_writes_answer_through_the_policy"),
    "POST /api/v1/supervision-orders/{order_id}/close": (
        POLICY,
        "test_writes_answer_through_the_policy",
    ),
    "POST /api/v1/supervision-orders/{order_id}/respond": (
        POLICY,
        "test_writes_answer_through_the_policy",
    ),
    "GET /api/v1/letters": (POLICY, "test_letters"),
    "GET /api/v1/letters/{letter_id}": (POLICY, "test_letters"),
    "GET /api/v1/letters/{letter_id}.docx": (POLICY, "test_letters"),
    "POST /api/v1/letters": (POLICY, "test_writes_answer_through_the_policy"),
    "GET /console/letters/{letter_id}.docx": (POLICY, "test_letters"),
    "GET /console/tasks": (POLICY, "test_web_tasks"),
    "GET /console/admin/outbox": (POLICY, "test_admin_outbox"),
    "GET /console/whistles": (POLICY, "test_web_whistles"),
    "POST /console/intake": (POLICY, "test_web_desk"),
    "POST /console/intake/earlier": (POLICY, "test_web_desk"),
    "GET /console/grid": (POLICY, "test_web_desk"),
    "POST /console/grid/report": (POLICY, "test_web_desk"),
    # the desk form and the tracking number and status of the appeal just registered there
    "GET /console/intake": (NONE, "a form, and a tracking number with its status"),
    # 答复审核 and 延期申请: the submitted reply and the request reasons quote the complainant
    "GET /api/v1/approvals/replies": (POLICY, "test_approvals"),
    "GET /api/v1/approvals/extensions": (POLICY, "test_approvals"),
    "GET /api/v1/appeals/{case_id}/extension-requests": (POLICY, "test_approvals"),
    "POST /api/v1/appeals/{case_id}/extension-requests": (POLICY, "test_approvals"),
    "POST /api/v1/extension-requests/{request_id}/{decision}": (POLICY, "test_approvals"),
    "GET /console/approvals": (POLICY, "test_approvals"),
    "GET /console/notifications": (POLICY, "test_web_notifications"),
    "GET /api/v1/notifications": (POLICY, "test_api_notifications"),
    "POST /api/v1/notifications/{notification_id}/read": (POLICY, "test_api_notifications"),
    "POST /api/v1/notifications/read-all": (POLICY, "test_api_notifications"),
    "GET /console/export/cases.xlsx": (POLICY, "test_web_export_xlsx"),
    "GET /console/cases/{case_id}/print/{document}": (POLICY, "test_web_print_views"),
    # 党建覆盖: a patrol's finding is staff-written text about residents (patrol_text)
    "GET /api/v1/grassroots/patrols": (POLICY, "test_grassroots_patrol_findings"),
    "POST /api/v1/grassroots/patrols": (POLICY, "test_grassroots_patrol_findings"),
    "POST /api/v1/grassroots/patrols/{patrol_id}/event": (
        POLICY,
        "test_grassroots_patrol_findings",
    ),
    "POST /api/v1/grassroots/patrols/{patrol_id}/handling": (
        POLICY,
        "test_grassroots_patrol_findings",
    ),
    "POST /console/grassroots/patrols/{patrol_id}/handling": (
        POLICY,
        "test_grassroots_patrol_findings",
    ),
    # 联户: a household head's name and phone (household_head)
    "GET /api/v1/grassroots/buildings/{building_id}/households": (
        POLICY,
        "test_grassroots_household_heads",
    ),
    "POST /api/v1/grassroots/buildings/{building_id}/households": (
        POLICY,
        "test_grassroots_household_heads",
    ),
    "PUT /api/v1/grassroots/buildings/{building_id}/households/{household_id}": (
        POLICY,
        "test_grassroots_household_heads",
    ),
    "GET /console/grassroots/buildings/{building_id}": (POLICY, "test_grassroots_household_heads"),
    "POST /console/grassroots/buildings/{building_id}": (
        POLICY,
        "test_grassroots_household_heads",
    ),
    "POST /console/grassroots/buildings/{building_id}/households": (
        POLICY,
        "test_grassroots_household_heads",
    ),
    # 联席会议: case titles, decisions and tasks through each reader's view; the minutes through
    # the strictest view of any member unit.
    **dict.fromkeys(
        (
            "GET /api/v1/meetings",
            "POST /api/v1/meetings",
            "GET /api/v1/meetings/{meeting_id}",
            "GET /api/v1/meetings/{meeting_id}/candidates",
            "POST /api/v1/meetings/{meeting_id}/items",
            "POST /api/v1/meetings/{meeting_id}/items/{item_id}/move",
            "DELETE /api/v1/meetings/{meeting_id}/items/{item_id}",
            "POST /api/v1/meetings/{meeting_id}/items/{item_id}/decision",
            "GET /api/v1/meetings/{meeting_id}/minutes.docx",
            "GET /console/meetings",
            "GET /console/meetings/new",
            "POST /console/meetings",
            "GET /console/meetings/{meeting_id}",
            "POST /console/meetings/{meeting_id}/items",
            "POST /console/meetings/{meeting_id}/items/{item_id}/move",
            "POST /console/meetings/{meeting_id}/items/{item_id}/remove",
            "GET /console/meetings/{meeting_id}/items/{item_id}",
            "POST /console/meetings/{meeting_id}/items/{item_id}/decision",
            "GET /console/meetings/{meeting_id}/minutes.docx",
        ),
        (POLICY, "test_joint_meetings"),
    ),
    "GET /console/grassroots/patrol": (POLICY, "test_grassroots_patrol_findings"),
    "POST /console/grassroots/patrol": (POLICY, "test_grassroots_patrol_findings"),
    "POST /console/grassroots/patrols/{patrol_id}/event": (
        POLICY,
        "test_grassroots_patrol_findings",
    ),
    # 平安志愿者: a volunteer's name and phone (volunteer_contact), a report's text
    # (volunteer_text), the public ranking's masked names
    **dict.fromkeys(
        (
            "GET /api/v1/volunteers",
            "POST /api/v1/volunteers",
            "GET /api/v1/volunteers/{volunteer_id}",
            "POST /api/v1/volunteers/{volunteer_id}/decision",
            "GET /api/v1/volunteers/reports",
            "POST /api/v1/volunteers/reports",
            "POST /api/v1/volunteers/reports/{report_id}/verify",
            "GET /api/v1/volunteers/ranking",
            "GET /console/volunteers",
            "POST /console/volunteers/register",
            "POST /console/volunteers/{volunteer_id}/decision",
            "GET /console/volunteers/reports",
            "POST /console/volunteers/reports/{report_id}/verify",
            "POST /console/volunteers/reports/{report_id}/raise",
            "GET /console/volunteers/ledger",
            "GET /console/volunteers/ranking",
            "GET /portal/volunteers/me",
            "GET /portal/volunteers/ranking",
            "POST /portal/volunteers/register",
            "POST /portal/volunteers/report",
        ),
        (POLICY, "test_volunteers"),
    ),
    # point rules, figures, a ledger (points, rule, case number), forms and redirects
    **dict.fromkeys(
        (
            "GET /api/v1/volunteers/rules",
            "PUT /api/v1/volunteers/rules",
            "GET /api/v1/volunteers/figures",
            "GET /api/v1/volunteers/{volunteer_id}/ledger",
            "POST /console/volunteers/rules",
            "GET /console/volunteers/rules",
            "GET /portal/volunteers",
            "GET /portal/volunteers/register",
            "GET /portal/volunteers/sign-in",
            "POST /portal/volunteers/sign-in",
            "POST /portal/volunteers/sign-out",
            "GET /portal/volunteers/report",
        ),
        (NONE, "rules, counts, points and forms: no name, phone or report text"),
    ),
    # 服务市集: the person raising a matter at a stall (a case) and a policy question's text
    **dict.fromkeys(
        (
            "GET /api/v1/markets/{event_id}",
            "POST /api/v1/markets/stalls/{stall_id}/matters",
            "POST /api/v1/markets/stalls/{stall_id}/questions",
            "POST /api/v1/markets/matters/{matter_id}/solve",
            "GET /console/markets/{event_id}",
            "GET /console/markets/{event_id}/summary",
            "GET /console/markets/{event_id}/summary.pdf",
            "GET /console/markets/stalls/{stall_id}",
            "POST /console/markets/stalls/{stall_id}/matters",
            "POST /console/markets/stalls/{stall_id}/questions",
            "POST /console/markets/stalls/{stall_id}/visitors",
            "POST /console/markets/matters/{matter_id}/solve",
        ),
        (POLICY, "test_markets_matters"),
    ),
    **dict.fromkeys(
        (
            "GET /api/v1/markets",
            "POST /api/v1/markets",
            "POST /api/v1/markets/{event_id}/cancel",
            "PUT /api/v1/markets/{event_id}/stalls",
            "PUT /api/v1/markets/stalls/{stall_id}/visitors",
            "GET /console/markets",
            "GET /console/markets/new",
            "POST /console/markets",
            "POST /console/markets/{event_id}/cancel",
        ),
        (NONE, "markets, stalls, counts and staff names; no person who raised a matter"),
    ),
    # 法律服务: a consultation's citizen, question and advice, a referral's situation, through
    # privacy.rules.legal_view; the pre-petition advice on a case through the case's own view
    **dict.fromkeys(
        (
            "GET /api/v1/legal/consultations",
            "POST /api/v1/legal/consultations",
            "GET /api/v1/legal/consultations/{consultation_id}",
            "GET /api/v1/legal/referrals",
            "POST /api/v1/legal/referrals",
            "GET /api/v1/legal/referrals/{referral_id}",
            "POST /api/v1/legal/referrals/{referral_id}/decision",
            "POST /api/v1/legal/referrals/{referral_id}/lawyer",
            "GET /api/v1/legal/desk",
            "POST /api/v1/legal/advice",
            "POST /api/v1/legal/advice/{advice_id}/choice",
            "GET /api/v1/legal/cases/{case_id}/advice",
            "GET /console/legal",
            "GET /console/legal/appointments/{appointment_id}/consult",
            "POST /console/legal/appointments/{appointment_id}/consult",
            "GET /console/legal/consultations/{consultation_id}",
            "POST /console/legal/consultations/{consultation_id}/refer",
            "GET /console/legal/referrals/{referral_id}",
            "POST /console/legal/referrals/{referral_id}/decide",
            "POST /console/cases/{case_id}/legal-advice",
            "POST /console/legal/advice/{advice_id}/choice",
        ),
        (POLICY, "test_legal_records"),
    ),
    "GET /api/v1/legal/figures": (NONE, "法律服务 counts by area of law and decision; no person"),
    # 心理服务: notes only for their author and the author's supervisor; the client through
    # counselling_client; a case's counselling as counts and dates
    **dict.fromkeys(
        (
            "GET /api/v1/counselling/records",
            "POST /api/v1/counselling/records",
            "POST /api/v1/counselling/appointments/{appointment_id}/take",
            "GET /api/v1/counselling/records/{record_id}",
            "POST /api/v1/counselling/records/{record_id}/sessions",
            "POST /api/v1/counselling/records/{record_id}/risk",
            "POST /api/v1/counselling/records/{record_id}/close",
            "POST /api/v1/counselling/records/{record_id}/follow-ups",
            "POST /api/v1/counselling/follow-ups/{follow_up_id}/done",
            "GET /api/v1/counselling/talks",
            "POST /api/v1/counselling/talks",
            "POST /api/v1/counselling/talks/{talk_id}/plan",
            "POST /api/v1/counselling/talks/{talk_id}/hold",
            "POST /api/v1/counselling/talks/{talk_id}/cancel",
            "GET /api/v1/counselling/cases/{case_id}",
            "GET /console/counselling",
            "POST /console/counselling/walk-in",
            "POST /console/counselling/appointments/{appointment_id}/take",
            "GET /console/counselling/records/{record_id}",
            "POST /console/counselling/records/{record_id}/session",
            "POST /console/counselling/records/{record_id}/risk",
            "POST /console/counselling/records/{record_id}/follow-up",
            "POST /console/counselling/records/{record_id}/close",
            "POST /console/counselling/follow-ups/{follow_up_id}/done",
            "GET /console/counselling/talks/{talk_id}",
            "POST /console/counselling/talks",
            "POST /console/counselling/talks/{talk_id}/plan",
            "POST /console/counselling/talks/{talk_id}/hold",
            "POST /console/counselling/talks/{talk_id}/cancel",
        ),
        (POLICY, "test_counselling_notes"),
    ),
    "GET /api/v1/counselling/figures": (NONE, "心理服务 figures: counts only"),
    # 下沉接访: the citizens of a reception (name, phone, matter) through booker_view
    **dict.fromkeys(
        (
            "GET /api/v1/receptions/{reception_id}",
            "POST /api/v1/receptions/{reception_id}/walk-ins",
            "POST /api/v1/receptions/{reception_id}/record",
            "POST /api/v1/receptions/{reception_id}/home-visits",
            "GET /console/receptions/{reception_id}",
            "POST /console/receptions/{reception_id}/walk-in",
            "POST /console/receptions/{reception_id}/record",
            "POST /console/receptions/{reception_id}/visit",
            "POST /console/receptions/{reception_id}/citizens/{booking_id}/case",
            "POST /console/receptions/{reception_id}/publish",
            "POST /console/receptions/{reception_id}/cancel",
            "GET /api/v1/public/receptions/bookings/{ref}",
            "POST /api/v1/public/receptions/bookings",
            "GET /portal/receptions/booked/{ref}",
            "POST /portal/receptions/slots/{slot_id}",
            # cancelling answers the same masked confirmation
            "POST /api/v1/public/receptions/bookings/{ref}/cancel",
            "POST /portal/receptions/booked/{ref}/cancel",
        ),
        (POLICY, "test_reception_citizens"),
    ),
    # 纠纷调解: the parties of a dispute (name, phone, ID number, address) and the dispute's free
    # text through privacy's party_show: the mediators and the area's staff in clear
    **dict.fromkeys(
        (
            "GET /api/v1/mediation",
            "POST /api/v1/mediation",
            "GET /api/v1/mediation/{dispute_id}",
            "POST /api/v1/mediation/{dispute_id}/sessions",
            "POST /api/v1/mediation/sessions/{session_id}/held",
            "POST /api/v1/mediation/sessions/{session_id}/cancel",
            "POST /api/v1/mediation/{dispute_id}/outcome",
            "POST /api/v1/mediation/terms/{term_id}/performance",
            "POST /api/v1/mediation/agreements/{agreement_id}/filing",
            "POST /api/v1/mediation/agreements/{agreement_id}/ruling",
            "POST /api/v1/mediation/{dispute_id}/referral",
            "GET /api/v1/mediation/agreements/{agreement_id}.docx",
            "GET /api/v1/mediation/agreements/{agreement_id}.pdf",
            "GET /console/mediation",
            "POST /console/mediation",
            "GET /console/mediation/{dispute_id}",
            "POST /console/mediation/{dispute_id}/sessions",
            "POST /console/mediation/{dispute_id}/sessions/{session_id}/held",
            "POST /console/mediation/{dispute_id}/sessions/{session_id}/cancel",
            "POST /console/mediation/{dispute_id}/outcome",
            "POST /console/mediation/{dispute_id}/terms/{term_id}",
            "POST /console/mediation/{dispute_id}/agreements/{agreement_id}/filing",
            "POST /console/mediation/{dispute_id}/agreements/{agreement_id}/ruling",
            "POST /console/mediation/{dispute_id}/referral",
            "GET /console/mediation/agreements/{agreement_id}.{kind}",
        ),
        (POLICY, "test_mediation_parties"),
    ),
    "GET /api/v1/mediation/figures": (NONE, "counts and rates by site and mediator (staff)"),
    # 帮扶救助: the applicant's name, phone, id number, address, income and household through
    # relief_view (reviewers of reached stages in clear, the id number only at the bureau)
    **dict.fromkeys(
        (
            "GET /api/v1/relief/applications",
            "POST /api/v1/relief/applications",
            "GET /api/v1/relief/applications/{application_id}",
            "POST /api/v1/relief/applications/{application_id}/review",
            "POST /api/v1/relief/applications/{application_id}/resubmit",
            "POST /api/v1/relief/applications/{application_id}/payment",
            "POST /api/v1/relief/applications/{application_id}/follow-up",
            "GET /console/relief",
            "GET /console/relief/{application_id}",
            "POST /console/relief/{application_id}/review",
            "POST /console/relief/{application_id}/resubmit",
            "POST /console/relief/{application_id}/payment",
            "POST /console/relief/{application_id}/follow-up",
            "POST /console/relief/new",
            "POST /services/relief/apply",
            "GET /services/relief/applied/{ref}",
        ),
        (POLICY, "test_relief_applicants"),
    ),
    **dict.fromkeys(
        ("GET /api/v1/relief/figures", "GET /services/relief/apply", "GET /console/relief/new"),
        (NONE, "relief's counts and amounts, the empty application form; no applicant"),
    ),
    # receptions' days, places, leaders (staff) and counts; the raised case's number; forms
    **dict.fromkeys(
        (
            "GET /api/v1/receptions",
            "POST /api/v1/receptions",
            "GET /api/v1/receptions/figures",
            "POST /api/v1/receptions/areas",
            "POST /api/v1/receptions/areas/unlink",
            "POST /api/v1/receptions/{reception_id}/publish",
            "POST /api/v1/receptions/{reception_id}/cancel",
            "POST /api/v1/receptions/bookings/{booking_id}/case",
            "GET /api/v1/public/receptions",
            "GET /console/receptions",
            "POST /console/receptions",
            "GET /console/receptions/areas",
            "GET /console/receptions/areas/{username}",
            "GET /portal/receptions",
            "GET /portal/receptions/slots/{slot_id}",
        ),
        (NONE, "reception days, leaders and counts; no citizen"),
    ),
    # 五类服务: a citizen's appointment at a service site (name, phone, topic) through
    # appointment_view; the case page's 转换服务类别 answers the case page on a refusal
    **dict.fromkeys(
        (
            "GET /api/v1/services/sites/{site_id}/appointments",
            "POST /api/v1/services/sites/{site_id}/appointments",
            "GET /api/v1/services/appointments/mine",
            "POST /api/v1/services/appointments/{appointment_id}/step",
            "GET /api/v1/services/public/bookings/{ref}",
            "POST /api/v1/services/public/bookings",
            "GET /console/services",
            "GET /console/services/sites/{site_id}",
            "POST /console/services/sites/{site_id}/rooms",
            "POST /console/services/sites/{site_id}/staff",
            "POST /console/services/sites/{site_id}/book",
            "POST /console/cases/{case_id}/service",
            "POST /services/book",
            "GET /services/booked/{ref}",
            # cancelling answers the same masked confirmation
            "POST /api/v1/services/public/bookings/{ref}/cancel",
            "POST /services/booked/{ref}/cancel",
        ),
        (POLICY, "test_service_appointments"),
    ),
    # sites, rooms, professionals (staff), hours, free times and counts; forms and redirects
    **dict.fromkeys(
        (
            "GET /api/v1/services/sites",
            "POST /api/v1/services/sites",
            "GET /api/v1/services/sites/{site_id}",
            "POST /api/v1/services/sites/{site_id}/rooms",
            "POST /api/v1/services/sites/{site_id}/staff",
            "POST /api/v1/services/cases/{case_id}/service",
            "GET /api/v1/services/public/sites",
            "GET /api/v1/services/public/free-times",
            "POST /console/services/appointments/{appointment_id}/{step}",
            "GET /console/services/sites",
            "POST /console/services/sites",
            "GET /services",
            "GET /services/book",
        ),
        (NONE, "service sites, their professionals (staff), hours and free times; no citizen"),
    ),
    # places, counts and the coverers' names and units (staff, never a phone), forms and redirects
    **dict.fromkeys(
        (
            "GET /api/v1/grassroots/coverage",
            "GET /api/v1/grassroots/coverage.svg",
            "GET /api/v1/grassroots/figures",
            "POST /api/v1/grassroots/places/import",
            "PUT /api/v1/grassroots/buildings/{building_id}",
            "GET /api/v1/grassroots/assignments",
            "POST /api/v1/grassroots/assignments",
            "POST /api/v1/grassroots/assignments/{assignment_id}/end",
            "GET /api/v1/grassroots/branches",
            "POST /api/v1/grassroots/branches",
            "GET /console/grassroots",
            "GET /console/grassroots/map.svg",
            "GET /console/grassroots/people",
            "POST /console/grassroots/people/assign",
            "POST /console/grassroots/people/{assignment_id}/end",
            "POST /console/grassroots/branches",
            "GET /console/grassroots/places",
            "POST /console/grassroots/places/import",
        ),
        (NONE, "buildings, counts and staff names; no complainant, no resident"),
    ),
    # no personal data: receipts, ids, counts, configuration, the org tree, sign-in, forms
    **dict.fromkeys(
        (
            "GET /",
            "GET /console",
            "GET /console/sign-in",
            "GET /console/admin",
            "GET /docs",
            "GET /healthz",
            "GET /metrics",
            "GET /openapi.json",
            "GET /redoc",
            "GET /portal/mailboxes",
            "GET /portal/mailboxes/{code}/qr.svg",
            "GET /portal/receipt/{tracking_no}",
            "GET /portal/submit",
            "GET /portal/track",
            "GET /api/v1/analytics/assessment",
            "GET /api/v1/appeals/{case_id}/clocks",
            "GET /api/v1/auth/me",
            "GET /api/v1/bounces/stats",
            "GET /api/v1/channels",
            "GET /api/v1/clock-policies",
            "GET /api/v1/dictionary",
            "GET /api/v1/escalation/rules",
            "GET /api/v1/escalation/rules/versions",
            "GET /api/v1/gazetteer",
            "GET /api/v1/holdings/stats",
            "GET /api/v1/mailboxes",
            "GET /api/v1/mailboxes/{code}/qr.png",
            "GET /api/v1/mailboxes/{code}/qr.svg",
            "GET /api/v1/org/export",
            "GET /api/v1/report-subscribers",
            "GET /api/v1/reports",
            "GET /api/v1/reports/{issue_id}/instructions",
            "GET /api/v1/risk-lexicon",
            "GET /api/v1/units",
            "GET /api/v1/webhooks",
            "GET /api/v1/whistles/stats",
            "GET /open311/v2/discovery.{fmt}",
            "GET /open311/v2/services.{fmt}",
            "GET /open311/v2/services/{service_code}.{fmt}",
            "GET /open311/v2/tokens/{token}.{fmt}",
            "POST /api/v1/appeals",
            "POST /api/v1/appeals/{case_id}/attachments",
            "POST /api/v1/auth/logout",
            "POST /api/v1/auth/token",
            "POST /api/v1/analytics/alerts/run",
            "POST /api/v1/analytics/alerts/{alert_id}/acknowledge",
            "POST /api/v1/appeals/{case_id}/clocks/extend",
            "POST /api/v1/appeals/{case_id}/clocks/pause",
            "POST /api/v1/appeals/{case_id}/clocks/policy",
            "POST /api/v1/appeals/{case_id}/clocks/resume",
            "POST /api/v1/appeals/{case_id}/triage/confirm",
            "POST /api/v1/appeals/{case_id}/triage/correct",
            "POST /api/v1/dictionary/import",
            "POST /api/v1/escalation/rules",
            "POST /api/v1/gazetteer",
            "POST /api/v1/imports/cases",
            "POST /api/v1/org/import",
            "POST /api/v1/report-subscribers",
            "POST /api/v1/reports/{issue_id}/instructions",
            "POST /api/v1/track/{tracking_no}/feedback",
            "POST /api/v1/triage/place",
            "POST /api/v1/triage/reply-check",
            "POST /api/v1/triage/risk",
            "POST /api/v1/webhooks",
            "POST /api/v1/webhooks/{name}/ping",
            "POST /console/admin/import/{what}",
            "POST /console/cases/{case_id}/actions/{action}",
            "POST /console/cases/{case_id}/attachments",
            "POST /console/cases/{case_id}/clocks/{what}",
            "POST /console/cases/{case_id}/holding",
            "POST /console/cases/{case_id}/instructions",
            "POST /console/cases/{case_id}/orders",
            "POST /console/cases/{case_id}/triage/confirm",
            "POST /console/cases/{case_id}/triage/correct",
            "POST /console/orders/{order_id}/{step}",
            "POST /console/sign-in",
            "POST /console/sign-out",
            "POST /console/tasks/{task_id}/complete",
            "POST /console/whistles",
            "POST /console/whistles/{whistle_id}/{step}",
            "POST /leader/alerts/{alert_id}/acknowledge",
            "POST /leader/reports/{issue_id}/instructions",
            "POST /leader/instruct",
            "POST /console/letters/{letter_id}/reply",
            "POST /console/supervision/letters",
            "POST /console/supervision/orders",
            "POST /open311/v2/requests.{fmt}",
            "POST /portal/submit",
            "POST /portal/track/feedback",
            "PUT /api/v1/clock-policies",
            "PUT /api/v1/risk-lexicon",
            "PATCH /api/v1/webhooks/{name}",
            "DELETE /api/v1/gazetteer/{entry_id}",
            "DELETE /api/v1/report-subscribers/{email}",
            "DELETE /api/v1/webhooks/{name}",
            "GET /api/v1/calendar",
            "GET /api/v1/calendar/{year}",
            "PUT /api/v1/calendar/days/{day}",
            "PUT /api/v1/calendar/{year}",
            "PUT /api/v1/calendar/{year}/csv",
            "GET /console/admin/calendar",
            "POST /console/admin/calendar/day",
            "POST /console/admin/calendar/import",
            "POST /api/v1/accounts/me/password",
            "POST /api/v1/accounts/{username}/deactivate",
            "POST /api/v1/accounts/{username}/reactivate",
            "POST /api/v1/accounts/{username}/reset",
            "GET /console/password",
            "POST /console/password",
            "POST /console/admin/staff/{username}/reset",
            "POST /console/admin/staff/{username}/{action}",
            "GET /console/admin/people",
            "GET /console/admin/people/new",
            "POST /console/admin/people/new",
            "GET /console/admin/people/{staff_id}",
            "POST /console/admin/people/{staff_id}",
            "POST /console/admin/people/{staff_id}/reset",
            "POST /console/admin/people/{staff_id}/active",
            "GET /console/admin/units",
            "GET /console/admin/units/{unit_id}",
            "POST /console/admin/units/{unit_id}",
            "GET /console/admin/channels",
            "GET /console/admin/channels/{channel_id}",
            "POST /console/admin/channels/{channel_id}",
            "GET /console/admin/dictionary",
            "GET /console/admin/dictionary/{code}",
            "POST /console/admin/dictionary/{code}",
            "GET /console/admin/policies",
            "POST /console/admin/policies",
            "GET /console/admin/policies/file",
            "GET /console/admin/escalation",
            "POST /console/admin/escalation",
            "POST /console/admin/outbox/retry",
            "POST /console/approvals/replies/{case_id}/{decision}",
            "POST /console/approvals/extensions/{request_id}/{decision}",
            "POST /console/cases/{case_id}/extension-requests",
            "PUT /api/v1/dictionary/{code}/reply-approval",
            "POST /console/notifications/{notification_id}/read",
            "POST /console/notifications/read-all",
        ),
        (NONE, "no personal data of a complainant"),
    ),
}

COMMANDS: dict[str, tuple[str, str]] = {
    # 法律服务: what is printed of a citizen goes through privacy.rules.legal_view
    **dict.fromkeys(
        (
            "legal consult",
            "legal list",
            "legal refer",
            "legal decide",
            "legal advise",
            "legal choose",
            "legal desk",
            "legal referrals",
        ),
        (POLICY, "test_legal_records"),
    ),
    "legal figures": (NONE, "法律服务 counts; no person"),
    # 心理服务: notes only for their author and the author's supervisor
    **dict.fromkeys(
        (
            "counselling walk-in",
            "counselling session",
            "counselling risk",
            "counselling follow-up",
            "counselling follow-up-done",
            "counselling list",
            "counselling show",
            "counselling talk-request",
            "counselling talk-plan",
            "counselling talk-hold",
            "counselling talks",
        ),
        (POLICY, "test_counselling_notes"),
    ),
    "counselling figures": (NONE, "心理服务 figures: counts only"),
    # 服务市集: the person raising a matter at a stall, through the case's privacy view
    "markets show": (POLICY, "test_markets_matters"),
    **dict.fromkeys(
        (
            "receptions schedule",
            "receptions publish",
            "receptions cancel",
            "receptions record",
            "receptions list",
            "receptions figures",
            "receptions link",
            "receptions unlink",
        ),
        (NONE, "reception days, leaders and counts; no command prints a citizen"),
    ),
    "services appointments": (POLICY, "test_service_appointments"),
    **dict.fromkeys(
        (
            "services sites",
            "services add-site",
            "services add-staff",
            "services book",
            "services change-service",
        ),
        (NONE, "sites, professionals, a confirmation number, a case's service; no citizen"),
    ),
    **dict.fromkeys(
        ("mediation list", "mediation show", "mediation open", "mediation agreement"),
        (POLICY, "test_mediation_parties"),
    ),
    **dict.fromkeys(
        (
            "mediation session",
            "mediation held",
            "mediation outcome",
            "mediation perform",
            "mediation file",
            "mediation ruling",
            "mediation refer",
            "mediation figures",
        ),
        (NONE, "ids, states and counts; no command of these prints a party"),
    ),
    # 帮扶救助: the same describe (relief_view) as the API, as the reader named by --as
    **dict.fromkeys(
        (
            "relief apply",
            "relief list",
            "relief show",
            "relief review",
            "relief resubmit",
            "relief pay",
            "relief follow-up",
        ),
        (POLICY, "test_relief_applicants"),
    ),
    "relief figures": (NONE, "relief's counts and amounts; no applicant"),
    "appeal list": (POLICY, "test_cli_list_and_timeline"),
    "appeal timeline": (POLICY, "test_cli_list_and_timeline"),
    "grassroots households": (POLICY, "test_grassroots_household_heads"),
    "export cases": (POLICY, "test_export"),  # the same export_rows as the API
    "report daily": (POLICY, "test_report_sections_mask_text"),
    "report show": (POLICY, "test_report_sections_mask_text"),
    "analytics alerts list": (POLICY, "test_alerts_mask_phones"),
    "triage board": (POLICY, "test_lists_naming_cases"),  # shown_titles, as the API board
    "escalation holding show": (POLICY, "test_lists_naming_cases"),
    "analytics similar": (POLICY, "test_lists_naming_cases"),
    "analytics sweep": (POLICY, "test_sweeps"),
    "escalation backlog": (POLICY, "test_cli_escalation"),
    "escalation list": (POLICY, "test_cli_escalation"),
    "escalation status": (POLICY, "test_cli_escalation"),
    **dict.fromkeys(
        (
            "escalation holding list",
            "escalation holding take",
            "escalation holding approve",
            "escalation holding refuse",
            "escalation holding release",
            "escalation holding visit",
            "escalation holding plan",
        ),
        (POLICY, "test_cli_escalation"),
    ),
    "mailbox inbox": (POLICY, "test_cli_mailbox_inbox"),
    "triage suggestion": (POLICY, "test_cli_triage_suggestion"),
    **dict.fromkeys(
        (
            "supervision instructions",
            "supervision orders",
            "supervision letter-get",
            "supervision letters",
            "supervision tasks",
            "supervision instruct",
            "supervision order",
        ),
        (POLICY, "test_cli_supervision"),
    ),
    **dict.fromkeys(
        (
            "meetings list",
            "meetings plan",
            "meetings candidates",
            "meetings add",
            "meetings move",
            "meetings decide",
            "meetings show",
            "meetings minutes",
        ),
        (POLICY, "test_joint_meetings"),
    ),
    "whistle list": (POLICY, "test_cli_whistles"),
    "notifications list": (POLICY, "test_cli_notifications"),
    "notifications read": (POLICY, "test_cli_notifications"),
    "whistle show": (POLICY, "test_cli_whistles"),
    **dict.fromkeys(
        (
            "analytics alerts ack",
            "analytics alerts run",
            "analytics assessment",
            "analytics hotspots",
            "appeal act",
            "appeal submit",
            "bench analytics",
            "bench clocks",
            "bench coverage",
            "bench import",
            "bench intake",
            "bench reads",
            "bench reports",
            "bench triage",
            "clocks policies export",
            "clocks policies import",
            "clocks show",
            "db reconcile",
            "db upgrade",
            "demo load",
            "dictionary export",
            "dictionary import",
            "escalation evaluate",
            "escalation holding stats",
            "escalation rules export",
            "escalation rules import",
            "escalation rules show",
            "import cases",
            "mailbox list",
            "mailbox qr",
            "open311 add-client",
            "open311 list-clients",
            "open311 revoke",
            "org export",
            "org import",
            "report instruct",
            "report list",
            "report subscribe",
            "report subscribers",
            "report unsubscribe",
            "serve",
            "supervision close",
            "supervision complete-task",
            "supervision letter",
            "supervision respond",
            "triage confirm",
            "triage correct",
            "triage eval",
            "triage models",
            "triage predict",
            "triage run",
            "triage train",
            "triage use",
            "webhooks add",
            "webhooks deliveries",
            "webhooks list",
            "webhooks remove",
            "whistle act",
            "whistle blow",
            "whistle confirm",
            "whistle report-in",
            "whistle stats",
            "worker",
            "calendar status",
            "calendar show",
            "calendar import",
            "calendar set-holiday",
            "calendar set-workday",
            "calendar clear",
            "staff passwd",
            "staff reset",
            "staff deactivate",
            "staff reactivate",
            "grassroots coverage",
            "grassroots import-places",
            "grassroots handle",
            "markets list",
            "markets plan",
        ),
        (NONE, "no personal data of a complainant"),
    ),
    # 平安志愿者: names and phones through volunteer_contact, reports through volunteer_text
    **dict.fromkeys(
        (
            "volunteers list",
            "volunteers ranking",
            "volunteers register",
            "volunteers report",
            "volunteers verify",
            "volunteers decide",
        ),
        (POLICY, "test_volunteers"),
    ),
    **dict.fromkeys(
        ("volunteers rules", "volunteers set-rule", "volunteers ledger"),
        (NONE, "rules, points and case numbers: no name, phone or report text"),
    ),
    # Ids, counts, times and the last error (through mask_text); never a recipient or case text.
    "parked list": (NONE, "ids, counts and masked errors of parked worker items"),
    "parked retry": (NONE, "re-arms one parked item by id"),
}


def app_routes(routes: list[Any], prefix: str = "") -> Iterator[str]:
    for r in routes:
        if isinstance(r, _IncludedRouter):
            yield from app_routes(r.effective_candidates(), prefix)
        elif isinstance(r, Mount):
            yield from app_routes(r.routes, prefix + r.path)
        else:
            for method in sorted((getattr(r, "methods", None) or {"WS"}) - {"HEAD"}):
                yield f"{method} {prefix}{r.path}"


def cli_commands(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    if hasattr(command, "list_commands"):  # typer may carry its own click: duck-typed
        ctx = type(command).context_class(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from cli_commands(sub, (*prefix, name))
    else:
        yield " ".join(prefix)


class TestEveryOutletIsRegistered:
    def test_every_route_is_through_the_policy_or_carries_no_personal_data(
        self, app_client: TestClient
    ) -> None:
        routes = set(app_routes(app_client.app.routes))  # type: ignore[attr-defined]
        missing = sorted(routes - set(ROUTES))
        assert not missing, (
            f"routes not in the privacy registry (tests/integration/privacy/test_outlets.py): {missing}"
        )
        assert set(ROUTES) <= routes, sorted(set(ROUTES) - routes)

    def test_every_command_is_registered(self) -> None:
        commands = set(cli_commands(get_command(cli_app)))
        assert commands, "the command tree was not walked"
        missing = sorted(commands - set(COMMANDS))
        assert not missing, f"commands not in the privacy registry: {missing}"
        assert set(COMMANDS) <= commands, sorted(set(COMMANDS) - commands)

    def test_every_policy_entry_names_a_test_here(self) -> None:
        named = {test for kind, test in (*ROUTES.values(), *COMMANDS.values()) if kind == POLICY}
        here = {name for name in dir(TestOutlets) if name.startswith("test_")}
        assert named <= here, sorted(named - here)


# --- one appeal, four readers -------------------------------------------------------------------

ID_CARD = "110101199003071233"
FLAT = "3栋2单元501室"
READERS = {
    "accused": "s01c03.staff",
    "area": "s01.staff",
    "leader": "secretary",
    "handler": "dep12.handler",
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class Appeal:
    case_id: int
    tracking_no: str
    phone: str
    name: str
    tracking_code: str

    @property
    def secrets(self) -> list[str]:
        """Personal data as written into the appeal: none may reach a reader who sees it masked."""
        p = self.phone
        return [
            p,
            f"{p[:3]} {p[3:7]} {p[7:]}",
            p.translate(FULL_WIDTH),
            p[3:7] + p[7:],
            ID_CARD,
            "19900307",
            self.name,
            FLAT,
            "501室",
        ]

    def leaks(self, text: str) -> list[str]:
        return [s for s in self.secrets if s in text]


@pytest.fixture(scope="module")
def appeal(app_client: TestClient, db: Database) -> Appeal:
    phone = "139" + str(random.randint(10_000_000, 99_999_999))
    name = "郑" + "".join(random.choice("晓明华伟芳娜静丽强磊洋艳勇军杰涛") for _ in range(2))
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    made = make_appeal(
        app_client,
        name=name,
        phone=phone,
        id_card=ID_CARD,
        address=f"城市绿洲花园{FLAT}",
        street="S01",
        community="S01C03",
        crowd_size=9,  # a crowd makes it a notable and difficult case of the daily report
        title=f"{name}反映社区漏水 电话{spaced}",
        body=(
            f"本人{name}，电话+86 {phone}，全角{phone.translate(FULL_WIDTH)}，身份证{ID_CARD}，"
            f"住城市绿洲花园{FLAT}，社区主任不作为。请联系郑先生。"
        ),
    )
    assert act(app_client, made["id"], "accept", "clerk").status_code == 200
    assert (
        act(
            app_client, made["id"], "dispatch", "dispatcher", lead_unit="DEP12", co_units=[]
        ).status_code
        == 200
    )
    # The community the appeal complains about (what triage's detector writes).
    with db.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.id == made["id"])).one()
        case.identity_hidden_from = ["S01C03"]
    assert act(app_client, made["id"], "sign_for", "dep12.handler").status_code == 200
    r = act(
        app_client,
        made["id"],
        "record_contact",
        "dep12.handler",
        method="phone",
        note=f"已致电{spaced}与{name}沟通，上门到{FLAT}",
    )
    assert r.status_code == 200, r.text
    return Appeal(made["id"], made["tracking_no"], phone, name, made["tracking_code"])


def get(client: TestClient, path: str, user: str, **params: Any) -> Any:
    r = client.get(path, params=params, headers=auth(client, user))
    assert r.status_code == 200, (path, user, r.text)
    return r


def instruct_accused_and_street(app_client: TestClient, appeal: Appeal) -> None:
    """The accused community and the street get an instruction on the case: each has a notice naming it."""
    r = app_client.post(
        "/api/v1/instructions",
        json={
            "text": "请配合核查",
            "units": ["S01C03", "S01"],
            "case_id": appeal.case_id,
            "within_days": 3,
        },
        headers=auth(app_client, "secretary"),
    )
    assert r.status_code == 201, r.text


def assert_masked_for_all_but_the_handler(
    appeal: Appeal, read: Any, *, id_card: bool = True
) -> None:
    """`read(user) -> text` for each reader: the handler reads it all, the others none of it."""
    for who, user in READERS.items():
        text = read(user)
        if who == "handler":
            assert any(form in text for form in appeal.secrets[:3]), who
            assert appeal.name in text and (ID_CARD in text or not id_card), who
        else:
            assert appeal.leaks(text) == [], who


class CaseOutlets:
    """The case itself, read through each outlet."""

    def test_api_detail(self, app_client: TestClient, appeal: Appeal) -> None:
        path = f"/api/v1/appeals/{appeal.case_id}"
        assert_masked_for_all_but_the_handler(appeal, lambda u: get(app_client, path, u).text)
        seen = {who: get(app_client, path, user).json() for who, user in READERS.items()}
        assert seen["handler"]["phone"] == appeal.phone and seen["handler"]["id_card"] == ID_CARD
        for who in ("area", "leader"):
            assert seen[who]["phone"] == appeal.phone[:3] + "****" + appeal.phone[-4:], who
            assert seen[who]["id_card"] == "1101**********1233"
            assert seen[who]["citizen_name"] == appeal.name[0] + "**"
            assert seen[who]["address"] == "城市绿洲花园***"
            assert seen[who]["privacy"] == "oversight"
        accused = seen["accused"]
        assert (
            accused["phone"],
            accused["id_card"],
            accused["citizen_name"],
            accused["privacy"],
        ) == (None, None, None, "accused")
        assert appeal.phone[-4:] not in accused["body"] and "[电话已隐去]" in accused["body"]

    def test_api_list(self, app_client: TestClient, appeal: Appeal) -> None:
        def read(user: str) -> str:
            items = get(app_client, "/api/v1/appeals", user, q=appeal.tracking_no).json()["items"]
            assert [i["id"] for i in items] == [appeal.case_id], user
            return str(items)

        assert_masked_for_all_but_the_handler(appeal, read, id_card=False)

    def test_search_is_not_an_oracle(self, app_client: TestClient, appeal: Appeal) -> None:
        p = appeal.phone
        # The name and the address below the building are searchable only by who sees them.
        for q in (
            p,
            p[3:7] + p[7:],
            p[-4:],
            ID_CARD[6:14],
            appeal.name,
            f"{p[:3]} {p[3:7]}",
            f"城市绿洲花园{FLAT}",
        ):
            for who, user in READERS.items():
                ids = [
                    i["id"]
                    for i in get(app_client, "/api/v1/appeals", user, q=q, page_size=200).json()[
                        "items"
                    ]
                ]
                if who == "handler":
                    assert appeal.case_id in ids, (who, q)
                else:
                    assert appeal.case_id not in ids, (who, q)
        # An ordinary word still finds it for everyone.
        for user in READERS.values():
            ids = [
                i["id"]
                for i in get(
                    app_client, "/api/v1/appeals", user, q="社区漏水", page_size=200
                ).json()["items"]
            ]
            assert appeal.case_id in ids, user

    def test_api_timeline(self, app_client: TestClient, appeal: Appeal) -> None:
        path = f"/api/v1/appeals/{appeal.case_id}/timeline"
        assert_masked_for_all_but_the_handler(
            appeal, lambda u: get(app_client, path, u).text, id_card=False
        )

    def test_api_action_answers_the_detail(self, app_client: TestClient, appeal: Appeal) -> None:
        # The leader's answer to an action is the same masked detail.
        r = app_client.post(
            f"/api/v1/appeals/{appeal.case_id}/actions/reply",
            json={},
            headers=auth(app_client, "secretary"),
        )
        assert appeal.leaks(r.text) == []

    def test_export(self, app_client: TestClient, appeal: Appeal) -> None:
        for who, user in READERS.items():
            r = get(app_client, "/api/v1/exports/cases", user, q=appeal.tracking_no)
            rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
            assert len(rows) == 1, who
            shown = get(app_client, f"/api/v1/appeals/{appeal.case_id}", user).json()
            row = rows[0]
            # Exactly what the API shows this reader.
            for column, field in (
                ("title", "title"),
                ("body", "body"),
                ("phone", "phone"),
                ("name", "citizen_name"),
                ("id_card", "id_card"),
                ("address", "address"),
                ("reply_text", "reply_text"),
            ):
                assert (row[column] or None) == shown[field], (who, column)
            if who != "handler":
                assert appeal.leaks(r.content.decode("utf-8-sig")) == [], who

    def test_web_case_page(self, app_client: TestClient, appeal: Appeal) -> None:
        def read(user: str) -> str:
            r = signed_in(app_client, user).get(f"/console/cases/{appeal.case_id}")
            assert r.status_code == 200, user
            return r.text

        assert_masked_for_all_but_the_handler(appeal, read)

    def test_web_inbox_search(self, app_client: TestClient, appeal: Appeal) -> None:
        for who, user in READERS.items():
            client = signed_in(app_client, user)
            listed = client.get("/console/inbox", params={"q": appeal.tracking_no}).text
            probed = client.get("/console/inbox", params={"q": appeal.phone}).text
            if who != "handler":
                assert appeal.leaks(listed) == [], who
                assert appeal.tracking_no not in probed, who
            else:
                assert appeal.tracking_no in probed

    def test_web_notifications(self, app_client: TestClient, appeal: Appeal) -> None:
        instruct_accused_and_street(app_client, appeal)

        def read(user: str) -> str:
            r = signed_in(app_client, user).get("/console/notifications")
            assert r.status_code == 200, user
            return r.text

        for user in (READERS["accused"], READERS["area"], READERS["handler"]):
            assert appeal.tracking_no in read(user), user
        assert_masked_for_all_but_the_handler(appeal, read, id_card=False)

    def test_api_notifications(self, app_client: TestClient, appeal: Appeal) -> None:
        """The API words a notice as the page does: one read, the page, all read."""
        instruct_accused_and_street(app_client, appeal)

        def read(user: str) -> str:
            listed = ok(get(app_client, "/api/v1/notifications", user)).json()
            mine = [n for n in listed["items"] if n["tracking_no"] == appeal.tracking_no]
            text = json.dumps(listed, ensure_ascii=False)
            if mine:  # marking one read answers the notice, worded the same way
                one = ok(
                    app_client.post(
                        f"/api/v1/notifications/{mine[0]['id']}/read",
                        headers=auth(app_client, user),
                    )
                ).json()
                assert one["is_read"] and one["title"] == mine[0]["title"], user
                text += json.dumps(one, ensure_ascii=False)
            return text

        for user in (READERS["accused"], READERS["area"], READERS["handler"]):
            assert appeal.tracking_no in read(user), user
        assert_masked_for_all_but_the_handler(appeal, read, id_card=False)
        done = ok(
            app_client.post(
                "/api/v1/notifications/read-all", headers=auth(app_client, READERS["area"])
            )
        ).json()
        assert (
            done["unread"] == 0
            and get(app_client, "/api/v1/notifications", READERS["area"], unread="true").json()[
                "items"
            ]
            == []
        )

    def test_cli_notifications(
        self, app_client: TestClient, appeal: Appeal, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        instruct_accused_and_street(app_client, appeal)
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)

        def read(user: str) -> str:
            listed = cli(["notifications", "list", "--user", user])
            ids = [
                n["id"]
                for n in json.loads(listed)["items"]
                if n["tracking_no"] == appeal.tracking_no
            ]
            return listed + (
                cli(["notifications", "read", str(ids[0]), "--user", user]) if ids else ""
            )

        for user in (READERS["accused"], READERS["area"], READERS["handler"]):
            assert appeal.tracking_no in read(user), user
        assert_masked_for_all_but_the_handler(appeal, read, id_card=False)

    def test_web_export_xlsx(self, app_client: TestClient, appeal: Appeal) -> None:
        def read(user: str) -> str:
            r = signed_in(app_client, user).get(
                "/console/export/cases.xlsx", params={"q": appeal.tracking_no, "status": ""}
            )
            assert r.status_code == 200, user
            rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
            assert len(rows) == 2 and rows[1][0] == appeal.tracking_no, user
            return "\n".join(str(v) for row in rows for v in row if v is not None)

        assert_masked_for_all_but_the_handler(appeal, read)

    def test_web_print_views(self, app_client: TestClient, appeal: Appeal) -> None:
        def read(user: str) -> str:
            client = signed_in(app_client, user)
            texts = []
            for document in ("registration", "dispatch"):
                r = client.get(f"/console/cases/{appeal.case_id}/print/{document}")
                assert r.status_code == 200, (user, document)
                texts.append(r.text)
            return "\n".join(texts)

        assert_masked_for_all_but_the_handler(appeal, read)

    def test_web_boards(self, app_client: TestClient, appeal: Appeal) -> None:
        for path, user in (
            ("/console/area", "s01c03.staff"),
            ("/console/area", "s01.staff"),
            ("/console/supervision", "supervisor"),
            ("/console/dispatch", "secretary"),
            ("/console/unit", "dep13.head"),
        ):
            r = signed_in(app_client, user).get(path)
            assert r.status_code in (200, 403), (path, user)
            assert appeal.leaks(r.text) == [], (path, user)

    def test_web_desk(self, app_client: TestClient, appeal: Appeal) -> None:
        """The caller's earlier appeals find the appeal only for a reader who reads its
        complainant in clear; the grid page and the form shown again leak nothing."""

        def lookup(user: str) -> str:
            client = signed_in(app_client, user)
            csrf = re.search(
                r'name="csrf_token" value="([^"]+)"', client.get("/console/intake").text
            )
            assert csrf
            r = client.post(
                "/console/intake/earlier", data={"csrf_token": csrf.group(1), "phone": appeal.phone}
            )
            assert r.status_code == 200, r.text
            again = client.post(
                "/console/intake",
                data={
                    "csrf_token": csrf.group(1),
                    "kind": "hotline",
                    "phone": appeal.phone,
                    "body": "",
                },
            )
            assert again.status_code == 422
            return r.text + again.text

        clerk = lookup("clerk")
        assert appeal.tracking_no in clerk
        admin = lookup(
            "admin"
        )  # oversight: reads the complainant masked, so cannot find them by number
        assert (
            appeal.tracking_no not in admin and appeal.leaks(admin.replace(appeal.phone, "")) == []
        )
        grid = signed_in(app_client, "s01c03g01.staff").get("/console/grid")
        assert grid.status_code == 200 and appeal.leaks(grid.text) == []

    def test_attachment_download(
        self, app_client: TestClient, appeal: Appeal, db: Database
    ) -> None:
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        r = app_client.post(
            f"/api/v1/appeals/{appeal.case_id}/attachments",
            files={"file": (f"{appeal.name}的身份证.png", png, "image/png")},
            headers=auth(app_client, "clerk"),
        )
        assert r.status_code == 201, r.text
        attachment_id = r.json()["id"]
        accused = signed_in(app_client, READERS["accused"])
        assert accused.get(f"/console/attachments/{attachment_id}").status_code == 404
        assert (
            f"/console/attachments/{attachment_id}"
            not in accused.get(f"/console/cases/{appeal.case_id}").text
        )
        leader = signed_in(app_client, READERS["leader"]).get(
            f"/console/attachments/{attachment_id}"
        )
        assert leader.status_code == 200 and leader.content == png
        assert appeal.name not in leader.headers["content-disposition"]
        handler = signed_in(app_client, READERS["handler"]).get(
            f"/console/attachments/{attachment_id}"
        )
        assert handler.status_code == 200

    def test_open311(self, app_client: TestClient, appeal: Appeal, db: Database) -> None:
        with db.reading() as session:
            public_id = session.scalar(
                select(AppealRow.public_id).where(AppealRow.id == appeal.case_id)
            )
        one = app_client.get(f"/open311/v2/requests/{public_id}.json")
        many = app_client.get("/open311/v2/requests.json")
        for r in (one, many):
            assert r.status_code == 200
            assert appeal.leaks(r.text) == []
            assert (
                appeal.tracking_no not in r.text
            )  # with it, four digits would open the tracking page
        # A platform's own request shows its title publicly: with the personal data masked out.
        with db.unit_of_work() as session:
            _, key = create_client(
                session,
                name=f"p{random.randint(0, 10**9)}",
                queued=False,
                channel=None,
                now=app_client.app.state.minyi.clock.now(),
            )  # type: ignore[attr-defined]
            code = session.scalar(
                select(DictionaryEntry.code)
                .join(DictionaryVersion)
                .where(DictionaryVersion.is_current.is_(True))
            )
        phone = "139" + str(random.randint(10_000_000, 99_999_999))
        r = app_client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": code,
                "lat": "22.54",
                "long": "114.05",
                "first_name": "晓明",
                "last_name": "郑",
                "phone": phone,
                "description": f"郑晓明反映路灯坏了，电话{phone}",
                "attribute[title]": f"郑晓明 {phone[:3]} {phone[3:7]} {phone[7:]} 路灯坏了",
            },
        )
        assert r.status_code == 200, r.text
        public_id = r.json()[0]["service_request_id"]
        shown = app_client.get(f"/open311/v2/requests/{public_id}.json").json()[0]
        assert shown["description"] is not None and "路灯坏了" in shown["description"]
        assert "郑晓明" not in shown["description"] and phone[3:7] not in shown["description"]

    def test_tracking_page(self, app_client: TestClient, appeal: Appeal) -> None:
        r = app_client.get(
            f"/api/v1/track/{appeal.tracking_no}", params={"phone_last4": appeal.phone[-4:]}
        )
        assert r.status_code == 200, r.text
        assert appeal.leaks(r.text) == [] and r.json()["title"].startswith("某某")
        for secret in ({"phone_last4": appeal.phone[-4:]}, {"tracking_code": appeal.tracking_code}):
            r = app_client.post(f"/api/v1/track/{appeal.tracking_no}", json=secret)
            assert r.status_code == 200, r.text
            assert appeal.leaks(r.text) == [] and r.json()["title"].startswith("某某")

    def test_cli_list_and_timeline(
        self, appeal: Appeal, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        runner = CliRunner()

        def read(user: str) -> str:
            listed = runner.invoke(
                cli_app, ["appeal", "list", "--as", user, "--q", appeal.tracking_no]
            )
            log = runner.invoke(cli_app, ["appeal", "timeline", str(appeal.case_id), "--as", user])
            assert listed.exit_code == 0 and log.exit_code == 0, (listed.output, log.output)
            assert str(appeal.case_id) in listed.output
            return listed.output + log.output

        for who, user in READERS.items():
            text = read(user)
            if who == "handler":
                assert any(form in text for form in appeal.secrets[:3])
            else:
                assert appeal.leaks(text) == [], who

    def test_lists_naming_cases(self, app_client: TestClient, appeal: Appeal) -> None:
        """Escalations, holdings, backlog, the triage board, mailbox inboxes and similar cases name
        cases with `cases.queries.shown_titles`: the title as the reader's view shows it."""
        for path in (
            "/api/v1/escalations",
            "/api/v1/backlog",
            "/api/v1/holdings",
            "/api/v1/triage/suggestions",
            f"/api/v1/analytics/cases/{appeal.case_id}/similar",
        ):
            for user in ("secretary", "supervisor"):
                r = app_client.get(path, headers=auth(app_client, user))
                assert r.status_code in (200, 403), (path, user, r.text)
                assert appeal.leaks(r.text) == [], (path, user)
        from minyi.cases.queries import shown_titles
        from minyi.org.service import actor_for_username

        db = app_client.app.state.minyi.db  # type: ignore[attr-defined]
        with db.reading() as session:
            for who, user in READERS.items():
                title = shown_titles(session, actor_for_username(session, user), [appeal.case_id])[
                    appeal.case_id
                ]
                assert (appeal.name in title) is (who == "handler"), who
                assert appeal.leaks(title) == [] or who == "handler", who

    def test_report_sections_mask_text(self, app_client: TestClient, appeal: Appeal) -> None:
        """The daily report (JSON, HTML, PDF and the e-mail all render this snapshot) goes to leaders
        and subscribers: its case lines read as the policy's masked readers see them."""
        db = app_client.app.state.minyi.db  # type: ignore[attr-defined]
        tz = ZoneInfo("Asia/Shanghai")
        with db.reading() as session:
            registered = session.scalars(
                select(Case.registered_at).where(Case.id == appeal.case_id)
            ).one()
            snap = build_snapshot(
                session,
                kind=ReportKind.DAILY,
                day=registered.astimezone(tz).date(),
                tz=tz,
                now=registered + timedelta(hours=1),
            )
        lines = [
            c
            for s in snap["sections"]
            if s["key"] in ("notable", "difficult")
            for c in s["data"].get("cases", [])
            if c.get("tracking_no") == appeal.tracking_no
        ]
        assert lines, "the crowd appeal is a notable case of its day"
        assert all(c["title"].startswith(appeal.name[0] + "**") for c in lines)
        assert appeal.leaks(json.dumps(snap, ensure_ascii=False, default=str)) == []

    def test_triage_view_masks(self, app_client: TestClient, appeal: Appeal) -> None:
        r = app_client.get(
            f"/api/v1/appeals/{appeal.case_id}/triage", headers=auth(app_client, "secretary")
        )
        assert r.status_code in (200, 403, 404)
        assert appeal.leaks(r.text) == []

    def test_alerts_mask_phones(self, app_client: TestClient, appeal: Appeal) -> None:
        r = get(app_client, "/api/v1/analytics/alerts", "secretary")
        assert appeal.phone not in r.text

    def test_leader_pages(self, app_client: TestClient, appeal: Appeal) -> None:
        """The leader's full lists behind the one-screen dashboard: the report, alerts, and the
        paged lists (escalated to me, held, instructions, mailbox, areas)."""
        client = signed_in(app_client, "secretary")
        paths = ["/leader", "/leader/report", "/leader/alerts"] + [
            f"/leader/list/{n}" for n in ("escalated", "held", "instructions", "mailbox", "areas")
        ]
        for path in paths:
            r = client.get(path)
            assert r.status_code in (200, 404), (path, r.status_code)
            assert appeal.leaks(r.text) == [], (path, appeal.leaks(r.text))

    def test_webhook_payloads_carry_no_personal_data(
        self, app_client: TestClient, appeal: Appeal
    ) -> None:
        """Webhook documents and every outbox message about the case (SMS, e-mail, webhook) carry
        ids, statuses and the tracking number; the complainant's own SMS goes to their number."""
        r = get(app_client, "/api/v1/webhooks", "admin")
        assert appeal.leaks(r.text) == []
        db = app_client.app.state.minyi.db  # type: ignore[attr-defined]
        with db.reading() as session:
            messages = list(
                session.scalars(
                    select(OutboxMessage).where(OutboxMessage.case_id == appeal.case_id)
                )
            )
        for m in messages:
            text = json.dumps([m.subject, m.body, m.payload], ensure_ascii=False, default=str)
            assert appeal.leaks(text) == [], m.channel
            assert m.recipient == appeal.phone or appeal.leaks(m.recipient) == []


# --- staff-written text about the appeal: holdings, whistles, instructions, orders, letters, sweeps --


def quoting(appeal: Appeal, what: str) -> str:
    """Staff text that quotes the complainant: name, phone (spaced), ID number and flat."""
    p = appeal.phone
    return f"{what}：{appeal.name}（电话{p[:3]} {p[3:7]} {p[7:]}，身份证{ID_CARD}）住城市绿洲花园{FLAT}"


def assert_policy(
    appeal: Appeal, texts: dict[str, str], *, clear: tuple[str, ...] = ("handler",)
) -> None:
    """Readers in `clear` read the complainant as written; every other reader none of it."""
    for who, text in texts.items():
        if who in clear:
            p = appeal.phone
            assert appeal.name in text and f"{p[:3]} {p[3:7]} {p[7:]}" in text, who
        else:
            assert appeal.leaks(text) == [], (who, appeal.leaks(text))


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r


def cli(args: list[str]) -> str:
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


@dataclass(frozen=True)
class Work:
    holding_id: int
    whistle_id: int
    instruction_id: int
    order_to_accused: int
    order_to_handler: int
    letter_to_accused: int
    letter_to_handler: int
    sweep_id: int
    writes: dict[str, str]  # route -> the answer the writer read


@pytest.fixture(scope="module")
def work(app_client: TestClient, appeal: Appeal) -> Work:
    """Every kind of staff-written text about the appeal, each quoting the complainant."""
    c, case_id, writes = app_client, appeal.case_id, {}

    def post(
        path: str, user: str, body: dict[str, Any], status: int = 200, method: str = "post"
    ) -> Any:
        r = ok(getattr(c, method)(path, json=body, headers=auth(c, user)), status)
        writes[f"{method.upper()} {path}"] = r.text
        return r.json()

    # 包案: take, plan, a home visit, ask to release, refused, asked again, approved.
    holding = post(
        f"/api/v1/appeals/{case_id}/holding",
        "secretary",
        {"plan": quoting(appeal, "一案一策")},
        201,
    )
    hid = holding["id"]
    post(
        f"/api/v1/holdings/{hid}/plan",
        "secretary",
        {"plan": quoting(appeal, "一案一策（修订）")},
        method="put",
    )
    now = c.app.state.minyi.clock.now()  # type: ignore[attr-defined]
    post(
        f"/api/v1/holdings/{hid}/visits",
        "secretary",
        {
            "kind": "home_visit",
            "at": now.isoformat(),
            "place": f"城市绿洲花园{FLAT}",
            "people": 1,
            "notes": quoting(appeal, "家访"),
        },
        201,
    )
    review = {
        k: quoting(appeal, k)
        for k in ("problem_solved", "policy_explained", "hardship_helped", "unlawful_handled")
    }
    post(f"/api/v1/holdings/{hid}/release", "secretary", review)
    post(f"/api/v1/holdings/{hid}/refuse", "supervisor", {"reason": quoting(appeal, "退回")})
    ok(c.post(f"/api/v1/holdings/{hid}/release", json=review, headers=auth(c, "secretary")))
    post(f"/api/v1/holdings/{hid}/approve", "supervisor", {"reason": quoting(appeal, "同意销案")})

    # 吹哨: the street summons the handling department to the case, which reports in and acts.
    whistle = post(
        "/api/v1/whistles",
        "s01.staff",
        {
            "description": quoting(appeal, "吹哨"),
            "units": ["DEP12"],
            "case_id": case_id,
            "address": f"城市绿洲花园{FLAT}",
        },
        201,
    )
    wid = whistle["id"]
    post(f"/api/v1/whistles/{wid}/report-in", "dep12.handler", {})
    post(f"/api/v1/whistles/{wid}/act", "dep12.handler", {"text": quoting(appeal, "已上门")})
    post(f"/api/v1/whistles/{wid}/confirm", "s01.staff", {"note": quoting(appeal, "确认")})

    # 批示 with tasks to the handling department and the accused community; the department reports.
    instruction = post(
        "/api/v1/instructions",
        "secretary",
        {
            "text": quoting(appeal, "批示"),
            "units": ["DEP12", "S01C03"],
            "case_id": case_id,
            "within_days": 7,
        },
        201,
    )
    task = next(t for t in instruction["tasks"] if t["unit"] == "DEP12")
    post(
        f"/api/v1/instruction-tasks/{task['id']}/complete",
        "dep12.handler",
        {"result": quoting(appeal, "已办")},
    )

    # 督办: one order to the accused community, one to the department (answered and closed).
    to_accused = post(
        "/api/v1/supervision-orders",
        "supervisor",
        {"reason": quoting(appeal, "督办"), "case_id": case_id, "unit": "S01C03", "within_days": 3},
        201,
    )
    to_handler = post(
        "/api/v1/supervision-orders",
        "supervisor",
        {"reason": quoting(appeal, "督办"), "case_id": case_id, "unit": "DEP12", "within_days": 3},
        201,
    )
    post(
        f"/api/v1/supervision-orders/{to_handler['id']}/respond",
        "dep12.handler",
        {"response": quoting(appeal, "反馈")},
    )
    post(
        f"/api/v1/supervision-orders/{to_handler['id']}/close",
        "supervisor",
        {"note": quoting(appeal, "办结")},
    )

    # 提醒函 to each unit, about the case.
    letters = [
        post(
            "/api/v1/letters",
            "supervisor",
            {
                "kind": "reminder",
                "subject": f"{appeal.name}反映漏水",
                "body": quoting(appeal, "经查"),
                "addressee_unit": unit,
                "case_id": case_id,
            },
            201,
        )["id"]
        for unit in ("S01C03", "DEP12")
    ]

    # 化解一类: a sweep from the case.
    sweep = post(
        "/api/v1/analytics/sweeps",
        "secretary",
        {"case_id": case_id, "place_kind": "community", "text": quoting(appeal, "排查")},
        201,
    )
    return Work(
        hid,
        wid,
        instruction["id"],
        to_accused["id"],
        to_handler["id"],
        *letters,
        sweep["id"],
        writes,
    )


class StaffTextOutlets:
    """Staff-written text quoting the appeal, read through each outlet."""

    def test_writes_answer_through_the_policy(self, appeal: Appeal, work: Work) -> None:
        """Every write above answered its writer (leader, supervisor, street staff: oversight
        readers; the department handling the case: a contact reader) through the policy."""
        for route, text in work.writes.items():
            if "dep12" in route or route.endswith(("/report-in", "/act", "/complete", "/respond")):
                continue  # the handling department's answers read in clear (checked per outlet below)
            assert appeal.leaks(text) == [], (route, appeal.leaks(text))

    def test_holdings_and_escalation(
        self, app_client: TestClient, appeal: Appeal, work: Work
    ) -> None:
        for path in (
            f"/api/v1/holdings/{work.holding_id}",
            f"/api/v1/appeals/{appeal.case_id}/escalation",
        ):
            texts = {who: get(app_client, path, user).text for who, user in READERS.items()}
            texts["supervisor"] = get(app_client, path, "supervisor").text
            assert_policy(appeal, texts)
        listed = {
            who: get(app_client, "/api/v1/holdings", user, leader="secretary", page_size=200).text
            for who, user in READERS.items()
        }
        assert_policy(appeal, listed)
        assert str(work.holding_id) in listed["leader"]

    def test_cli_escalation(
        self, appeal: Appeal, work: Work, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        hid = str(work.holding_id)
        status = {
            who: cli(["escalation", "status", str(appeal.case_id), "--as", user])
            for who, user in READERS.items()
        }
        shown = {
            who: cli(["escalation", "holding", "show", hid, "--as", user])
            for who, user in READERS.items()
        }
        assert_policy(appeal, status)
        assert_policy(appeal, shown)
        # The leader takes the case again from the command line, through to its release.
        out = cli(
            [
                "escalation",
                "holding",
                "take",
                str(appeal.case_id),
                "--as",
                "secretary",
                "--plan",
                quoting(appeal, "一案一策"),
            ]
        )
        new_id = out.split()[1].rstrip(":")
        review = [
            f"--{k}={quoting(appeal, k)}"
            for k in ("problem-solved", "policy-explained", "hardship-helped", "unlawful-handled")
        ]
        outputs = [
            out,
            cli(
                [
                    "escalation",
                    "holding",
                    "plan",
                    new_id,
                    "--as",
                    "secretary",
                    "--text",
                    quoting(appeal, "修订"),
                ]
            ),
            cli(
                [
                    "escalation",
                    "holding",
                    "visit",
                    new_id,
                    "--as",
                    "secretary",
                    "--kind",
                    "reception",
                    "--place",
                    f"城市绿洲花园{FLAT}",
                    "--notes",
                    quoting(appeal, "接访"),
                ]
            ),
            cli(["escalation", "holding", "release", new_id, "--as", "secretary", *review]),
            cli(
                [
                    "escalation",
                    "holding",
                    "refuse",
                    new_id,
                    "--as",
                    "supervisor",
                    "--reason",
                    quoting(appeal, "退回"),
                ]
            ),
            cli(
                [
                    "escalation",
                    "holding",
                    "list",
                    "--as",
                    "secretary",
                    "--leader",
                    "secretary",
                    "--page-size",
                    "200",
                ]
            ),
            cli(
                [
                    "escalation",
                    "backlog",
                    "--as",
                    "secretary",
                    "--days",
                    "0",
                    "--held",
                    "--page-size",
                    "200",
                    "--json",
                ]
            ),
            cli(
                [
                    "escalation",
                    "backlog",
                    "--as",
                    "s01c03.staff",
                    "--days",
                    "0",
                    "--held",
                    "--page-size",
                    "200",
                ]
            ),
            cli(["escalation", "list", "--as", "secretary", "--page-size", "200"]),
            cli(["escalation", "holding", "release", new_id, "--as", "secretary", *review]),
            cli(
                [
                    "escalation",
                    "holding",
                    "approve",
                    new_id,
                    "--as",
                    "supervisor",
                    "--note",
                    quoting(appeal, "同意"),
                ]
            ),
        ]
        assert f"case {appeal.case_id}" in outputs[5] and appeal.tracking_no in outputs[6]
        for text in outputs:
            assert appeal.leaks(text) == [], text
        handler = cli(["escalation", "holding", "show", new_id, "--as", "dep12.handler"])
        assert_policy(
            appeal,
            {
                "handler": handler,
                "accused": cli(["escalation", "holding", "show", new_id, "--as", "s01c03.staff"]),
            },
        )

    def test_whistles(self, app_client: TestClient, appeal: Appeal, work: Work) -> None:
        for path, params in (
            (f"/api/v1/whistles/{work.whistle_id}", {}),
            ("/api/v1/whistles", {"case_id": appeal.case_id}),
        ):
            texts = {
                who: get(app_client, path, user, **params).text for who, user in READERS.items()
            }
            assert_policy(appeal, texts)

    def test_cli_whistles(
        self, appeal: Appeal, work: Work, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        assert_policy(
            appeal,
            {
                who: cli(["whistle", "show", str(work.whistle_id), "--as", user])
                for who, user in READERS.items()
            },
        )
        listed = {
            who: cli(["whistle", "list", "--as", user, "--page-size", "200"])
            for who, user in READERS.items()
        }
        for who, text in listed.items():
            assert str(work.whistle_id) in text, who
            if who != "handler":
                assert appeal.leaks(text) == [], who

    def test_web_whistles(self, app_client: TestClient, appeal: Appeal, work: Work) -> None:
        texts = {}
        for who, user in READERS.items():
            r = signed_in(app_client, user).get("/console/whistles")
            assert r.status_code == 200, who
            assert f'id="w{work.whistle_id}"' in r.text, who
            texts[who] = r.text
        assert_policy(appeal, texts)
        # The case page shows its whistles, instructions and holding plan through the same view.
        pages = {
            who: signed_in(app_client, user).get(f"/console/cases/{appeal.case_id}").text
            for who, user in READERS.items()
        }
        assert all(quoting(appeal, "吹哨")[:2] in page for page in pages.values())
        assert_policy(appeal, pages)

    def test_instructions(self, app_client: TestClient, appeal: Appeal, work: Work) -> None:
        readers = {**READERS, "supervisor": "supervisor"}
        for path, params in (
            (f"/api/v1/instructions/{work.instruction_id}", {}),
            ("/api/v1/instructions", {"case_id": appeal.case_id}),
        ):
            assert_policy(
                appeal,
                {who: get(app_client, path, user, **params).text for who, user in readers.items()},
            )
        tasks = {
            who: get(
                app_client,
                "/api/v1/instruction-tasks",
                user,
                page_size=200,
                **({"unit": "DEP12"} if who != "accused" else {}),
            ).text
            for who, user in readers.items()
            if who != "area"
        }
        assert all(str(work.instruction_id) in t for t in tasks.values())
        assert_policy(appeal, tasks)

    def test_orders(self, app_client: TestClient, appeal: Appeal, work: Work) -> None:
        for order_id, readers in (
            (work.order_to_accused, ("accused", "leader", "supervisor")),
            (work.order_to_handler, ("handler", "leader", "supervisor")),
        ):
            users = {**READERS, "supervisor": "supervisor"}
            one = {
                who: get(app_client, f"/api/v1/supervision-orders/{order_id}", users[who]).text
                for who in readers
            }
            listed = {
                who: get(
                    app_client, "/api/v1/supervision-orders", users[who], case_id=appeal.case_id
                ).text
                for who in readers
            }
            assert_policy(appeal, one)
            assert_policy(appeal, listed)

    def test_letters(self, app_client: TestClient, appeal: Appeal, work: Work) -> None:
        users = {**READERS, "supervisor": "supervisor"}
        for letter_id, readers in (
            (work.letter_to_accused, ("accused", "leader", "supervisor")),
            (work.letter_to_handler, ("handler", "leader", "supervisor")),
        ):
            for who in readers:
                texts = {
                    who: get(app_client, f"/api/v1/letters/{letter_id}", users[who]).text
                    + get(app_client, "/api/v1/letters", users[who], case_id=appeal.case_id).text
                    + docx_text(
                        get(app_client, f"/api/v1/letters/{letter_id}.docx", users[who]).content
                    )
                }
                web = signed_in(app_client, users[who]).get(f"/console/letters/{letter_id}.docx")
                assert web.status_code == 200
                texts[who] += docx_text(web.content)
                assert_policy(appeal, texts)
        accused = docx_text(
            get(
                app_client, f"/api/v1/letters/{work.letter_to_accused}.docx", "s01c03.staff"
            ).content
        )
        assert "某某" in accused and "[电话已隐去]" in accused

    def test_web_tasks(self, app_client: TestClient, appeal: Appeal, work: Work) -> None:
        texts = {}
        for who in ("accused", "handler"):
            r = signed_in(app_client, READERS[who]).get("/console/tasks")
            assert r.status_code == 200
            texts[who] = r.text
        assert_policy(appeal, texts)
        board = signed_in(app_client, "supervisor").get("/console/supervision")
        assert board.status_code == 200 and appeal.leaks(board.text) == []

    def test_cli_supervision(
        self,
        appeal: Appeal,
        work: Work,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Any,
    ) -> None:
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        users = {**READERS, "supervisor": "supervisor"}
        instructions = {
            who: cli(["supervision", "instructions", "--as", u, "--case", str(appeal.case_id)])
            for who, u in users.items()
        }
        assert_policy(appeal, instructions)
        for who in ("accused", "handler", "supervisor"):
            for command in ("orders", "tasks", "letters"):
                text = cli(["supervision", command, "--as", users[who]])
                if who != "handler":
                    assert appeal.leaks(text) == [], (who, command)
        assert appeal.name in cli(["supervision", "tasks", "--as", "dep12.handler"])
        # The writers read their own answers through the policy too (both oversight readers).
        for args in (
            [
                "supervision",
                "instruct",
                "--text",
                quoting(appeal, "批示"),
                "--unit",
                "DEP12",
                "--case",
                str(appeal.case_id),
                "--within-days",
                "3",
                "--as",
                "secretary",
            ],
            [
                "supervision",
                "order",
                "--reason",
                quoting(appeal, "督办"),
                "--case",
                str(appeal.case_id),
                "--unit",
                "S01C03",
                "--within-days",
                "3",
                "--as",
                "supervisor",
            ],
        ):
            assert appeal.leaks(cli(args)) == [], args
        for letter_id, who in (
            (work.letter_to_accused, "accused"),
            (work.letter_to_accused, "supervisor"),
            (work.letter_to_handler, "handler"),
        ):
            out = tmp_path / f"{letter_id}-{who}.docx"
            cli(
                ["supervision", "letter-get", str(letter_id), "--out", str(out), "--as", users[who]]
            )
            assert_policy(appeal, {who: docx_text(out.read_bytes())})

    def test_sweeps(
        self,
        app_client: TestClient,
        appeal: Appeal,
        work: Work,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Analytics readers: the dispatcher contacts citizens (clear); leaders and supervisors read masked.
        users = {"handler": "dispatcher", "leader": "secretary", "supervisor": "supervisor"}
        for path in (f"/api/v1/analytics/sweeps/{work.sweep_id}", "/api/v1/analytics/sweeps"):
            assert_policy(appeal, {who: get(app_client, path, u).text for who, u in users.items()})
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        out = cli(
            [
                "analytics",
                "sweep",
                str(appeal.case_id),
                "--as",
                "secretary",
                "--place-kind",
                "community",
                "--text",
                quoting(appeal, "排查"),
            ]
        )
        assert out.startswith("sweep ") and appeal.leaks(out) == []

    def test_cli_mailbox_inbox(
        self, app_client: TestClient, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        phone = "139" + str(random.randint(10_000_000, 99_999_999))
        name = "郑" + "".join(random.choice("晓明华伟芳娜静丽") for _ in range(2))
        made = make_appeal(
            app_client,
            channel="mailbox_secretary",
            name=name,
            phone=phone,
            id_card=ID_CARD,
            title=f"{name}来信 电话{phone} 身份证{ID_CARD}",
            body=f"{name}反映楼道漏水，住{FLAT}",
        )
        letter = Appeal(made["id"], made["tracking_no"], phone, name, made["tracking_code"])
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        out = cli(["mailbox", "inbox", "--as", "secretary", "--page-size", "200"])
        assert letter.tracking_no in out and letter.leaks(out) == []
        assert (
            letter.leaks(
                get(app_client, "/api/v1/mailboxes/inbox", "secretary", page_size=200).text
            )
            == []
        )

    def test_cli_triage_suggestion(
        self,
        app_client: TestClient,
        appeal: Appeal,
        db: Database,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A suggestion quotes the appeal (the place found in it, risk evidence, why it was held)."""
        from minyi.triage.models import TriageSuggestion

        p = appeal.phone
        with db.unit_of_work() as session:
            case = session.scalars(select(Case).where(Case.id == appeal.case_id)).one()
            row = session.scalar(
                select(TriageSuggestion).where(TriageSuggestion.appeal_id == case.appeal_id)
            )
            if row is None:
                row = TriageSuggestion(
                    appeal_id=case.appeal_id,
                    case_id=case.id,
                    created_at=case.registered_at,
                    top_k=[],
                    place={},
                    co_units=[],
                    excluded=[],
                    signals={},
                    qualifies_for_auto=False,
                    status="handled",
                )
                session.add(row)
            row.place_candidates = [
                {"name": f"城市绿洲花园{FLAT}", "text": f"{appeal.name} {p[:3]} {p[3:7]} {p[7:]}"}
            ]
            row.risk_flags = [{"word": "不作为", "evidence": f"身份证{ID_CARD}"}]
            row.hold_reason = f"{appeal.name}多次来电{p[:3]} {p[3:7]} {p[7:]}"
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        texts = {
            who: cli(["triage", "suggestion", str(appeal.case_id), "--as", u])
            for who, u in (
                ("handler", "dispatcher"),
                ("leader", "secretary"),
                ("supervisor", "supervisor"),
            )
        }
        texts["api-leader"] = get(
            app_client, f"/api/v1/appeals/{appeal.case_id}/triage", "secretary"
        ).text
        assert_policy(appeal, texts)

    def test_whistle_on_no_case(self, app_client: TestClient, appeal: Appeal) -> None:
        """A whistle on a place, not on the case, that still quotes it: with no complainant to
        name, its numbers and flat are masked for every reader, the issuer included. (Last: the
        lists above must not hold it.)"""
        r = ok(
            app_client.post(
                "/api/v1/whistles",
                json={
                    "description": quoting(appeal, "吹哨"),
                    "units": ["DEP12"],
                    "place": "S01",
                    "address": f"城市绿洲花园{FLAT}",
                },
                headers=auth(app_client, "s01.staff"),
            ),
            201,
        )
        for user in ("s01.staff", "dep12.handler", "secretary", "dispatcher"):
            text = get(app_client, f"/api/v1/whistles/{r.json()['id']}", user).text
            assert [s for s in appeal.leaks(text) if s != appeal.name] == [], user
            assert "城市绿洲花园***" in text


class HotspotOutlets:
    """A hotspot is named after one of its titles: one complainant who writes their name, phone
    and flat into the title of repeated appeals must not be named in the hotspots every reader
    of a board or a report sees."""

    def test_hotspots_name_no_complainant(self, app_client: TestClient) -> None:
        c = app_client
        phone = "137" + str(random.randint(10_000_000, 99_999_999))
        name = "孙" + "".join(random.choice("晓明华伟芳娜静丽强磊洋艳勇军杰涛") for _ in range(2))
        made = [
            make_appeal(
                c,
                name=name,
                phone=phone,
                street="S03",
                title=f"{name}反映{FLAT}楼上漏水，电话{phone}",
                body=f"{name}住{FLAT}，楼上卫生间漏水到我家天花板，电话{phone}，第{n}次反映。",
            )
            for n in range(3)
        ]
        who = Appeal(made[0]["id"], made[0]["tracking_no"], phone, name, made[0]["tracking_code"])
        now = c.app.state.minyi.clock.now()  # type: ignore[attr-defined]
        span = {
            "start": (now - timedelta(days=2)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "limit": 200,
        }
        r = get(c, "/api/v1/analytics/hotspots", "secretary", **span)
        assert r.status_code == 200, r.text
        mine = [h for h in r.json()["items"] if set(h["member_ids"]) & {str(m["id"]) for m in made}]
        assert mine, "the three appeals make a hotspot"
        assert who.leaks(r.text) == [], who.leaks(r.text)
        assert (
            mine[0]["description"].startswith(name[0] + "**")
            or name[0] not in mine[0]["description"]
        )


class ApprovalOutlets:
    """答复审核 and 延期申请: a statutory case of the same complainant, its reply waiting for the
    head and an extension request, each quoting the complainant."""

    def test_approvals(self, app_client: TestClient, db: Database) -> None:
        # A complainant of its own, on another street: the shared appeal's report sections and
        # hotspots must not change under the other tests.
        c = app_client
        phone = "138" + str(random.randint(10_000_000, 99_999_999))
        name = "钱" + "".join(random.choice("晓明华伟芳娜静丽强磊洋艳勇军杰涛") for _ in range(2))
        made = make_appeal(
            c,
            channel="letter",
            name=name,
            phone=phone,
            street="S02",
            title=f"{name}反映楼道堆物",
            body=f"本人{name}，电话{phone}，住城市绿洲花园{FLAT}，楼道长期堆放杂物。",
        )
        who = Appeal(made["id"], made["tracking_no"], phone, name, made["tracking_code"])
        cid = who.case_id
        ok(act(c, cid, "accept", "clerk"))
        ok(act(c, cid, "dispatch", "dispatcher", lead_unit="DEP12", co_units=[]))
        ok(act(c, cid, "sign_for", "dep12.handler"))
        ok(act(c, cid, "submit_reply", "dep12.handler", text=quoting(who, "答复")))
        asked = ok(
            c.post(
                f"/api/v1/appeals/{cid}/extension-requests",
                headers=auth(c, "dep12.handler"),
                json={"milestone": "handle", "days": 10, "reason": quoting(who, "延期")},
            ),
            201,
        )
        readers = {
            "handler": "dep12.handler",
            "head": "dep12.head",
            "leader": "secretary",
            "supervisor": "supervisor",
        }
        path = f"/api/v1/appeals/{cid}/extension-requests"
        assert_policy(
            who,
            {r: get(c, path, user).text for r, user in readers.items()},
            clear=("handler", "head"),
        )
        # The queues: the head's (replies and requests) and the dispatcher's (a contact role) in
        # clear, the supervisor's (oversight) masked.
        assert_policy(
            who,
            {
                "head": get(c, "/api/v1/approvals/replies", "dep12.head").text
                + get(c, "/api/v1/approvals/extensions", "dep12.head").text,
                "supervisor": get(c, "/api/v1/approvals/extensions", "supervisor").text,
                "supervisor page": signed_in(c, "supervisor").get("/console/approvals").text,
                "dispatcher page": signed_in(c, "dispatcher").get("/console/approvals").text,
            },
            clear=("head", "dispatcher page"),
        )
        # The requester's answer, and the supervisor's decision, through the policy too.
        assert_policy(who, {"handler": asked.text}, clear=("handler",))
        decided = ok(
            c.post(
                f"/api/v1/extension-requests/{asked.json()['id']}/refuse",
                headers=auth(c, "supervisor"),
                json={"note": quoting(who, "不同意")},
            )
        )
        assert_policy(who, {"supervisor": decided.text}, clear=())


NOTE = "来访者说起失眠和债务，情绪低落，约定每周一次"
TALK_NOTE = "话聊中当事人明显焦虑，咨询师建议转介精神科"
OUTSIDERS = ("dispatcher", "secretary", "admin", "supervisor")


class CounsellingOutlets:
    """心理服务: a session's notes reach its author and the author's supervisor through every
    outlet, and nobody else: not the dispatcher, a leader, the administrator, the supervision
    office, the street's staff or another counsellor, who read that a session was held, its date
    and the figures. The client's name and phone reach the district's readers masked."""

    def test_counselling_notes(
        self,
        app_client: TestClient,
        appeal: Appeal,
        db: Database,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        with db.unit_of_work() as session:
            if session.scalar(select(Case.service).where(Case.id == appeal.case_id)) is None:
                change_service(
                    session,
                    actor_for_username(session, "dispatcher"),
                    appeal.case_id,
                    "counselling",
                    reason="转心理服务",
                    now=START,
                )
            site = session.scalar(
                select(ServiceSite.id)
                .join(Unit, Unit.id == ServiceSite.unit_id)
                .where(Unit.code == "S01-SITE")
            )
        me = auth(app_client, "s01.counsellor")
        made = ok(
            app_client.post(
                "/api/v1/counselling/records",
                json={
                    "site_id": site,
                    "name": appeal.name,
                    "phone": appeal.phone,
                    "case_id": appeal.case_id,
                },
                headers=me,
            ),
            201,
        ).json()
        rid = made["id"]
        ok(
            app_client.post(
                f"/api/v1/counselling/records/{rid}/sessions",
                json={"minutes": 50, "notes": NOTE},
                headers=me,
            ),
            201,
        )
        talk = ok(
            app_client.post(
                "/api/v1/counselling/talks",
                json={"case_id": appeal.case_id},
                headers=auth(app_client, "secretary"),
            ),
            201,
        ).json()
        ok(
            app_client.post(
                f"/api/v1/counselling/talks/{talk['id']}/plan",
                json={
                    "site_id": site,
                    "starts_at": (START + timedelta(days=3)).isoformat(),
                    "lawyer": "s01.lawyer",
                    "mediator": "s01.mediator",
                },
                headers=me,
            )
        )
        ok(
            app_client.post(
                f"/api/v1/counselling/talks/{talk['id']}/hold",
                json={
                    "minutes": 60,
                    "summary": "三方商定：街道一周内约见，律师出具意见",
                    "notes": TALK_NOTE,
                },
                headers=me,
            )
        )
        path = f"/api/v1/counselling/records/{rid}"
        for user in ("s01.counsellor", "centre.counsellor"):
            text = get(app_client, path, user).text
            assert NOTE in text and appeal.name in text, user
            assert (
                TALK_NOTE
                in get(app_client, "/api/v1/counselling/talks", user, case_id=appeal.case_id).text
            ), user
            page = signed_in(app_client, user).get(f"/console/counselling/records/{rid}").text
            assert NOTE in page, user
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        assert NOTE in cli(["counselling", "show", str(rid), "--as", "centre.counsellor"])
        for user in OUTSIDERS:
            record = get(app_client, path, user)
            assert record.json()["sessions_held"] == 1, user
            texts = [
                record.text,
                get(app_client, "/api/v1/counselling/records", user).text,
                get(app_client, f"/api/v1/counselling/cases/{appeal.case_id}", user).text,
                get(app_client, "/api/v1/counselling/talks", user, case_id=appeal.case_id).text,
                signed_in(app_client, user).get("/console/counselling").text,
                signed_in(app_client, user).get(f"/console/counselling/records/{rid}").text,
                signed_in(app_client, user).get(f"/console/counselling/talks/{talk['id']}").text,
                cli(["counselling", "show", str(rid), "--as", user, "--json"]),
                cli(["counselling", "list", "--as", user]),
                cli(["counselling", "talks", "--as", user, "--case", str(appeal.case_id)]),
            ]
            for text in texts:
                assert NOTE not in text and TALK_NOTE not in text, user
                assert appeal.leaks(text) == [], user
            # The case page shows the case as the case's policy allows; of counselling, counts.
            case_page = signed_in(app_client, user).get(f"/console/cases/{appeal.case_id}").text
            assert "已开展心理咨询" in case_page and "三方商定" in case_page, user
            assert NOTE not in case_page and TALK_NOTE not in case_page, user
        for user in ("s01.staff", "s02.counsellor"):
            assert app_client.get(path, headers=auth(app_client, user)).status_code in (403, 404)
            page = signed_in(app_client, user).get(f"/console/counselling/records/{rid}")
            assert page.status_code in (403, 404) and NOTE not in page.text, user
            talks = app_client.get("/api/v1/counselling/talks", headers=auth(app_client, user))
            assert TALK_NOTE not in talks.text, user
        area = get(app_client, f"/api/v1/counselling/cases/{appeal.case_id}", "s01.staff").text
        assert NOTE not in area and TALK_NOTE not in area


class TestOutlets(
    CaseOutlets, StaffTextOutlets, ApprovalOutlets, HotspotOutlets, CounsellingOutlets
):
    """One test per outlet (the registry above names them), the case's own outlets first."""

    def test_admin_outbox(self, app_client: TestClient, db: Database, appeal: Appeal) -> None:
        """The outbox page lists the appeal's messages with the recipient masked: the receipt SMS
        to the complainant's phone, and one that quotes the phone in its subject."""
        with db.unit_of_work() as session:
            session.add(
                OutboxMessage(
                    channel="sms",
                    recipient=appeal.phone,
                    subject=f"回电{appeal.phone}",
                    body="x",
                    status="failed",
                    next_attempt_at=START,
                    created_at=START,
                    case_id=appeal.case_id,
                )
            )
        # Failed messages come first: this one is on the first page however full the outbox is.
        text = (
            signed_in(app_client, "admin")
            .get("/console/admin/outbox?channel=sms&status=failed")
            .text
        )
        assert f"{appeal.phone[:3]}****{appeal.phone[-4:]}" in text
        assert appeal.leaks(text) == []

    def test_grassroots_household_heads(
        self,
        app_client: TestClient,
        appeal: Appeal,
        db: Database,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A household head is a resident: the grid's own area reads the name and phone in clear,
        a coverer masked, district-wide oversight not at all, in the API, pages and the CLI."""
        area = auth(app_client, "s01c01.staff")
        building = app_client.get(
            "/api/v1/grassroots/coverage",
            params={"area": "S01C01G03", "state": "covered", "page_size": 500},
            headers=area,
        ).json()["items"]
        url = "/api/v1/grassroots/buildings/{}/households"
        made = None
        for b in building:
            r = app_client.post(
                url.format(b["id"]),
                json={
                    "room": f"{appeal.phone[-4:]}室",
                    "head_name": appeal.name,
                    "head_phone": appeal.phone,
                },
                headers=area,
            )
            if r.status_code == 201:
                made, building_id = r.json(), b["id"]
                break
        assert made is not None
        assert (made["head_name"], made["head_phone"]) == (appeal.name, appeal.phone)
        for user in ("secretary", "admin", "s02.staff"):
            r = app_client.get(url.format(building_id), headers=auth(app_client, user))
            assert r.status_code in (200, 404), user
            assert appeal.leaks(r.text) == [], user
        page = signed_in(app_client, "secretary").get(
            f"/console/grassroots/buildings/{building_id}"
        )
        assert page.status_code == 200 and appeal.leaks(page.text) == []
        mine = signed_in(app_client, "s01c01.staff").get(
            f"/console/grassroots/buildings/{building_id}"
        )
        assert appeal.phone in mine.text
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        with db.reading() as session:
            code = session.scalar(select(Building.code).where(Building.id == building_id))
        assert appeal.name in cli(["grassroots", "households", str(code), "--as", "s01c01.staff"])
        for user in ("secretary", "admin"):
            assert appeal.leaks(cli(["grassroots", "households", str(code), "--as", user])) == []

    def test_reception_citizens(self, app_client: TestClient, appeal: Appeal) -> None:
        """A reception's booker is the leader's and the organisers' to read in clear; other
        leaders read them masked, other streets not at all, and the portal's confirmation shows
        the booker only themself, masked."""
        day = START + timedelta(days=5)
        made = app_client.post(
            "/api/v1/receptions",
            json={
                "leader": "secretary",
                "area": "S01C03",
                "slots": [
                    {
                        "starts_at": day.isoformat(),
                        "ends_at": (day + timedelta(hours=1)).isoformat(),
                        "capacity": 5,
                    }
                ],
            },
            headers=auth(app_client, "admin"),
        )
        assert made.status_code == 201, made.text
        reception = made.json()
        matter = quoting(appeal, "接访反映")
        booked = app_client.post(
            "/api/v1/public/receptions/bookings",
            json={
                "slot_id": reception["slots"][0]["id"],
                "name": appeal.name,
                "phone": appeal.phone,
                "matter": matter,
            },
        )
        assert booked.status_code == 201, booked.text
        assert appeal.leaks(booked.text) == []
        ref = booked.json()["ref"]
        assert appeal.leaks(app_client.get(f"/api/v1/public/receptions/bookings/{ref}").text) == []
        assert appeal.leaks(app_client.get(f"/portal/receptions/booked/{ref}").text) == []
        assert appeal.leaks(app_client.get("/portal/receptions").text) == []
        path = f"/api/v1/receptions/{reception['id']}"
        clear = app_client.get(path, headers=auth(app_client, "secretary")).json()
        assert clear["citizens"][0]["phone"] == appeal.phone
        assert clear["citizens"][0]["matter"] == matter
        organiser = app_client.get(path, headers=auth(app_client, "s01c03.staff")).json()
        assert organiser["citizens"][0]["name"] == appeal.name
        for user in ("mayor", "supervisor"):
            masked = app_client.get(path, headers=auth(app_client, user))
            assert masked.status_code == 200
            assert appeal.leaks(masked.text) == [], user
        assert app_client.get(path, headers=auth(app_client, "s02.staff")).status_code == 404
        page = signed_in(app_client, "mayor").get(f"/console/receptions/{reception['id']}").text
        assert appeal.leaks(page) == []
        own = signed_in(app_client, "secretary").get(f"/console/receptions/{reception['id']}")
        assert appeal.name in own.text

    def test_service_appointments(
        self, app_client: TestClient, appeal: Appeal, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """A citizen's appointment with a professional is the professional's and the site's
        keepers' to read in clear; the centre reads it masked, another street not at all, and
        the portal's confirmation shows the booker only themself, masked."""
        tz = ZoneInfo("Asia/Shanghai")
        sites = app_client.get("/api/v1/services/public/sites", params={"service": "legal"})
        site_id = sites.json()[4]["id"]  # the fifth street's hall: the lawyer of S05
        staff = app_client.get(
            f"/api/v1/services/sites/{site_id}", headers=auth(app_client, "admin")
        ).json()["staff"]
        lawyer = next(p for p in staff if p["kind"] == "lawyer")
        at = datetime(2026, 12, 10, 16, 0, tzinfo=tz)  # a Thursday afternoon
        topic = quoting(appeal, "咨询")
        body = {
            "site_id": site_id,
            "service": "legal",
            "starts_at": at.isoformat(),
            "staff_id": lawyer["staff_id"],
            "name": appeal.name,
            "phone": appeal.phone,
            "topic": topic,
        }
        booked = app_client.post("/api/v1/services/public/bookings", json=body)
        assert booked.status_code == 201, booked.text
        assert appeal.leaks(booked.text) == []
        ref = booked.json()["ref"]
        assert appeal.leaks(app_client.get(f"/api/v1/services/public/bookings/{ref}").text) == []
        assert appeal.leaks(app_client.get(f"/services/booked/{ref}").text) == []
        path = f"/api/v1/services/sites/{site_id}/appointments"
        day = {"day": at.date().isoformat()}
        own = app_client.get(path, params=day, headers=auth(app_client, lawyer["username"]))
        assert appeal.phone in own.text and appeal.name in own.text
        mine = app_client.get(
            "/api/v1/services/appointments/mine",
            params=day,
            headers=auth(app_client, lawyer["username"]),
        )
        assert appeal.phone in mine.text
        for user in ("dispatcher", "supervisor", "s09.staff"):
            seen = app_client.get(path, params=day, headers=auth(app_client, user))
            assert seen.status_code == 200, user
            assert appeal.leaks(seen.text) == [], user
        page = signed_in(app_client, "dispatcher").get(
            f"/console/services/sites/{site_id}?day={at.date().isoformat()}"
        )
        assert page.status_code == 200 and appeal.leaks(page.text) == []
        assert (
            appeal.name in signed_in(app_client, lawyer["username"]).get("/console/services").text
        )
        out = tmp_path_factory.mktemp("svc")
        masked = run_cli(
            ["services", "appointments", str(site_id), "--day", at.date().isoformat(),
             "--as", "dispatcher", "--json"],
            env=minyi_env(app_client.app.state.minyi.db.url, out),  # type: ignore[attr-defined]
            cwd=out,
        )  # fmt: skip
        assert masked.returncode == 0, masked.stderr
        assert ref in masked.stdout and appeal.leaks(masked.stdout) == []

    def test_mediation_parties(
        self,
        app_client: TestClient,
        appeal: Appeal,
        db: Database,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A dispute's parties and its free text: the mediators of the dispute and the street's
        staff read them in clear; other staff (the centre, leaders) masked, on the API, the
        pages, the 协议书 and the CLI; another street's mediator not at all; a citizen reads
        only their own side."""
        c = app_client
        case = make_appeal(
            c, category="JF-01-01-02", street="S01", community="S01C03", title="漏水纠纷"
        )
        with db.reading() as session:
            site = session.scalar(
                select(ServiceSite.id)
                .join(Unit, Unit.id == ServiceSite.unit_id)
                .where(Unit.code == "S01-SITE")
            )
        me = auth(c, "s01.mediator")
        made = c.post(
            "/api/v1/mediation",
            json={
                "case_id": case["id"],
                "site_id": site,
                "facts": quoting(appeal, "纠纷事实"),
                "matters": quoting(appeal, "争议"),
                "parties": [
                    {
                        "side": "applicant",
                        "name": appeal.name,
                        "phone": appeal.phone,
                        "id_number": ID_CARD,
                        "address": f"城市绿洲花园{FLAT}",
                    },
                    {"side": "respondent", "name": "物业公司", "phone": "075588886666"},
                ],
            },
            headers=me,
        )
        assert made.status_code == 201, made.text
        d = made.json()
        path = f"/api/v1/mediation/{d['id']}"
        for user in ("s01.mediator", "s01.staff"):
            clear = c.get(path, headers=auth(c, user)).json()
            assert clear["parties"][0]["phone"] == appeal.phone, user
            assert clear["parties"][0]["id_number"] == ID_CARD
        for user in ("dispatcher", "mayor", "supervisor"):
            masked = c.get(path, headers=auth(c, user))
            assert masked.status_code == 200
            assert appeal.leaks(masked.text) == [], user
            assert appeal.leaks(c.get("/api/v1/mediation", headers=auth(c, user)).text) == []
        assert c.get(path, headers=auth(c, "s02.mediator")).status_code == 404
        page = signed_in(c, "mayor").get(f"/console/mediation/{d['id']}")
        assert page.status_code == 200 and appeal.leaks(page.text) == []
        assert appeal.leaks(signed_in(c, "mayor").get("/console/mediation").text) == []
        own = signed_in(c, "s01.mediator").get(f"/console/mediation/{d['id']}")
        assert appeal.phone in own.text
        # The agreement's .docx reads as its reader may: masked for the centre.
        sid = c.post(
            f"{path}/sessions",
            json={"starts_at": (START + timedelta(days=1)).isoformat()},
            headers=me,
        ).json()["sessions"][0]["id"]
        c.post(f"/api/v1/mediation/sessions/{sid}/held", json={"minutes": "到场"}, headers=me)
        done = c.post(
            f"{path}/outcome",
            json={"outcome": "agreement", "terms": [{"text": "修复"}], "performance": "即日"},
            headers=me,
        )
        agreement = done.json()["agreements"][0]["id"]
        docx = c.get(
            f"/api/v1/mediation/agreements/{agreement}.docx", headers=auth(c, "dispatcher")
        )
        text = "".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
        assert appeal.leaks(text) == []
        mine = c.get(f"/api/v1/mediation/agreements/{agreement}.docx", headers=me)
        assert appeal.phone in "".join(
            p.text for p in Document(io.BytesIO(mine.content)).paragraphs
        )
        # The CLI, as the --as user reads it.
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        assert appeal.leaks(cli(["mediation", "show", str(d["id"]), "--as", "dispatcher"])) == []
        assert appeal.leaks(cli(["mediation", "list", "--as", "dispatcher"])) == []
        assert appeal.phone in cli(["mediation", "show", str(d["id"]), "--as", "s01.mediator"])
        # A citizen reads their own side, never the other side's contacts.
        assert party_show(None, mediator_ids={1}, area_paths=[], own_side=True) is Show.CLEAR
        other = party_contacts(
            party_show(None, mediator_ids={1}, area_paths=[]),
            name=appeal.name,
            phone=appeal.phone,
            id_number=ID_CARD,
            address=FLAT,
        )
        assert other["phone"] is None and other["id_number"] is None and other["address"] is None

    def test_relief_applicants(self, app_client: TestClient, appeal: Appeal) -> None:
        """A relief applicant is read in clear by the reviewers of the stages the application
        has reached (the id number only at the bureau), masked by everyone else who may open
        it, not at all by other communities; the portal's confirmation shows nothing personal."""
        c = app_client
        made = c.post(
            "/api/v1/relief/applications",
            json={
                "name": appeal.name,
                "phone": appeal.phone,
                "id_number": ID_CARD,
                "address": f"城市绿洲花园{FLAT}",
                "community": "S01C03",
                "kind": "temporary",
                "members": 4,
                "income": "2100",
                "request": quoting(appeal, "申请临时救助"),
            },
            headers=auth(c, "s01c03.staff"),
        )
        assert made.status_code == 201, made.text
        app = made.json()
        assert app["phone"] == appeal.phone and ID_CARD not in made.text
        path = f"/api/v1/relief/applications/{app['id']}"
        for user in ("s01.staff", "supervisor", "mayor", "dep10.head"):
            seen = c.get(path, headers=auth(c, user))
            assert seen.status_code == 200, user
            assert appeal.leaks(seen.text) == [], user
            assert "2100" not in seen.text, user
        assert (
            appeal.leaks(c.get("/api/v1/relief/applications", headers=auth(c, "leader01")).text)
            == []
        )
        assert c.get(path, headers=auth(c, "s02c01.staff")).status_code == 404
        assert appeal.leaks(signed_in(c, "supervisor").get("/console/relief?view=all").text) == []
        assert (
            appeal.leaks(signed_in(c, "supervisor").get(f"/console/relief/{app['id']}").text) == []
        )
        assert appeal.leaks(c.get(f"/services/relief/applied/{app['ref']}").text) == []
        for user in ("s01c03.staff", "s01.staff"):
            r = c.post(f"{path}/review", json={"step": "approve"}, headers=auth(c, user))
            assert r.status_code == 200, r.text
        street = c.get(path, headers=auth(c, "s01.staff"))
        assert appeal.phone in street.text and ID_CARD not in street.text
        bureau = c.get(path, headers=auth(c, "dep10.head"))
        assert ID_CARD in bureau.text and "2100" in bureau.text
        page = signed_in(c, "dep10.head").get(f"/console/relief/{app['id']}").text
        assert ID_CARD in page
        assert appeal.leaks(signed_in(c, "mayor").get(f"/console/relief/{app['id']}").text) == []

    def test_markets_matters(
        self,
        app_client: TestClient,
        appeal: Appeal,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A person raising a matter at a stall is a case's complainant: the stall's staff read
        what the policy gives them, leaders and other units only masked, on every outlet; a
        policy question's text is read masked by all but the stall's staff."""
        now = app_client.app.state.minyi.clock.now()  # type: ignore[attr-defined]
        made = app_client.post(
            "/api/v1/markets",
            json={
                "title": "隐私检查赶圩日",
                "place": "广场",
                "area": "S01C03",
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=3)).isoformat(),
                "themes": ["opinions"],
                "stalls": [{"unit": "DEP05", "staff": ["dep05.handler"]}],
            },
            headers=auth(app_client, "admin"),
        )
        assert made.status_code == 201, made.text
        event_id = made.json()["id"]
        stall = app_client.get(
            f"/api/v1/markets/{event_id}", headers=auth(app_client, "admin")
        ).json()["stall_list"][0]["id"]
        staff = auth(app_client, "dep05.handler")
        text = quoting(appeal, "赶圩日反映")
        matter = ok(
            app_client.post(
                f"/api/v1/markets/stalls/{stall}/matters",
                json={
                    "external_id": "privacy-1",
                    "theme": "opinions",
                    "body": text,
                    "name": appeal.name,
                    "phone": appeal.phone,
                },
                headers=staff,
            ),
            201,
        ).json()
        ok(
            app_client.post(
                f"/api/v1/markets/stalls/{stall}/questions",
                json={"external_id": "privacy-2", "question": text, "answer": "已解答"},
                headers=staff,
            ),
            201,
        )
        own = app_client.get(f"/api/v1/markets/{event_id}", headers=staff).json()
        assert any(m["question"] == text for m in own["matters"])
        solved = ok(
            app_client.post(
                f"/api/v1/markets/matters/{matter['id']}/solve",
                json={"reply": "已现场答复"},
                headers=staff,
            )
        ).json()
        assert solved["outcome"] == "solved"
        for user in ("leader01", "s01c03.staff", "dep01.handler"):
            seen = app_client.get(
                f"/api/v1/markets/{event_id}", headers=auth(app_client, user)
            ).text
            assert appeal.leaks(seen) == [], user
            web = signed_in(app_client, user)
            for path in (f"/console/markets/{event_id}", f"/console/markets/{event_id}/summary"):
                assert appeal.leaks(web.get(path).text) == [], (user, path)
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        assert appeal.leaks(cli(["markets", "show", str(event_id), "--as", "leader01"])) == []

    def test_grassroots_patrol_findings(self, app_client: TestClient, appeal: Appeal) -> None:
        """A grid worker's finding quotes the complainant: the worker and the grid's own area read
        it in clear; district-wide oversight reads it masked, in the API and on the pages."""
        worker = auth(app_client, "s01c03g01.staff")
        area = app_client.get(
            "/api/v1/grassroots/coverage", params={"area": "S01C03G01"}, headers=worker
        ).json()
        building = (
            area["items"][0]["id"]
            if area["items"]
            else app_client.get(
                "/api/v1/grassroots/coverage",
                params={"area": "S01C03G01", "state": "covered"},
                headers=worker,
            ).json()["items"][0]["id"]
        )
        finding = quoting(appeal, "走访发现")
        made = app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": building, "finding": finding, "raise_event": True},
            headers=worker,
        )
        assert made.status_code == 201, made.text
        assert made.json()["finding"] == finding  # the author reads their own words
        again = app_client.post(
            f"/api/v1/grassroots/patrols/{made.json()['id']}/event", headers=worker
        )
        assert again.json()["finding"] == finding
        street = app_client.get(
            "/api/v1/grassroots/patrols",
            params={"area": "S01C03"},
            headers=auth(app_client, "s01.staff"),
        ).json()
        assert any(p["finding"] == finding for p in street)
        for user in ("secretary", "admin"):
            rows = app_client.get(
                "/api/v1/grassroots/patrols",
                params={"area": "S01C03G01", "limit": 200},
                headers=auth(app_client, user),
            ).json()
            mine = [p for p in rows if p["id"] == made.json()["id"]]
            assert mine, user
            assert appeal.leaks(mine[0]["finding"]) == [], user
        page = signed_in(app_client, "s01c03g01.staff").get("/console/grassroots/patrol").text
        assert appeal.phone in page.replace(" ", "") or "走访发现" in page

    def test_volunteers(self, app_client: TestClient, appeal: Appeal) -> None:
        """A volunteer who is also the complainant, reporting in words that quote them: the keepers
        of the volunteer's area (their street) read them in clear;
        district-wide readers read them masked; the public ranking shows the masked name only."""
        admin = auth(app_client, "admin")
        made = app_client.post(
            "/api/v1/volunteers",
            json={"name": appeal.name, "phone": appeal.phone, "community": "S01C03"},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        assert appeal.leaks(made.text) == []
        vid, code = made.json()["id"], made.json()["code"]
        text = quoting(appeal, "志愿者发现")
        report = app_client.post(
            "/api/v1/volunteers/reports",
            json={
                "code": code,
                "phone_last4": appeal.phone[-4:],
                "token": f"outlets-{vid}",
                "body": text,
            },
        )
        assert report.status_code == 201, report.text
        assert appeal.leaks(report.text) == []
        street = auth(app_client, "s01.staff")
        clear = app_client.get("/api/v1/volunteers", headers=street).text
        assert appeal.phone in clear and appeal.name in clear
        assert text in app_client.get("/api/v1/volunteers/reports", headers=street).text
        masked = auth(app_client, "secretary")
        for path in (
            "/api/v1/volunteers",
            f"/api/v1/volunteers/{vid}",
            "/api/v1/volunteers/reports?state=submitted&page_size=200",
            "/api/v1/volunteers/ranking?area=S01C03",
        ):
            r = app_client.get(path, headers=masked)
            assert r.status_code == 200, (path, r.text)
            assert appeal.leaks(r.text) == [], path
        assert appeal.leaks(app_client.get("/api/v1/volunteers/ranking").text) == []
        leader = signed_in(app_client, "secretary")
        for page in (
            "/console/volunteers",
            "/console/volunteers/reports",
            f"/console/volunteers/ledger?code={code}",
            "/console/volunteers/ranking",
        ):
            r = leader.get(page)
            assert r.status_code == 200, page
            assert appeal.leaks(r.text) == [], page
        assert appeal.leaks(app_client.get("/portal/volunteers/ranking").text) == []

    def test_joint_meetings(
        self,
        app_client: TestClient,
        appeal: Appeal,
        clock: Any,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Any,
    ) -> None:
        """A joint meeting whose members are the accused community and the handling unit: each
        reads the agenda, decision and tasks through its own view (the accused none of the
        complainant); the minutes go to every member, so they carry the complainant to no one."""
        office = auth(app_client, "dispatcher")
        made = ok(
            app_client.post(
                "/api/v1/meetings",
                json={
                    "level": "district",
                    "title": "联席会议（隐私）",
                    "starts_at": (clock.now() - timedelta(hours=1)).isoformat(),
                    "place": "区信联办会议室",
                    "convener": "secretary",
                    "units": ["S01C03", "DEP12"],
                },
                headers=office,
            ),
            201,
        ).json()
        mid = made["id"]
        offered = get(app_client, f"/api/v1/meetings/{mid}/candidates", "secretary", limit=200)
        assert appeal.leaks(offered.text) == []
        agenda = ok(
            app_client.post(
                f"/api/v1/meetings/{mid}/items", json={"case_id": appeal.case_id}, headers=office
            ),
            201,
        ).json()
        item = agenda["items"][0]["id"]
        due = (clock.now() + timedelta(days=5)).isoformat()
        ok(
            app_client.post(
                f"/api/v1/meetings/{mid}/items/{item}/decision",
                json={
                    "decision": quoting(appeal, "议定"),
                    "tasks": [
                        {"unit": "DEP12", "text": quoting(appeal, "任务"), "deadline": due},
                        {"unit": "S01C03", "text": quoting(appeal, "整改"), "deadline": due},
                    ],
                },
                headers=office,
            )
        )
        readers = {k: v for k, v in READERS.items() if k != "area"}
        assert_policy(
            appeal,
            {w: get(app_client, f"/api/v1/meetings/{mid}", u).text for w, u in readers.items()},
        )
        pages = {
            w: signed_in(app_client, u).get(f"/console/meetings/{mid}").text
            for w, u in readers.items()
        }
        pages |= {
            f"{w}-item": signed_in(app_client, u).get(f"/console/meetings/{mid}/items/{item}").text
            for w, u in readers.items()
        }
        assert_policy(appeal, pages, clear=("handler", "handler-item"))
        for w, u in readers.items():
            listed = get(app_client, "/api/v1/meetings", u, page_size=200).text
            assert appeal.leaks(listed) == [], w
            assert appeal.leaks(signed_in(app_client, u).get("/console/meetings").text) == [], w
        # The minutes: the accused community is a member, so even the office reads no one.
        for user in ("dispatcher", "dep12.handler", "s01c03.staff", "secretary"):
            data = get(app_client, f"/api/v1/meetings/{mid}/minutes.docx", user).content
            page = signed_in(app_client, user).get(f"/console/meetings/{mid}/minutes.docx").content
            for blob in (data, page):
                text = _docx_all(blob)
                assert "议定" in text and appeal.leaks(text) == [], user
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        shown = {
            w: cli(["meetings", "show", str(mid), "--as", u, "--json"]) for w, u in readers.items()
        }
        assert_policy(appeal, shown)
        target = tmp_path / "minutes.docx"
        cli(["meetings", "minutes", str(mid), "--as", "dispatcher", "--out", str(target)])
        assert appeal.leaks(_docx_all(target.read_bytes())) == []

    def test_legal_records(
        self,
        app_client: TestClient,
        db: Database,
        appeal: Appeal,
        demo_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A legal consultation quoting the complainant: its lawyer and the supervisors read it,
        区司法局 once it is referred for legal aid, every other reader nothing of the citizen
        (other lawyers, the leaders, the accused community, the handler) on the API, the pages
        and the CLI; pre-petition advice on a case reads as the case's own text."""
        tz = ZoneInfo("Asia/Shanghai")
        with db.unit_of_work() as session:
            lawyer = actor_for_username(session, "s01.lawyer")
            site_id = session.scalar(
                select(Staff.unit_id).where(Staff.id == lawyer.staff_id)
            )  # the hall's unit
            site = session.scalar(select(ServiceSite.id).where(ServiceSite.unit_id == site_id))
            assert site is not None
            booked = book_appointment(
                session,
                None,
                site_id=site,
                service="legal",
                starts_at=datetime(2026, 12, 1, 16, 0, tzinfo=tz),
                minutes=30,
                name=appeal.name,
                phone=appeal.phone,
                topic=quoting(appeal, "咨询"),
                staff_id=lawyer.staff_id,
                now=START,
                tz=tz,
            )
            appointment_id = booked.id
        question = quoting(appeal, "咨询问题")
        made = ok(
            app_client.post(
                "/api/v1/legal/consultations",
                json={
                    "appointment_id": appointment_id,
                    "area": "housing",
                    "question": question,
                    "advice": quoting(appeal, "解答"),
                },
                headers=auth(app_client, "s01.lawyer"),
            ),
            201,
        ).json()
        assert made["name"] == appeal.name and made["question"] == question
        path = f"/api/v1/legal/consultations/{made['id']}"
        strangers = ("s02.lawyer", "secretary", "s01c03.staff", "dep12.handler", "dep11.head")
        for user in strangers:
            for url in (path, "/api/v1/legal/consultations", "/api/v1/legal/desk"):
                r = app_client.get(url, headers=auth(app_client, user))
                assert r.status_code in (200, 403), (user, url)
                assert appeal.leaks(r.text) == [], (user, url)
            page = signed_in(app_client, user).get("/console/legal").text
            assert appeal.leaks(page) == [], user
            page = signed_in(app_client, user).get(f"/console/legal/consultations/{made['id']}")
            assert appeal.leaks(page.text) == [], user
        assert appeal.name in get(app_client, path, "supervisor").text
        own = signed_in(app_client, "s01.lawyer")
        assert appeal.name in own.get(f"/console/legal/consultations/{made['id']}").text
        assert appeal.name in own.get("/console/legal").text
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        for user in ("admin", "s02.lawyer", "dep11.head"):
            assert appeal.leaks(cli(["legal", "list", "--as", user])) == [], user
        assert appeal.name in cli(["legal", "list", "--as", "s01.lawyer"])

        referral = ok(
            app_client.post(
                "/api/v1/legal/referrals",
                json={
                    "consultation_id": made["id"],
                    "hardship": "low_income",
                    "situation": quoting(appeal, "家庭困难"),
                },
                headers=auth(app_client, "s01.lawyer"),
            ),
            201,
        ).json()
        rpath = f"/api/v1/legal/referrals/{referral['id']}"
        assert appeal.name in get(app_client, path, "dep11.head").text
        assert appeal.name in get(app_client, rpath, "dep11.handler").text
        assert appeal.name in signed_in(app_client, "dep11.head").get("/console/legal").text
        for user in ("s02.lawyer", "secretary", "dep12.handler", "dep01.head"):
            for url in (path, rpath, "/api/v1/legal/referrals", "/api/v1/legal/desk"):
                r = app_client.get(url, headers=auth(app_client, user))
                assert appeal.leaks(r.text) == [], (user, url)
            page = signed_in(app_client, user).get(f"/console/legal/referrals/{referral['id']}")
            assert appeal.leaks(page.text) == [], user
            assert appeal.leaks(cli(["legal", "referrals", "--as", user])) == [], user
            assert appeal.leaks(cli(["legal", "desk", "--as", user])) == [], user

        # Pre-petition advice quoting the complainant, on the case: the case's own view.
        with db.unit_of_work() as session:
            session.add(
                PrePetitionAdvice(
                    case_id=appeal.case_id,
                    route="court",
                    advice=quoting(appeal, "访前意见"),
                    choice="undecided",
                    advised_by_id=actor_for_username(session, "clerk").staff_id,
                    advised_at=START,
                )
            )
        texts = {
            w: get(app_client, f"/api/v1/legal/cases/{appeal.case_id}/advice", u).text
            for w, u in READERS.items()
        }
        assert_policy(appeal, texts)
        pages = {
            w: signed_in(app_client, u).get(f"/console/cases/{appeal.case_id}").text
            for w, u in READERS.items()
        }
        assert "访前法律意见" in pages["handler"]
        assert_policy(appeal, pages)


def _docx_all(data: bytes) -> str:
    """A .docx's paragraphs and table cells."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)
