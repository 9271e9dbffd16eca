"""The office's own publication (新闻通稿 / 新闻发布会 / 官方回应: 000 三.1, 003 三(五), 004 四(二)) recorded on the
incident page or over the API meets the reply and response deadlines; a unit still cannot publish on its own."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from deadlines.models import Deadline, DeadlinePolicy
from incidents import services
from incidents.models import Feedback, Reply, TicketRole

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday


@pytest.fixture
def reported_back(org, make_incident):
    """A 一般 incident whose lead unit filed its 核实调查报告 on Tuesday: the reply clock runs (002 第九条, 3 WD)."""
    with time_machine.travel(START, tick=False):
        incident = make_incident(grade="IV")
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="核实调查报告")
    return incident


def test_press_release_on_the_incident_page_meets_the_reply_deadline(org, reported_back, client):
    incident = reported_back
    reply_deadline = Deadline.objects.get(incident=incident, kind="reply")
    assert reply_deadline.state == "pending"
    client.force_login(org.duty)
    with time_machine.travel(START + timedelta(days=2), tick=False):
        response = client.post(
            reverse("incident_action", args=[incident.pk, "reply"]),
            {
                "reply-kind": "result",
                "reply-channel": "新闻通稿（县政府门户网站）",
                "reply-url": "https://www.example.gov.cn/xwfb/1.html",
                "reply-content": "经核实，相关情况如下……",
            },
        )
        page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert response.status_code == 302
    reply_deadline.refresh_from_db()
    assert reply_deadline.state == "met" and reply_deadline.met_at == START + timedelta(days=2)
    reply = Reply.objects.get(incident=incident)
    assert (reply.kind, reply.published_by, reply.url) == ("result", org.duty, "https://www.example.gov.cn/xwfb/1.html")
    assert AuditEvent.objects.filter(incident=incident, action="reply_published", actor=org.duty).exists()
    assert "新闻通稿（县政府门户网站）" in page and 'data-testid="replies"' in page


def test_press_conference_meets_the_48_hour_response_deadline(org, make_incident):
    """003 三(五): respond within 48 hours (a county profile enables the policy); a 新闻发布会 the office held counts."""
    DeadlinePolicy.objects.filter(name="首次回应（其他）").update(is_active=True)
    with time_machine.travel(START, tick=False):
        incident = make_incident(grade="III")
    response = Deadline.objects.get(incident=incident, kind="response")
    with time_machine.travel(START + timedelta(hours=30), tick=False):
        services.publish_reply(
            org.duty, incident, kind="initial", channel="新闻发布会", content="县政府召开新闻发布会通报……"
        )
    response.refresh_from_db()
    assert response.state == "met" and response.on_time


def test_a_bad_link_or_a_future_time_is_refused_and_nothing_is_published(org, reported_back, client):
    incident = reported_back
    client.force_login(org.duty)
    with time_machine.travel(START + timedelta(days=2), tick=False):
        bad_link = client.post(
            reverse("incident_action", args=[incident.pk, "reply"]),
            {
                "reply-kind": "result",
                "reply-channel": "政务微博",
                "reply-url": "javascript:alert(1)",
                "reply-content": "回应",
            },
        )
        future = client.post(
            reverse("incident_action", args=[incident.pk, "reply"]),
            {
                "reply-kind": "result",
                "reply-channel": "政务微博",
                "reply-content": "回应",
                "reply-published_at": "2026-12-30T10:00",
            },
        )
    assert bad_link.status_code == 400 and "请填写有效的链接" in bad_link.content.decode()
    assert future.status_code == 400 and "发布时间不能晚于现在" in future.content.decode()
    assert not Reply.objects.exists()
    assert Deadline.objects.get(incident=incident, kind="reply").state == "pending"


def test_api_publishes_and_lists_replies_office_only(org, reported_back):
    incident = reported_back
    url = f"/api/incidents/{incident.pk}/replies/"
    office, liaison = APIClient(), APIClient()
    office.force_authenticate(org.duty)
    liaison.force_authenticate(org.edu_liaison)
    body = {"kind": "rebuttal", "channel": "政务微博官方回应", "content": "网传信息不实"}
    with time_machine.travel(START + timedelta(days=2), tick=False):
        refused = liaison.post(url, body, format="json")  # the unit drafts for approval instead (docs/rules.md §9.27)
        too_long = office.post(url, body | {"channel": "渠" * 101}, format="json")
        created = office.post(url, body, format="json")
    assert refused.status_code == 403
    assert too_long.status_code == 400 and "channel" in too_long.json()["errors"]
    assert created.status_code == 201 and created.json()["kind_label"] == "辟谣"
    assert Deadline.objects.get(incident=incident, kind="reply").state == "met"
    assert [r["channel"] for r in liaison.get(url).json()["results"]] == ["政务微博官方回应"]  # the unit sees it
