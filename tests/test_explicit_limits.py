"""000 三.2: "有明确时间要求的，必须按照规定时间落实到位；没有明确时间要求的，原则上在3天内落实到位；一时难以落实的，要形成
书面材料及时反馈". A limit given at dispatch governs all the ticket's handling deadlines; a 书面说明 filed in time meets
the deadline it answers, starts a follow-up at the date it promises, and is not late in the 考核."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import InvalidInput
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineStep
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import Feedback, TicketRole
from reporting.assessment import assess_units

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


MONDAY = at(2026, 11, 23, 10, 0)


def open_deadline(ticket, kind):
    return Deadline.objects.exclude(state__in=("cancelled", "extended")).get(ticket=ticket, kind=kind)


@pytest.fixture
def walk(org, make_incident):
    def run(due_at=None, claim_at=MONDAY + timedelta(minutes=30)):
        with time_machine.travel(MONDAY, tick=False):
            incident = make_incident(grade="IV")
            lead, assist = services.dispatch_incident(
                org.duty,
                incident,
                assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)],
                due_at=due_at,
            )
        with time_machine.travel(claim_at, tick=False):
            services.claim_ticket(org.edu_liaison, lead)
            services.claim_ticket(org.health_liaison, assist)
        return incident, lead, assist

    return run


# --- An explicit limit governs every handling deadline ----------------------------------------------------------


def test_the_limit_given_at_dispatch_governs_the_lead_units_report_too(walk):
    """The office gives until Friday 12-04 18:00; the lead unit's 核实调查报告 (002 第八条: 5 working days from the
    claim, Mon 11-30 17:30 by default) takes the office's limit, so it does not breach before it."""
    incident, lead, assist = walk(due_at=at(2026, 12, 4, 18, 0))
    report = open_deadline(lead, "report")
    assert report.due_at == at(2026, 12, 4, 18, 0) and report.explicit
    assert open_deadline(lead, "feedback").due_at == at(2026, 12, 4, 18, 0)
    assert open_deadline(assist, "feedback").due_at == at(2026, 12, 4, 18, 0)

    run_timed_checks(at(2026, 12, 1, 9, 0))  # past the default report limit, before the office's
    report.refresh_from_db()
    assert report.state == "pending"
    assert not DeadlineStep.objects.filter(deadline__ticket=lead, step="breach", state="fired").exists()


def test_without_an_explicit_limit_the_report_keeps_its_five_working_days(walk):
    incident, lead, _ = walk()
    report = open_deadline(lead, "report")
    assert report.due_at == at(2026, 11, 30, 17, 30) and not report.explicit


def test_dispatch_preview_shows_the_explicit_limit_for_the_report(org, make_incident, client):
    incident = make_incident(grade="IV")
    client.force_login(org.duty)
    response = client.get(
        reverse("dispatch_preview", args=[incident.pk]),
        {"dispatch-lead": org.edu.pk, "dispatch-due_at": "2030-12-04T18:00"},
    )
    html = response.content.decode()
    assert "核实调查报告时限" in html and "认领后 5wd" not in html


# --- 书面说明 ------------------------------------------------------------------------------------------------------


def explain(user, ticket, when, promised):
    with time_machine.travel(when, tick=False):
        return services.submit_feedback(
            user,
            ticket,
            kind=Feedback.Kind.WRITTEN_EXPLANATION,
            content="涉及多部门，一时难以落实，预计下周完成",
            promised_at=promised,
        )


def test_an_explanation_in_time_meets_the_feedback_deadline_and_starts_a_follow_up(org, walk):
    incident, lead, assist = walk()
    feedback = open_deadline(assist, "feedback")  # 3 days: Thu 11-26 10:00
    explain(org.health_liaison, assist, at(2026, 11, 25, 16, 0), at(2026, 12, 3, 17, 0))
    feedback.refresh_from_db()
    assert feedback.state == "met" and feedback.met_at == at(2026, 11, 25, 16, 0)
    follow_up = open_deadline(assist, "follow_up")
    assert follow_up.due_at == at(2026, 12, 3, 17, 0) and follow_up.rule["policy"] == "书面说明承诺时限"
    assert "000 三.2" in follow_up.rule["source"]

    # No 督办 at the old 3-day limit; the promised date is now the one watched.
    run_timed_checks(at(2026, 11, 27, 9, 0))
    assert not DeadlineStep.objects.filter(deadline__ticket=assist, step="breach", state="fired").exists()
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        services.submit_feedback(org.health_liaison, assist, kind=Feedback.Kind.FEEDBACK, content="已落实")
    follow_up.refresh_from_db()
    assert follow_up.state == "met"


def test_a_broken_promise_breaches_the_follow_up(org, walk):
    incident, lead, assist = walk()
    explain(org.health_liaison, assist, at(2026, 11, 25, 16, 0), at(2026, 12, 3, 17, 0))
    run_timed_checks(at(2026, 12, 3, 17, 0))
    assert open_deadline(assist, "follow_up").state == "breached"


def test_an_explanation_after_the_deadline_does_not_meet_it(org, walk):
    incident, lead, assist = walk()
    run_timed_checks(at(2026, 11, 26, 10, 0))  # the 3 days ran out
    explain(org.health_liaison, assist, at(2026, 11, 26, 15, 0), at(2026, 12, 3, 17, 0))
    feedback = Deadline.objects.get(ticket=assist, kind="feedback")
    assert feedback.state == "breached" and feedback.met_at is None  # still open, still late


def test_the_lead_units_default_report_is_not_met_by_an_explanation(org, walk):
    """002 第八条's remedy for a report that needs more time is the written extension request, not 000 三.2's
    explanation: the default 5-working-day report stays open; the 3-day feedback is met."""
    incident, lead, _ = walk()
    explain(org.edu_liaison, lead, at(2026, 11, 25, 16, 0), at(2026, 12, 10, 17, 0))
    assert open_deadline(lead, "report").state == "pending"
    assert Deadline.objects.get(ticket=lead, kind="feedback").state == "met"


def test_the_lead_units_report_under_an_explicit_limit_is_met_by_an_explanation(org, walk):
    """When the report runs to the limit given at dispatch, that limit is 000 三.2's, so the explanation meets it."""
    incident, lead, _ = walk(due_at=at(2026, 11, 27, 18, 0))
    explain(org.edu_liaison, lead, at(2026, 11, 26, 9, 0), at(2026, 12, 4, 17, 0))
    report = Deadline.objects.get(ticket=lead, kind="report")
    assert report.state == "met" and report.on_time
    with time_machine.travel(at(2026, 12, 3, 9, 0), tick=False):
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="核实调查报告")
    assert open_deadline(lead, "follow_up").state == "met"


def test_an_explanation_needs_a_promised_date_in_the_future(org, walk, client):
    incident, lead, assist = walk()
    with time_machine.travel(at(2026, 11, 25, 16, 0), tick=False):
        with pytest.raises(InvalidInput) as missing:
            services.submit_feedback(org.health_liaison, assist, kind="explanation", content="难以落实")
        with pytest.raises(InvalidInput) as past:
            services.submit_feedback(
                org.health_liaison, assist, kind="explanation", content="难以落实", promised_at=at(2026, 11, 24, 9, 0)
            )
        client.force_login(org.health_liaison)
        form = client.post(
            reverse("ticket_action", args=[assist.pk, "feedback"]),
            {"feedback-kind": "explanation", "feedback-content": "难以落实"},
        )
        api = APIClient()
        api.force_authenticate(org.health_liaison)
        api_past = api.post(
            f"/api/tickets/{assist.pk}/feedback/",
            {"kind": "explanation", "content": "难以落实", "promised_at": "2026-11-24T09:00:00+08:00"},
            format="json",
        )
        api_ok = api.post(
            f"/api/tickets/{assist.pk}/feedback/",
            {"kind": "explanation", "content": "难以落实", "promised_at": "2026-12-03T17:00:00+08:00"},
            format="json",
        )
    assert "承诺落实时间" in missing.value.message and "晚于现在" in past.value.message
    assert form.status_code == 400 and "书面说明须填写承诺落实时间" in form.content.decode()
    assert api_past.status_code == 400 and "promised_at" in api_past.json()["errors"]
    assert api_ok.status_code == 201 and api_ok.json()["promised_at"].startswith("2026-12-03T17:00")
    assert Feedback.objects.filter(kind="explanation").count() == 1
    event = AuditEvent.objects.get(ticket=assist, action="progress")
    assert event.after["kind"] == "explanation" and event.after["promised_at"].startswith("2026-12-03")


def test_the_ticket_page_offers_the_promised_date_field(org, walk, client):
    incident, lead, assist = walk()
    client.force_login(org.health_liaison)
    html = client.get(reverse("ticket_detail", args=[assist.pk])).content.decode()
    assert 'name="feedback-promised_at"' in html and "提交书面说明时必填" in html


def test_an_explanation_in_time_is_on_time_in_the_assessment(org, walk):
    """考核 (002 第十二条, 000 四.3 "反馈不及时"): an explanation filed before the 3-day limit is on time, and the
    promise kept is on time too; the control unit that let the limit pass is late."""
    incident, lead, assist = walk()
    explain(org.health_liaison, assist, at(2026, 11, 25, 16, 0), at(2026, 12, 3, 17, 0))
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        services.submit_feedback(org.health_liaison, assist, kind=Feedback.Kind.FEEDBACK, content="已落实")
    rows = {r.unit_name: r for r in assess_units(at(2026, 11, 1), at(2026, 12, 31), now=at(2026, 12, 30, 9, 0))}
    assert (rows["卫健委"].feedback.on_time, rows["卫健委"].feedback.total) == (2, 2)
    # 教育局 (the lead) filed nothing: its feedback and report deadlines count as late.
    assert rows["教育局"].feedback.on_time == 0 and rows["教育局"].feedback.total == 2
