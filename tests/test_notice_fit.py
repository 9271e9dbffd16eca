"""Every notice fits its row (issue 10 §1): a 200-character incident title, the longest intake allows, still
gives 督办/升级/延期申请/回应稿 notices that fit Notification.title (varchar 200 on PostgreSQL), cut with "…" and
still naming the unit; nothing stops. Email and SMS carry an absolute link on SITE_URL (§3); the inbox keeps
the site's relative one."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from deadlines.models import DeadlineStep
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import Feedback, TicketRole
from notifications.models import Notification
from notifications.notify import TITLE_MAX, fit, notify
from org.models import Membership

from .api_support import api_as, relaxed_throttles  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
LONG_TITLE = "网传某县某校食堂长期使用过期食材" * 12 + "一二三四五六七八"  # exactly 200 characters


class RecordingGateway:
    sent: list[tuple[str, str]] = []

    def send(self, phone, text):
        self.sent.append((phone, text))


@pytest.fixture
def sms(settings):
    RecordingGateway.sent = []
    settings.SMS_GATEWAY = "tests.test_notice_fit.RecordingGateway"
    return RecordingGateway.sent


@pytest.fixture
def long_dispatch(org, make_incident):
    assert len(LONG_TITLE) == 200
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(title=LONG_TITLE, grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    return incident, lead, assist


def test_fit_cuts_with_an_ellipsis_only_when_needed():
    assert fit("短标题", 200) == "短标题"
    assert fit("字" * 200, 200) == "字" * 200
    cut = fit("字" * 201, 200)
    assert len(cut) == 200 and cut == "字" * 199 + "…"
    assert fit("", 10) == "" and fit(None, 10) == ""


def test_a_notice_title_is_one_line_and_fits(org):
    (row,) = notify([org.duty], title="【测试】第一行\n第二行\x0b" + "长" * 300, link="/tickets/1/")
    assert "\n" not in row.title and "\x0b" not in row.title
    assert row.title.startswith("【测试】第一行 第二行") and len(row.title) == TITLE_MAX and row.title.endswith("…")


def test_a_link_too_long_for_its_column_keeps_its_path(org):
    (row,) = notify([org.duty], title="t", link="/tickets/?" + "q=x&" * 100)
    assert row.link == "/tickets/"


def test_a_200_character_title_breaches_and_escalates_with_notices_that_fit(org, long_dispatch):
    incident, lead, assist = long_dispatch
    fired = run_timed_checks(MONDAY + timedelta(hours=5))
    assert fired and not [f for f in fired if f.outcome.startswith("failed")]
    breach = Notification.objects.filter(
        step__deadline__ticket=lead, step__step="breach", recipient=org.duty, channel="inbox"
    ).get()
    escalation = Notification.objects.filter(
        step__deadline__ticket=lead, step__step="escalate", recipient=org.edu_leader, channel="inbox"
    )
    assert escalation.exists()
    for title in [breach.title, escalation.first().title]:
        assert len(title) <= TITLE_MAX
        assert "…" in title and title.endswith("（教育局）")  # the incident's title is what is cut
    assert breach.title.startswith("【督办】认领时限已于11月23日 12:00逾期：网传某县某校食堂")
    # Every due step fired, for both units: nothing was stopped by the long title.
    assert not DeadlineStep.objects.filter(state="pending", fire_at__lte=MONDAY + timedelta(hours=5)).exists()


def test_a_200_character_title_files_an_extension_request_through_the_api(org, long_dispatch, api_as):  # noqa: F811
    incident, lead, _ = long_dispatch
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        response = api_as(org.edu_liaison).post(
            f"/api/tickets/{lead.pk}/extension-requests/",
            {"requested_due_at": (MONDAY + timedelta(days=20)).isoformat(), "reason": "涉及多部门，需补充调查"},
            format="json",
        )
    assert response.status_code == 201, response.content
    notice = Notification.objects.get(recipient=org.duty, title__startswith="【延期申请】")
    assert len(notice.title) <= TITLE_MAX and notice.title.startswith("【延期申请】教育局：网传某县")
    assert notice.title.endswith("…")


def test_a_200_character_title_drafts_a_reply_whose_notice_fits(org, long_dispatch):
    incident, lead, _ = long_dispatch
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="核实调查报告")
        services.draft_reply(
            org.edu_liaison,
            lead,
            kind="initial",
            channel="政民互动平台网络新闻发言人版块",
            content="我局已关注，正在核实。",
        )
    notice = Notification.objects.get(recipient=org.edu_leader, title__startswith="回应稿待审定")
    assert len(notice.title) == TITLE_MAX and notice.title.endswith("…")


def test_sms_and_email_carry_an_absolute_link_and_the_inbox_the_relative_one(
    org, settings, sms, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://yq.example.gov.cn/"
    org.edu_leader.email = "edu_leader@example.gov.cn"
    org.edu_leader.save()
    Membership.objects.filter(user=org.edu_leader).update(phone="13800000000")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [org.edu_leader],
            title="【督办】认领时限已逾期：测试",
            body="请尽快认领。",
            link="/tickets/7/",
            channels="inbox,email,sms",
        )
    inbox = Notification.objects.get(recipient=org.edu_leader, channel="inbox")
    assert inbox.link == "/tickets/7/"
    assert sms == [("13800000000", "【督办】认领时限已逾期：测试 https://yq.example.gov.cn/tickets/7/")]
    (email,) = mail.outbox
    assert email.subject == "【督办】认领时限已逾期：测试"
    assert email.body == "请尽快认领。\n\nhttps://yq.example.gov.cn/tickets/7/"
    assert set(Notification.objects.filter(channel__in=["sms", "email"]).values_list("status", flat=True)) == {"sent"}


def test_site_url_defaults_to_the_local_server(sms, org, django_capture_on_commit_callbacks):
    assert django_settings.SITE_URL == "http://127.0.0.1:8000"
    Membership.objects.filter(user=org.duty).update(phone="13900000000")
    with django_capture_on_commit_callbacks(execute=True):
        notify([org.duty], title="测试", link="/desk/", channels="sms")
    assert sms == [("13900000000", "测试 http://127.0.0.1:8000/desk/")]
