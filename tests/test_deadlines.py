"""Deadlines computed from the policies at dispatch, claim, report, on extension, regrade and reopen.
The clock is moved with time-machine; dates are real 2025/2026 arrangements."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import DomainError, NotPermitted
from core.models import AuditEvent
from deadlines import services as monitoring_services
from deadlines.models import Deadline, DeadlinePolicy, ExtensionRequest
from incidents import services
from incidents.models import Feedback, TicketRole

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def due(deadlines, kind, ticket=None):
    qs = deadlines.filter(kind=kind)
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    d = qs.exclude(state__in=("cancelled", "extended")).get()
    return d.due_at.astimezone(SH)


@pytest.fixture
def walk(org, make_incident):
    def run(when, grade="IV", historical=False, due_at=None):
        with time_machine.travel(when, tick=False):
            incident = make_incident(grade=grade, is_historical=historical)
            lead, assist = services.dispatch_incident(
                org.duty,
                incident,
                assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)],
                due_at=due_at,
            )
        return incident, lead, assist

    return run


def test_dispatch_creates_claim_feedback_and_leader_report_deadlines(walk):
    incident, lead, assist = walk(at(2026, 11, 23, 10, 0))  # a Monday
    deadlines = Deadline.objects.filter(incident=incident)
    assert due(deadlines, "claim", lead) == at(2026, 11, 23, 12, 0)  # product default: 2 hours
    assert due(deadlines, "claim", assist) == at(2026, 11, 23, 12, 0)
    assert due(deadlines, "feedback", lead) == at(2026, 11, 26, 10, 0)  # 000 三.2: 3 calendar days
    assert due(deadlines, "leader_report") == at(2026, 11, 23, 12, 0)  # 002 第八条: 2 hours from grading
    claim = deadlines.get(kind="claim", ticket=lead)
    assert claim.rule["duration"] == "2h" and claim.policy.name == "认领时限（默认）" and claim.state == "pending"
    assert not deadlines.filter(kind="report").exists()  # starts at the claim


def test_special_grade_uses_its_own_policies(walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0), grade="I")
    deadlines = Deadline.objects.filter(incident=incident)
    assert due(deadlines, "claim", lead) == at(2026, 11, 23, 11, 0)
    assert due(deadlines, "leader_report") == at(2026, 11, 23, 10, 30)  # 001 #4: flash report in 30 minutes


def test_explicit_deadline_given_at_dispatch_wins(walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0), due_at=at(2026, 11, 24, 18, 0))
    feedback = Deadline.objects.get(incident=incident, ticket=lead, kind="feedback")
    assert feedback.due_at.astimezone(SH) == at(2026, 11, 24, 18, 0) and feedback.explicit


def test_claim_meets_the_claim_deadline_and_starts_the_report_clock(org, walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.state == "met" and claim.met_at.astimezone(SH) == at(2026, 11, 23, 10, 30)
    assert not claim.steps.filter(state="pending").exists()
    # 002 第八条: 5 working days after the claim → Mon 11-30, end of working hours.
    assert due(Deadline.objects.filter(incident=incident), "report", lead) == at(2026, 11, 30, 17, 30)


def test_report_clock_runs_across_national_day_and_the_make_up_saturday(org, walk):
    incident, lead, _ = walk(at(2025, 10, 2, 10, 0))  # dispatched on a holiday
    with time_machine.travel(at(2025, 10, 2, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    # Oct 1–8 off; Thu 9, Fri 10, Sat 11 (调休, worked), Mon 13, Tue 14.
    assert due(Deadline.objects.filter(incident=incident), "report", lead) == at(2025, 10, 14, 17, 30)


def test_historical_issue_gets_fifteen_working_days(org, walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0), historical=True)
    with time_machine.travel(at(2026, 11, 23, 11, 0), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    assert due(Deadline.objects.filter(incident=incident), "report", lead) == at(2026, 12, 14, 17, 30)


def test_report_meets_deadlines_and_starts_the_reply_clock(org, walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(at(2026, 11, 27, 16, 0), tick=False):  # Friday afternoon
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="核实调查报告")
    deadlines = Deadline.objects.filter(incident=incident)
    assert deadlines.get(kind="report").state == "met"
    assert deadlines.get(kind="feedback", ticket=lead).state == "breached"  # 3 days ran out on Thursday
    assert deadlines.get(kind="feedback", ticket=lead).met_at is not None
    # 002 第九条: reply within 3 working days of the report → Wed 12-02 17:30.
    assert due(deadlines, "reply") == at(2026, 12, 2, 17, 30)
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):
        # docs/rules.md §9.27: the unit cannot publish on its own; its draft is published when its leader approves it.
        with pytest.raises(NotPermitted):
            services.publish_reply(org.edu_liaison, incident, kind="result", channel="政民互动平台", content="经核实……")
        draft = services.draft_reply(org.edu_liaison, lead, kind="result", channel="政民互动平台", content="经核实……")
        assert deadlines.get(kind="reply").state == "pending"
        services.approve_reply(org.edu_leader, draft)
    assert deadlines.get(kind="reply").state == "met"


def test_extension_within_three_working_days_moves_the_deadline_and_keeps_the_original(org, walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    report = Deadline.objects.get(ticket=lead, kind="report")
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False):
        request = monitoring_services.request_extension(
            org.edu_liaison, lead, requested_due_at=at(2026, 12, 4, 17, 30), reason="涉及多部门，需补充调查"
        )
        with pytest.raises(DomainError) as excinfo:  # only the office decides
            monitoring_services.approve_extension(org.edu_liaison, request)
        assert excinfo.value.status_code == 403
        new = monitoring_services.approve_extension(org.duty, request, note="同意")
    report.refresh_from_db()
    assert report.state == "extended"
    assert new.due_at.astimezone(SH) == at(2026, 12, 4, 17, 30)
    assert new.original_due_at == report.due_at and new.replaces == report
    assert not report.steps.filter(state="pending").exists()
    assert new.steps.filter(step="breach", fire_at=new.due_at).exists()
    assert ExtensionRequest.objects.get().state == "approved"
    assert AuditEvent.objects.filter(ticket=lead, action__in=["extension_requested", "extension_approved"]).count() == 2


def test_extension_after_the_filing_window_is_refused(org, walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(at(2026, 11, 27, 9, 0), tick=False):  # window closed Thu 11-26 17:30
        with pytest.raises(DomainError) as excinfo:
            monitoring_services.request_extension(
                org.edu_liaison, lead, requested_due_at=at(2026, 12, 4, 17, 30), reason="来不及"
            )
    assert "3 个工作日" in excinfo.value.message and excinfo.value.status_code == 400
    assert not ExtensionRequest.objects.exists()


def test_regrade_recomputes_grade_dependent_deadlines(org, walk):
    incident, lead, _ = walk(at(2026, 11, 23, 10, 0), grade="IV")
    with time_machine.travel(at(2026, 11, 23, 10, 20), tick=False):
        services.grade_incident(org.duty, incident, grade="I", reason="央媒关注，升级")
    deadlines = Deadline.objects.filter(incident=incident)
    assert due(deadlines, "claim", lead) == at(2026, 11, 23, 11, 0)  # 1 h from the original dispatch
    assert deadlines.filter(kind="claim", ticket=lead, state="cancelled").count() == 1
    assert AuditEvent.objects.filter(incident=incident, action="deadline_recomputed").exists()


def test_reopen_and_redispatch_computes_fresh_deadlines(org, walk):
    incident, lead, assist = walk(at(2026, 11, 23, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 11, 0), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
        services.claim_ticket(org.health_liaison, assist)
        services.submit_feedback(org.health_liaison, assist, kind=Feedback.Kind.FEEDBACK, content="反馈")
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="报告")
        services.close_incident(org.duty, incident, opinion="销号")
    assert not Deadline.objects.filter(incident=incident, state="pending").exists()
    with time_machine.travel(at(2026, 12, 7, 9, 0), tick=False):  # Monday, two weeks later
        services.reopen_incident(org.duty, incident, reason="舆情反复")
        services.grade_incident(org.duty, incident, grade="III", reason="反复，升级为较大")
        (new_lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    deadlines = Deadline.objects.filter(incident=incident, ticket=new_lead)
    assert due(deadlines, "claim") == at(2026, 12, 7, 11, 0)
    assert due(deadlines, "feedback") == at(2026, 12, 10, 9, 0)


def test_admin_policy_change_applies_to_new_dispatches_only(org, walk):
    first, lead1, _ = walk(at(2026, 11, 23, 10, 0))
    DeadlinePolicy.objects.filter(name="认领时限（默认）").update(duration="4wh")
    second, lead2, _ = walk(at(2026, 11, 23, 16, 0))
    assert due(Deadline.objects.all(), "claim", lead1) == at(2026, 11, 23, 12, 0)  # frozen at creation
    # 4 working hours from Mon 16:00: 1.5 h today, 2.5 h from Tue 08:30 → 11:00.
    assert due(Deadline.objects.all(), "claim", lead2) == at(2026, 11, 24, 11, 0)


def test_unconfirmed_holiday_year_flags_the_deadline(org, walk):
    incident, lead, _ = walk(at(2027, 3, 1, 10, 0))
    with time_machine.travel(at(2027, 3, 1, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    report = Deadline.objects.get(ticket=lead, kind="report")
    assert report.calendar_confirmed is False
    assert report.due_at.astimezone(SH) == at(2027, 3, 8, 17, 30)  # weekends only
