"""历史遗留问题 (002 第八条: "对历史遗留问题…原则上要在认领后15个工作日内形成核实调查报告") can be set or cleared when
grading and by the office later: the open deadlines that depend on it are recomputed, the change is audited and the
units with open tickets are told."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline
from incidents import services
from incidents.models import TicketRole
from notifications.models import Notification
from org.models import Membership

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


MONDAY = at(2026, 11, 23, 10, 0)


def report_due(lead):
    return Deadline.objects.exclude(state="cancelled").get(ticket=lead, kind="report").due_at


@pytest.fixture
def claimed(org, make_incident):
    """A 一般 incident led by 教育局, assisted by 卫健委, claimed on Monday morning: the report is due Mon 11-30."""

    def make(due_at=None):
        with time_machine.travel(MONDAY, tick=False):
            incident = make_incident(grade="IV")
            lead, assist = services.dispatch_incident(
                org.duty,
                incident,
                assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)],
                due_at=due_at,
            )
            services.claim_ticket(org.edu_liaison, lead)
        return incident, lead, assist

    return make


def test_office_sets_the_flag_later_and_the_report_gets_fifteen_working_days(org, claimed, client):
    incident, lead, assist = claimed()
    Membership.objects.filter(user=org.edu_liaison).update(phone="13800000001")
    assert report_due(lead) == at(2026, 11, 30, 17, 30)
    client.force_login(org.duty)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
        response = client.post(
            reverse("incident_action", args=[incident.pk, "historical"]),
            {"historical-is_historical": "on", "historical-reason": "涉及 2015 年拆迁安置遗留问题"},
        )
    assert 'data-action="historical"' in page and response.status_code == 302
    incident.refresh_from_db()
    assert incident.is_historical
    assert report_due(lead) == at(2026, 12, 14, 17, 30)  # 15 working days from the claim
    changed = AuditEvent.objects.get(incident=incident, action="historical_changed")
    assert changed.before == {"is_historical": False} and changed.after == {"is_historical": True}
    assert changed.reason == "涉及 2015 年拆迁安置遗留问题" and changed.actor == org.duty
    assert AuditEvent.objects.filter(incident=incident, ticket=lead, action="deadline_recomputed").exists()

    # The lead unit is told on the report policy's channels (inbox and SMS) with its new date; the assisting
    # unit, whose 3-day feedback does not depend on the case type, in its inbox.
    told = Notification.objects.filter(ticket=lead, recipient=org.edu_liaison, title__contains="历史遗留")
    assert set(told.values_list("channel", flat=True)) == {"inbox", "sms"}
    assert "12月14日17:30" in told.get(channel="inbox").title
    assist_notice = Notification.objects.get(ticket=assist, recipient=org.health_liaison, title__contains="历史遗留")
    assert assist_notice.channel == "inbox" and "历史遗留问题" in assist_notice.title


def test_clearing_the_flag_brings_back_five_working_days(org, make_incident):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="IV", is_historical=True)
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
    assert report_due(lead) == at(2026, 12, 14, 17, 30)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        services.set_historical(org.duty, incident, is_historical=False, reason="经核实为新发问题")
    assert report_due(lead) == at(2026, 11, 30, 17, 30)


def test_the_grade_form_carries_the_flag_and_shows_the_current_value(org, claimed, client):
    incident, lead, _ = claimed()
    client.force_login(org.duty)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        # A regrade form sent with the same grade and only the flag ticked is the flag change alone.
        response = client.post(
            reverse("incident_action", args=[incident.pk, "grade"]),
            {"grade-grade": "IV", "grade-reason": "系历史遗留问题", "grade-is_historical": "on"},
        )
        page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.is_historical and incident.grade == "IV"
    assert report_due(lead) == at(2026, 12, 14, 17, 30)
    assert re.search(r'<input type="checkbox" name="grade-is_historical"[^>]*checked', page)
    assert AuditEvent.objects.filter(incident=incident, action="historical_changed").count() == 1


def test_grading_with_the_flag_gives_the_later_claim_fifteen_working_days(org, make_incident):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident()
        services.grade_incident(org.duty, incident, grade="III", reason="历史遗留", is_historical=True)
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
    incident.refresh_from_db()
    assert incident.is_historical
    assert report_due(lead) == at(2026, 12, 14, 17, 30)
    grade = AuditEvent.objects.get(incident=incident, action="grade")
    assert grade.before["is_historical"] is False and grade.after["is_historical"] is True


def test_an_explicit_limit_stays_when_the_flag_changes(org, claimed):
    """Order explicit > 历史遗留 > default (000 三.2): the office's own limit is not replaced by 15 working days."""
    incident, lead, _ = claimed(due_at=at(2026, 12, 4, 18, 0))
    services.set_historical(org.duty, incident, is_historical=True, reason="历史遗留")
    assert report_due(lead) == at(2026, 12, 4, 18, 0)
    # The lead unit is still told, and that its limit stands.
    told = Notification.objects.get(ticket=lead, recipient=org.edu_liaison, title__contains="历史遗留")
    assert "办理时限不变" in told.body


def test_only_the_office_changes_the_flag_and_a_no_change_is_refused(org, claimed):
    incident, lead, _ = claimed()
    with pytest.raises(NotPermitted):
        services.set_historical(org.edu_liaison, incident, is_historical=True, reason="我们认为是历史遗留")
    with pytest.raises(InvalidInput):
        services.set_historical(org.duty, incident, is_historical=False, reason="无变化")
    with pytest.raises(InvalidInput):
        services.set_historical(org.duty, incident, is_historical=True, reason="  ")
    incident.refresh_from_db()
    assert not incident.is_historical and not AuditEvent.objects.filter(action="historical_changed").exists()


def test_api_sets_the_flag_through_its_endpoint_and_the_grade_field(org, claimed, make_incident):
    incident, lead, _ = claimed()
    api = APIClient()
    api.force_authenticate(org.duty)
    response = api.post(
        f"/api/incidents/{incident.pk}/historical/", {"is_historical": True, "reason": "历史遗留"}, format="json"
    )
    missing = api.post(f"/api/incidents/{incident.pk}/historical/", {"is_historical": False}, format="json")
    assert response.status_code == 200 and response.json()["is_historical"] is True
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    assert report_due(lead) == at(2026, 12, 14, 17, 30)

    fresh = make_incident()
    graded = api.post(
        f"/api/incidents/{fresh.pk}/grade/", {"grade": "IV", "reason": "一般", "is_historical": True}, format="json"
    )
    assert graded.status_code == 200 and graded.json()["is_historical"] is True
