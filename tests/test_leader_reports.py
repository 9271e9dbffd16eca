"""报告领导 (002 第八条: within 2 hours; 001 #4 第十三条: 30 minutes for a 特别重大 快报): the office records the report on
the incident page or over the API, or issues a 专报 to the leaders, and the deadline is met, so the timed checks
raise no 督办 for it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineStep
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import LeaderReport, TicketRole
from reporting import services as reporting_services

SH = ZoneInfo("Asia/Shanghai")
GRADED = datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday


def leader_deadline(incident):
    return Deadline.objects.get(incident=incident, ticket__isnull=True, kind="leader_report")


@pytest.fixture
def graded(make_incident):
    def make(grade="IV"):
        with time_machine.travel(GRADED, tick=False):
            return make_incident(grade=grade)

    return make


def test_office_records_a_phone_report_on_the_incident_page_and_the_deadline_is_met(org, graded, client):
    incident = graded("IV")
    client.force_login(org.duty)
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert (
        'data-action="leader_report"' in page and "002 第八条" in page
    )  # the action, and the deadline it meets with its clause
    with time_machine.travel(GRADED + timedelta(minutes=50), tick=False):
        response = client.post(
            reverse("incident_action", args=[incident.pk, "leader_report"]),
            {
                "leader_report-channel": "phone",
                "leader_report-reported_to": "教育局局长、分管副局长",
                "leader_report-note": "电话报告概况及处置建议",
            },
        )
        page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert response.status_code == 302
    assert "教育局局长、分管副局长" in page and "电话" in page  # the history of reports
    deadline = leader_deadline(incident)
    assert deadline.state == "met" and deadline.met_at == GRADED + timedelta(minutes=50)
    assert not deadline.steps.filter(state="pending").exists()
    report = LeaderReport.objects.get(incident=incident)
    assert (report.channel, report.reported_to, report.reported_by) == ("phone", "教育局局长、分管副局长", org.duty)
    assert AuditEvent.objects.filter(incident=incident, action="leader_reported", actor=org.duty).exists()

    # Two hours after grading the timed checks find nothing to 督办.
    run_timed_checks(GRADED + timedelta(hours=3))
    assert not DeadlineStep.objects.filter(deadline=deadline, state="fired", step="breach").exists()


def test_without_a_report_the_deadline_breaches(org, graded):
    """The control: the same incident, nobody reports, and the 2-hour breach fires."""
    incident = graded("IV")
    run_timed_checks(GRADED + timedelta(hours=2))
    assert leader_deadline(incident).state == "breached"


def test_a_report_time_in_the_future_or_before_discovery_is_refused_on_the_form(org, graded, client):
    incident = graded("I")
    client.force_login(org.duty)
    with time_machine.travel(GRADED + timedelta(minutes=10), tick=False):
        future = client.post(
            reverse("incident_action", args=[incident.pk, "leader_report"]),
            {
                "leader_report-channel": "paper",
                "leader_report-reported_to": "县委书记",
                "leader_report-reported_at": "2026-11-23T12:00",
            },
        )
        empty = client.post(
            reverse("incident_action", args=[incident.pk, "leader_report"]), {"leader_report-channel": "sms"}
        )
        with pytest.raises(InvalidInput):
            services.record_leader_report(
                org.duty, incident, channel="phone", reported_to="县长", reported_at=GRADED - timedelta(days=2)
            )
    assert future.status_code == 400 and "报告时间不能晚于现在" in future.content.decode()
    assert empty.status_code == 400 and "请填写报告对象" in empty.content.decode()
    assert not LeaderReport.objects.exists() and leader_deadline(incident).state == "pending"


def test_the_special_grade_flash_report_in_30_minutes(org, graded):
    """001 #4 第十三条: 特别重大 半小时内电话快报. A report at 31 minutes is recorded, and late."""
    incident = graded("I")
    with time_machine.travel(GRADED + timedelta(minutes=31), tick=False):
        services.record_leader_report(org.duty, incident, channel="phone", reported_to="县委书记、县长")
    deadline = leader_deadline(incident)
    assert deadline.due_at == GRADED + timedelta(minutes=30)
    assert deadline.state == "breached" and deadline.met_at == GRADED + timedelta(minutes=31)


def test_a_unit_leader_may_not_record_it_and_sees_no_form(org, graded, make_incident, client):
    incident = graded("IV")
    services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    with pytest.raises(NotPermitted):
        services.record_leader_report(org.edu_leader, incident, channel="phone", reported_to="局长")
    client.force_login(org.edu_leader)
    assert (
        'data-action="leader_report"' not in client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    )


def test_issuing_a_special_report_to_the_leaders_meets_the_deadline(org, graded):
    """004 三(三): the 专报 goes to 县委书记、县长、宣传部部长; issuing it is the report to the leaders."""
    incident = graded("II")
    with time_machine.travel(GRADED + timedelta(minutes=40), tick=False):
        report = reporting_services.create_special_report(org.duty, incident)
        reporting_services.issue_report(org.duty, report)
    deadline = leader_deadline(incident)
    assert deadline.state == "met" and deadline.met_at == GRADED + timedelta(minutes=40)
    recorded = LeaderReport.objects.get(incident=incident)
    assert recorded.channel == "system" and org.leader.get_full_name() in recorded.reported_to
    assert "舆情专报" in recorded.note


def test_api_records_and_lists_leader_reports(org, graded):
    incident = graded("III")
    api = APIClient()
    api.force_authenticate(org.duty)
    url = f"/api/incidents/{incident.pk}/leader-reports/"
    with time_machine.travel(GRADED + timedelta(hours=1), tick=False):
        created = api.post(url, {"channel": "sms", "reported_to": "县委宣传部部长", "note": "短信报告"}, format="json")
        bad = api.post(url, {"channel": "fax", "reported_to": "县长"}, format="json")
        late_text = api.post(url, {"channel": "phone", "reported_to": "县" * 201}, format="json")
    assert created.status_code == 201 and created.json()["channel_label"] == "短信"
    assert bad.status_code == 400 and "channel" in bad.json()["errors"]
    assert late_text.status_code == 400 and "reported_to" in late_text.json()["errors"]
    listed = api.get(url).json()
    assert [r["reported_to"] for r in listed["results"]] == ["县委宣传部部长"]
    assert leader_deadline(incident).state == "met"
