"""Escalation goes up the chain of whoever owns the deadline (issue 10 §2): the office's own deadlines (报告领导
here, unit None) to the office's leaders, walking up from the office unit; a unit's deadline to that unit's
leaders, never the other way round (004 一(五): the owner's principal leader is first responsible)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.models import Deadline
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import TicketRole
from notifications.models import Notification
from org.models import Role

from .factories import person

SH = ZoneInfo("Asia/Shanghai")
GRADED = datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday


def escalated_to(deadline):
    return set(
        Notification.objects.filter(step__deadline=deadline, step__step="escalate", channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def major_about_edu(org, make_incident):
    """A 重大 (II) incident about 教育局: 报告领导 is the office's, due in 1 h, escalated 1 h after."""
    with time_machine.travel(GRADED, tick=False):
        incident = make_incident(title="网传某校校车超载", grade="II", subject_unit=org.edu)
    return incident


def test_the_office_deadline_escalates_to_the_office_leaders_not_the_subject_units(org, major_about_edu):
    run_timed_checks(GRADED + timedelta(hours=3))
    deadline = Deadline.objects.get(incident=major_about_edu, kind="leader_report")
    assert deadline.unit is None and deadline.state == "breached"
    # 县委办 has no leader of its own; the county's leader above it is the office's leader.
    assert escalated_to(deadline) == {"leader", "duty"}
    assert not Notification.objects.filter(recipient=org.edu_leader, step__deadline=deadline).exists()


def test_an_office_with_its_own_leader_escalates_to_that_leader(org, major_about_edu):
    person("office_leader", org.office, Role.LEADER)
    run_timed_checks(GRADED + timedelta(hours=3))
    deadline = Deadline.objects.get(incident=major_about_edu, kind="leader_report")
    assert escalated_to(deadline) == {"office_leader", "duty"}


def test_a_units_deadline_escalates_to_that_units_leaders(org, major_about_edu):
    with time_machine.travel(GRADED, tick=False):
        lead, assist = services.dispatch_incident(
            org.duty, major_about_edu, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    run_timed_checks(GRADED + timedelta(hours=5))
    assert escalated_to(Deadline.objects.get(ticket=lead, kind="claim")) == {"edu_leader", "duty"}
    # 卫健委 has no leader of its own: the level above answers for it (the county's leader), not 教育局's.
    assert escalated_to(Deadline.objects.get(ticket=assist, kind="claim")) == {"leader", "duty"}
