"""The notices that matter reach the people who must act, on the channel the rules name (issue 10 §3): a new
ticket to the unit's liaisons with its deadlines (inbox + SMS per the claim policy), a return to the office,
a designated claim to the person named, a send-back's 批示 to the lead unit, a pending extension in the desk's
queue, the issued 日报 to the distribution list by SMS (004 三(二))."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deadlines import services as monitoring_services
from deadlines.models import DeadlinePolicy
from incidents import services
from incidents.models import Feedback, TicketRole
from notifications.models import Notification
from org.models import Membership
from reporting import services as reporting_services
from reporting.daily import compile_due_daily_reports
from reporting.models import ReportSettings

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


class RecordingGateway:
    """An SMS gateway that keeps what it was asked to send."""

    sent: list = []

    def send(self, phone, text):
        RecordingGateway.sent.append((phone, text))


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY = "tests.test_notices_that_matter.RecordingGateway"
    RecordingGateway.sent = []
    return RecordingGateway.sent


def rows(**filters):
    """{(username, channel)} of the notices matching `filters`."""
    return set(Notification.objects.filter(**filters).values_list("recipient__username", "channel"))


def dispatch_at_monday(org, make_incident, **kwargs):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(title="网传某校食堂饭菜变质", grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)], **kwargs
        )
    return incident, lead, assist


# --- 转办 ------------------------------------------------------------------------------------------


def test_dispatch_tells_each_units_liaisons_at_once_with_the_tickets_deadlines(org, make_incident):
    """002 第六条 (认领) and 000 三.2 (办理 3 天): the unit hears of its ticket at once, in the inbox and by SMS (the
    default claim policy's channels), with the due times as local times; nobody else is told."""
    incident, lead, assist = dispatch_at_monday(org, make_incident, instructions="请核实并反馈")
    both = {"inbox", "sms"}
    assert rows(ticket=lead) == {(u, c) for u in ("edu_l", "edu_l2") for c in both}
    assert rows(ticket=assist) == {("health_l", c) for c in both}
    assert not Notification.objects.filter(recipient__in=[org.duty, org.police_liaison, org.edu_leader]).exists()

    notice = Notification.objects.get(ticket=lead, recipient=org.edu_liaison, channel="sms")
    # The SMS is the title: the deadlines come before the incident's title.
    assert notice.title.startswith("【转办·主办】认领时限11月23日12:00，办理反馈时限11月26日10:00")
    assert "网传某校食堂饭菜变质" in notice.title
    assert "认领时限 2026-11-23 12:00" in notice.body and "办理反馈时限 2026-11-26 10:00" in notice.body
    assert "请核实并反馈" in notice.body and notice.link == reverse("ticket_detail", args=[lead.pk])
    assert "【转办·协办】" in Notification.objects.filter(ticket=assist).first().title


def test_an_explicit_time_limit_given_at_dispatch_is_the_one_in_the_notice(org, make_incident):
    """000 三.2: 有明确时间要求的，按规定时间 — the unit is told the office's limit, not the default."""
    _, lead, _ = dispatch_at_monday(org, make_incident, due_at=datetime(2026, 11, 24, 18, 0, tzinfo=SH))
    notice = Notification.objects.get(ticket=lead, recipient=org.edu_liaison, channel="inbox")
    assert "办理反馈时限11月24日18:00" in notice.title and "办理反馈时限 2026-11-24 18:00" in notice.body


def test_the_dispatch_notice_takes_the_channels_of_the_claim_policy(org, make_incident):
    DeadlinePolicy.objects.filter(kind="claim").update(channels="inbox")
    _, lead, _ = dispatch_at_monday(org, make_incident)
    assert rows(ticket=lead) == {("edu_l", "inbox"), ("edu_l2", "inbox")}


def test_the_dispatch_sms_goes_out_after_commit_to_the_liaisons_phone(
    org, make_incident, sms, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=org.edu_liaison).update(phone="13900000001")
    with django_capture_on_commit_callbacks(execute=True):
        _, lead, _ = dispatch_at_monday(org, make_incident)
    assert [phone for phone, _ in sms] == ["13900000001"]
    text = sms[0][1]
    assert "认领时限11月23日12:00" in text and f"/tickets/{lead.pk}/" in text
    sent = Notification.objects.get(ticket=lead, recipient=org.edu_liaison, channel="sms")
    assert sent.status == "sent"
    assert Notification.objects.get(ticket=lead, recipient=org.edu_liaison2, channel="sms").status == "skipped"


def test_a_failed_dispatch_tells_nobody(org, make_incident):
    incident = make_incident(grade="IV")
    with pytest.raises(Exception, match="只能有一个主办单位"):
        services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.LEAD)]
        )
    assert not Notification.objects.exists()


# --- 退回, 指定认领 -----------------------------------------------------------------------------------


def test_a_return_tells_the_office_which_unit_and_why(org, make_incident):
    _, lead, _ = dispatch_at_monday(org, make_incident)
    services.return_ticket(org.edu_liaison, lead, reason="不属于本单位职责，应由城关镇办理")
    told = Notification.objects.filter(ticket=lead, title__startswith="【退回】")
    assert {(n.recipient.username, n.channel) for n in told} == {("duty", "inbox")}
    notice = told.get()
    assert "教育局" in notice.title and "不属于本单位职责，应由城关镇办理" in notice.body
    assert notice.link == reverse("incident_detail", args=[lead.incident_id])


def test_a_designated_claim_tells_the_person_named_and_the_units_other_liaisons(org, make_incident):
    """002 第六条: 逾期未认领的，由办公室指定认领 — the person named hears it by the claim policy's channels
    (inbox and SMS), with the report deadline that starts now; the colleague learns who holds it."""
    _, lead, _ = dispatch_at_monday(org, make_incident)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        services.assign_ticket(org.duty, lead, assignee=org.edu_liaison2, reason="逾期未认领")
    named = Notification.objects.filter(ticket=lead, recipient=org.edu_liaison2, title__startswith="【指定认领】")
    assert set(named.values_list("channel", flat=True)) == {"inbox", "sms"}
    notice = named.get(channel="inbox")
    assert "由您认领" in notice.title and "核实调查报告时限" in notice.body and "002 第六条" in notice.body
    other = Notification.objects.get(ticket=lead, recipient=org.edu_liaison, title__startswith="【指定认领】")
    assert other.channel == "inbox" and "edu_l2" in other.title


# --- 批示 -------------------------------------------------------------------------------------------


@pytest.fixture
def under_review(org, make_incident):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(title="网传某路段积水", grade="IV")
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已排水")
    return incident, lead


def test_a_send_back_with_a_time_limit_tells_the_lead_unit_the_instruction_by_sms(org, under_review):
    """交办、承办、督办 (002 第八条): the 批示 and its limit reach the unit's liaisons, by SMS as any explicit limit."""
    incident, lead = under_review
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        services.send_back_incident(
            org.duty, incident, reason="请补充整改措施", due_at=datetime(2026, 11, 25, 17, 0, tzinfo=SH)
        )
    told = Notification.objects.filter(ticket=lead, title__startswith="【退回重办】")
    assert {(n.recipient.username, n.channel) for n in told} == {
        (u, c) for u in ("edu_l", "edu_l2") for c in ("inbox", "sms")
    }
    sms = told.get(recipient=org.edu_liaison, channel="sms")
    assert "请于11月25日17:00前" in sms.title and "批示：请补充整改措施" in sms.title
    assert "请补充整改措施" in sms.body and "2026-11-25 17:00" in sms.body


def test_a_send_back_without_a_limit_tells_the_unit_in_the_inbox(org, under_review):
    incident, lead = under_review
    services.send_back_incident(org.duty, incident, reason="报告过于简略")
    told = Notification.objects.filter(ticket=lead, title__startswith="【退回重办】")
    assert {(n.recipient.username, n.channel) for n in told} == {("edu_l", "inbox"), ("edu_l2", "inbox")}
    assert "报告过于简略" in told.first().body


def test_a_reply_draft_sent_back_with_a_limit_reaches_the_liaisons_by_sms(org, make_incident):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="IV")
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
        draft = services.draft_reply(org.edu_liaison, lead, kind="initial", channel="政务微博", content="已关注")
        services.send_back_reply(
            org.edu_leader, draft, instruction="请写明整改时限", due_at=datetime(2026, 11, 24, 12, 0, tzinfo=SH)
        )
    sms = Notification.objects.get(recipient=org.edu_liaison, channel="sms", title__startswith="回应稿被退回修改")
    assert "批示：请写明整改时限" in sms.title and "2026-11-24 12:00" in sms.title


# --- 延期待批 on the desk ----------------------------------------------------------------------------


def file_extension(org, make_incident, title):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(title=title, grade="IV")
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        monitoring_services.request_extension(
            org.edu_liaison, lead, requested_due_at=datetime(2026, 12, 10, 17, 0, tzinfo=SH), reason="需现场核查"
        )
    return lead


def test_a_pending_extension_request_waits_in_the_desks_queue(client, org, make_incident):
    """002 第八条: the written request goes to the office, which sees it in a queue, not only in 消息."""
    lead = file_extension(org, make_incident, "网传某地拖欠工资")
    client.force_login(org.duty)
    page = client.get("/desk/?queue=extension").content.decode()
    assert 'data-testid="queue-extension"' in page and '延期待批 <span class="badge">1</span>' in page
    assert page.count('data-testid="extension-row"') == 1
    assert "网传某地拖欠工资" in page and "教育局" in page and "2026-12-10 17:00" in page and "需现场核查" in page
    assert reverse("ticket_detail", args=[lead.pk]) in page

    request = lead.extension_requests.get()
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        monitoring_services.approve_extension(org.duty, request, note="同意")
    page = client.get("/desk/?queue=extension").content.decode()
    assert 'data-testid="extension-row"' not in page and "暂无待审批的延期申请" in page


def test_the_extension_queue_is_the_offices_and_its_queries_stay_flat(client, org, make_incident):
    client.force_login(org.edu_liaison)
    assert client.get("/desk/?queue=extension").status_code == 403
    client.force_login(org.duty)
    for i in range(2):
        file_extension(org, make_incident, f"延期事项{i}")
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/?queue=extension")
    for i in range(2, 12):
        file_extension(org, make_incident, f"延期事项{i}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/desk/?queue=extension").content.decode()
    assert page.count('data-testid="extension-row"') == 12
    assert len(many) == len(few) <= 25


# --- the 日报 by SMS --------------------------------------------------------------------------------


def test_the_issued_daily_report_goes_to_the_distribution_list_by_sms(
    org, make_incident, sms, django_capture_on_commit_callbacks
):
    """004 三(二): 《舆情日报》以手机短信形式报送 — title, period, counts and the link, besides the inbox."""
    ReportSettings.current().distribution.set([org.leader, org.edu_leader])
    Membership.objects.filter(user=org.leader).update(phone="13900000009")
    with time_machine.travel(MONDAY, tick=False):
        make_incident(title="重大事项", grade="II")
        make_incident(title="一般事项", grade="IV")
    with time_machine.travel(datetime(2026, 11, 23, 17, 0, tzinfo=SH), tick=False):
        report = compile_due_daily_reports()
    with time_machine.travel(datetime(2026, 11, 23, 17, 10, tzinfo=SH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reporting_services.issue_report(org.duty, report)
    assert rows(title__contains="舆情日报") == {(u, c) for u in ("leader", "edu_leader") for c in ("inbox", "sms")}
    notice = Notification.objects.get(recipient=org.leader, channel="sms")
    assert notice.title.startswith("【舆情日报】舆情日报（2026年11月23日）：11月22日17:00至11月23日17:00")
    assert "收集舆情2条" in notice.title and "重大1" in notice.title and "一般1" in notice.title
    assert notice.link == reverse("report_detail", args=[report.pk]) and notice.status == "sent"
    ((phone, text),) = sms
    assert phone == "13900000009" and "收集舆情2条" in text and f"/reports/{report.pk}/" in text
