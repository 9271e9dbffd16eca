"""A confidential (敏感) incident leaks nowhere (issue 11 §1): the desk's queues and counts, the 日报 and 周报 (page and
.docx), the 风险提示函, and every notice (inbox and SMS) show it in full only to those cleared for it; everyone else
reads "敏感舆情 1 条（详见系统）". A document carrying it in full is marked 内部 / 敏感."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from deadlines.sweep import run_timed_checks
from incidents import selectors, services
from incidents.clearance import SENSITIVE_ONE
from incidents.models import TicketRole
from notifications.models import Notification
from org.models import Membership, Role
from reporting import services as reporting_services
from reporting.daily import generate_daily_report, sms_text
from reporting.models import Report, RiskTopic
from reporting.periodic import compile_periodic_content
from tests.factories import person

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
SECRET = "某局长涉嫌违规收受礼金"


class RecordingGateway:
    sent: list = []

    def send(self, phone, text):
        RecordingGateway.sent.append((phone, text))


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY = "tests.test_confidential_leaks.RecordingGateway"
    RecordingGateway.sent = []
    return RecordingGateway.sent


@pytest.fixture
def secret(org):
    """A 较大 confidential incident reported by a second duty officer (so `org.duty` is not cleared) about 教育局,
    with an ordinary one beside it; neither dispatched yet."""
    reporter = person("duty2", org.office, Role.DUTY_OFFICER)
    with time_machine.travel(MONDAY, tick=False):
        incident = services.report_incident(
            reporter, title=SECRET, summary="举报人称其收受礼金二十万元", is_confidential=True, views=900
        )
        services.grade_incident(reporter, incident, grade="III", reason="涉腐，限制知悉")
        plain = services.report_incident(org.duty, title="某校门口道路积水", views=10)
    incident.refresh_from_db()
    incident.reporter, incident.plain = reporter, plain
    return incident


def docx_text(data):
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs) + "\n".join(
        cell.text for table in Document(io.BytesIO(data)).tables for row in table.rows for cell in row.cells
    )


# --- the desk --------------------------------------------------------------------------------------


def test_the_desk_shows_it_only_to_the_cleared_duty_officer(client, org, secret):
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        client.force_login(org.duty)
        page = client.get(reverse("desk"), {"queue": "new"}).content.decode()
        assert SECRET not in page and "某校门口道路积水" in page
        client.force_login(secret.reporter)
        page = client.get(reverse("desk"), {"queue": "new"}).content.decode()
        assert SECRET in page


def test_the_desk_counts_and_deadline_queues_leave_it_out_for_the_uncleared(client, org, secret):
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        services.dispatch_incident(secret.reporter, secret, assignments=[(org.edu, TicketRole.LEAD)])
    with time_machine.travel(MONDAY + timedelta(days=3), tick=False):
        run_timed_checks()
        client.force_login(org.duty)
        uncleared = client.get(reverse("desk"), {"queue": "overdue"})
        client.force_login(secret.reporter)
        cleared = client.get(reverse("desk"), {"queue": "overdue"})
    assert uncleared.context["counts"]["overdue"] == 0 and uncleared.context["counts"]["new"] == 0
    assert SECRET not in uncleared.content.decode()
    assert cleared.context["counts"]["overdue"] >= 1 and SECRET in cleared.content.decode()


# --- the 日报 and the periodic reports -------------------------------------------------------------


def test_the_daily_report_counts_it_and_never_carries_its_title_page_docx_or_sms(client, org, secret):
    with time_machine.travel(MONDAY.replace(hour=17, minute=5), tick=False):
        report = generate_daily_report(MONDAY.date(), actor=org.duty)
    notable = next(s for s in report.content["sections"] if s["key"] == "notable")
    assert "敏感舆情 1 条（详见系统）" in notable["text"]
    stored = str(report.content)
    assert SECRET not in stored and "礼金" not in stored
    assert report.content["figures"]["total"] == 2  # counted like any other item
    document = docx_text(report.versions.get(number=1).file.read())
    assert "敏感舆情 1 条（详见系统）" in document and SECRET not in document and "礼金" not in document
    assert SECRET not in sms_text(report)
    for reader in (org.duty, secret.reporter):  # even a cleared reader reads it on the incident page
        client.force_login(reader)
        page = client.get(reverse("report_detail", args=[report.pk]))
        assert page.status_code == 200
        assert SECRET not in page.content.decode() and "敏感舆情 1 条（详见系统）" in page.content.decode()


def test_the_weekly_report_lists_it_only_as_the_count_line(org, secret):
    start = MONDAY.replace(hour=0, minute=0)
    content = compile_periodic_content(
        Report.Kind.WEEKLY, start, start + timedelta(days=7), now=start + timedelta(days=8)
    )
    notable = next(s for s in content["sections"] if s["key"] == "notable")
    assert "敏感舆情 1 条（详见系统）" in notable["text"]
    assert SECRET not in str(content)


def test_a_risk_notice_to_a_unit_does_not_list_a_confidential_match(org, secret):
    topic = RiskTopic.objects.create(name="礼金", keywords="礼金,积水", unit=org.edu, threshold=1, window_days=7)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        report = reporting_services.issue_risk_notice(org.duty, topic)
    assert SECRET not in str(report.content) and "敏感舆情 1 条（详见系统）" in str(report.content)
    assert report.content["figures"]["matches"] == 2


def test_a_special_report_on_it_is_marked_internal_and_sensitive(org, secret):
    services.grade_incident(secret.reporter, secret, grade="II", reason="涉腐，重大")
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        report = reporting_services.create_special_report(secret.reporter, secret)
    document = Document(io.BytesIO(report.versions.order_by("-number").first().file.read()))
    assert [p.text for p in document.paragraphs[:2]] == ["000001", "内部 / 敏感"]  # 份号 and 密级 (GB/T 9704 7.2)
    assert SECRET in docx_text(report.versions.order_by("-number").first().file.open("rb").read())


def test_a_document_on_an_ordinary_incident_carries_no_mark(org, secret):
    services.grade_incident(org.duty, secret.plain, grade="II", reason="重大")
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        report = reporting_services.create_special_report(org.duty, secret.plain)
    document = Document(io.BytesIO(report.versions.order_by("-number").first().file.read()))
    assert "内部 / 敏感" not in [p.text for p in document.paragraphs]


# --- notices (inbox + SMS) -------------------------------------------------------------------------


def phones(org):
    for user, phone in ((org.duty, "13900000001"), (org.edu_liaison, "13900000002"), (org.edu_leader, "13900000003")):
        Membership.objects.filter(user=user).update(phone=phone)


def test_breach_and_escalation_notices_carry_the_title_only_to_the_cleared(
    org, secret, sms, django_capture_on_commit_callbacks
):
    phones(org)
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        services.dispatch_incident(secret.reporter, secret, assignments=[(org.edu, TicketRole.LEAD)])
    for user in (org.edu_liaison, org.edu_leader):  # the unit, cleared by the dispatch, as the office left it
        assert selectors.visible_incidents(user).filter(pk=secret.pk).exists()
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(MONDAY + timedelta(days=3), tick=False):
        run_timed_checks()
    breaches = Notification.objects.filter(incident=secret, title__startswith="【督办】")
    upgrades = Notification.objects.filter(incident=secret, title__startswith="【逾期升级】")
    assert breaches.exists() and upgrades.exists()
    for notice in breaches.filter(recipient__in=[org.edu_liaison, org.edu_leader, secret.reporter]):
        assert SECRET in notice.title, notice.title
    for notice in (breaches | upgrades).filter(recipient=org.duty):  # a duty officer not cleared for it
        assert SECRET not in notice.title and SENSITIVE_ONE in notice.title, notice.title
        assert "礼金" not in notice.body and notice.link
    by_phone = {}
    for phone, text in sms:
        by_phone.setdefault(phone, []).append(text)
    assert by_phone, "the claim policy sends SMS"
    assert all(SECRET not in t and SENSITIVE_ONE in t for t in by_phone.get("13900000001", []))
    assert any(SECRET in t for t in by_phone.get("13900000002", []))


def test_a_return_notice_reaches_the_uncleared_office_without_title_or_reason(org, secret, sms):
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        (ticket,) = services.dispatch_incident(secret.reporter, secret, assignments=[(org.edu, TicketRole.LEAD)])
        services.return_ticket(org.edu_liaison, ticket, reason="礼金一事不属本局职责")
    told = Notification.objects.filter(incident=secret, title__startswith="【退回】")
    hidden = told.get(recipient=org.duty)
    assert hidden.title == f"【退回】教育局退回转办单（主办）：{SENSITIVE_ONE}" and "礼金" not in hidden.body
    shown = told.get(recipient=secret.reporter)
    assert SECRET in shown.title and "礼金一事不属本局职责" in shown.body


def test_ordinary_notices_are_unchanged(org, dispatched):
    notice = Notification.objects.filter(ticket=dispatched.lead, recipient=org.edu_liaison).first()
    assert dispatched.incident.title in notice.title and SENSITIVE_ONE not in notice.title
