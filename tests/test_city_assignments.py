"""市级交办 (issue 17): an item the city hands down is received with the city's number and its own time limit
(000 三; 004 二(三)3). The limit governs the dispatch (an explicit limit, 000 三.2) and the report back to the city
is a deadline of its own (市级交办反馈时限), reminded, breached and escalated by the sweep exactly once, caught up
after a pause, and met by recording the report-back."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines import tasks
from deadlines.models import Deadline, DeadlineKind
from followup import services
from followup.models import CityAssignment, UpperBody
from notifications.models import Notification

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
CITY_DUE = MONDAY + timedelta(days=3)  # Thursday 09:00


REMIND, BREACH, ESCALATE = "【到期提醒】市级交办反馈时限", "【督办】市级交办反馈时限", "【逾期升级】市级交办反馈时限"


def told(prefix):
    return sorted(
        Notification.objects.filter(title__startswith=prefix, channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def assigned(org, make_incident):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="III")
        assignment = services.receive_city_assignment(
            org.duty,
            incident,
            body=UpperBody.objects.get(name="市委网信办"),
            reference="市网信交〔2026〕18号",
            received_at=MONDAY - timedelta(minutes=30),
            city_due_at=CITY_DUE,
        )
    return assignment


def test_received_with_its_own_deadline_audited(org, assigned):
    """000 三, 004 二(三)3: the city's number, time received and limit are recorded; the report back falls due at
    the city's limit, owned by the office; the receipt is audited."""
    deadline = assigned.deadline
    assert deadline.kind == DeadlineKind.CITY_ASSIGNMENT and deadline.due_at == CITY_DUE
    assert deadline.explicit and deadline.unit is None
    assert {s.step for s in deadline.steps.all()} == {"reminder:1d", "reminder:2h", "breach", "escalate"}
    event = AuditEvent.objects.get(action="city_assignment_received")
    assert event.after["reference"] == "市网信交〔2026〕18号"


def test_the_city_limit_governs_the_dispatch(org, assigned):
    """000 三.2: the city's time limit is the explicit limit of every ticket of the dispatch."""
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        lead, assist = services.dispatch_city_assignment(
            org.duty, assigned.incident, lead=org.edu, assists=[org.health]
        )
    assert lead.due_at == CITY_DUE and assist.due_at == CITY_DUE
    feedback = Deadline.objects.get(ticket=lead, kind=DeadlineKind.FEEDBACK)
    assert feedback.explicit and feedback.due_at == CITY_DUE
    assert "市网信交〔2026〕18号" in lead.instructions


def test_sweep_reminds_breaches_escalates_exactly_once_with_catch_up(org, assigned):
    """000 三 (on time to the city): the beat task reminds a day and two hours before, breaches at the limit and
    escalates a day later, each exactly once; a sweep after a pause fires every missed step in one run."""
    with time_machine.travel(CITY_DUE - timedelta(days=1), tick=False):
        tasks.run_timed_checks()
        tasks.run_timed_checks()
    assert told(REMIND) == ["duty"]
    with time_machine.travel(CITY_DUE - timedelta(hours=2), tick=False):
        tasks.run_timed_checks()
        tasks.run_timed_checks()
    assert told(REMIND) == ["duty", "duty"]  # the 1d and the 2h reminder, each once
    # The worker was down from then until a day after the limit: one run catches up the breach and the escalation.
    with time_machine.travel(CITY_DUE + timedelta(days=1, minutes=5), tick=False):
        tasks.run_timed_checks()
        tasks.run_timed_checks()
    assigned.deadline.refresh_from_db()
    assert assigned.deadline.state == Deadline.State.BREACHED
    assert told(REMIND) == ["duty", "duty"]
    assert told(BREACH) == ["duty"]
    # The office's own limit escalates to the office's leaders (here the county's), with the duty officers.
    assert told(ESCALATE) == ["duty", "leader"]


def test_report_back_meets_the_deadline(org, assigned):
    """000 三: the report back to the city, recorded before the limit, meets the deadline; nothing more fires."""
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        services.report_back_to_city(
            org.duty, assigned.incident, content="已核实并处置，详见报告。", reported_at=MONDAY + timedelta(days=1)
        )
    assigned.deadline.refresh_from_db()
    assert assigned.deadline.state == Deadline.State.MET
    with time_machine.travel(CITY_DUE + timedelta(days=2), tick=False):
        tasks.run_timed_checks()
    assert told(BREACH) == [] and told(ESCALATE) == []
    assert AuditEvent.objects.get(action="city_assignment_reported").after["on_time"] is True
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False), pytest.raises(IllegalTransition):
        services.report_back_to_city(org.duty, assigned.incident, content="再报", reported_at=MONDAY)


def test_invalid_receipt_changes_nothing(org, make_incident):
    """000 三: the number, the upper body and a future limit are required; errors in Chinese, nothing recorded."""
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="III")
        with pytest.raises(InvalidInput) as err:
            services.receive_city_assignment(
                org.duty, incident, body=None, reference=" ", received_at=MONDAY, city_due_at=MONDAY - timedelta(1)
            )
    assert set(err.value.field_errors) == {"body", "reference", "city_due_at"}
    assert err.value.field_errors["city_due_at"] == ["市级反馈时限必须晚于现在。"]
    assert not CityAssignment.objects.exists()
    assert not Deadline.objects.filter(kind=DeadlineKind.CITY_ASSIGNMENT).exists()


def test_only_the_office_receives_or_reports_back(org, assigned, make_incident):
    """000 三: the office receives what the city hands down and answers for it; a unit's liaison cannot."""
    with time_machine.travel(MONDAY, tick=False):
        other = make_incident(grade="III")
        with pytest.raises(NotPermitted):
            services.receive_city_assignment(
                org.leader, other, body=1, reference="x", received_at=MONDAY, city_due_at=CITY_DUE
            )
        with pytest.raises(NotPermitted):
            services.report_back_to_city(org.leader, assigned.incident, content="x", reported_at=MONDAY)
    assigned.refresh_from_db()
    assert assigned.reported_back_at is None
