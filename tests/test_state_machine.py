"""Every state × action pair, through the services: allowed pairs succeed, all others are refused
with 409 and change nothing."""

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from incidents import services
from incidents.models import Feedback, TicketRole
from incidents.workflow import INCIDENT, TICKET, IncidentStatus, TicketStatus
from org.access import OFFICE

from .walks import walk, walk_ticket


def incident_call(org, make_incident, incident, action):
    has_open_lead = incident.tickets.filter(
        role="lead", status__in=("dispatched", "claimed", "in_progress", "feedback_submitted")
    ).exists()
    merge_target = make_incident(title="目标") if action == "merge" else None
    calls = {
        "grade": lambda: services.grade_incident(org.duty, incident, grade="III", reason="调整"),
        "dispatch": lambda: services.dispatch_incident(
            org.duty, incident, assignments=[(org.police, TicketRole.ASSIST if has_open_lead else TicketRole.LEAD)]
        ),
        "dismiss": lambda: services.dismiss_incident(org.duty, incident, reason="不实"),
        "merge": lambda: services.merge_incident(org.duty, incident, into=merge_target),
        "close": lambda: services.close_incident(org.duty, incident, opinion="同意"),
        "send_back": lambda: services.send_back_incident(org.duty, incident, reason="不到位"),
        "reopen": lambda: services.reopen_incident(org.duty, incident, reason="反复"),
    }
    return calls[action]


# User-facing incident actions and the machine transitions that may carry them out.
INCIDENT_ACTIONS = {
    "grade": ("grade", "regrade"),
    "dispatch": ("dispatch", "dispatch_more"),
    "dismiss": ("dismiss",),
    "merge": ("merge",),
    "close": ("close",),
    "send_back": ("send_back",),
    "reopen": ("reopen",),
}


def test_every_office_transition_is_covered_by_a_user_action():
    office_transitions = {t.action for t in INCIDENT.transitions.values() if OFFICE in t.actors}
    assert office_transitions == {a for names in INCIDENT_ACTIONS.values() for a in names}


@pytest.mark.parametrize("state", IncidentStatus.values)
@pytest.mark.parametrize("action", list(INCIDENT_ACTIONS))
def test_incident_state_action_table(org, make_incident, state, action):
    incident, _ = walk(org, make_incident, state)
    assert incident.status == state
    allowed = any(INCIDENT.allows(name, state) for name in INCIDENT_ACTIONS[action])
    call = incident_call(org, make_incident, incident, action)
    events_before = AuditEvent.objects.count()
    if allowed:
        call()
        incident.refresh_from_db()
        assert AuditEvent.objects.count() > events_before
    else:
        with pytest.raises(DomainError) as excinfo:
            call()
        assert excinfo.value.status_code == 409, excinfo.value.message
        assert "不能执行" in excinfo.value.message or "已由" in excinfo.value.message
        incident.refresh_from_db()
        assert incident.status == state
        assert AuditEvent.objects.count() == events_before


TICKET_ACTIONS = {
    "claim": lambda org, t: services.claim_ticket(org.edu_liaison, t),
    "assign": lambda org, t: services.assign_ticket(org.duty, t, assignee=org.edu_liaison2),
    "return": lambda org, t: services.return_ticket(org.edu_liaison, t, reason="非本单位"),
    "progress": lambda org, t: services.submit_feedback(
        org.edu_liaison, t, kind=Feedback.Kind.PROGRESS, content="进展"
    ),
    "submit_feedback": lambda org, t: services.submit_feedback(
        org.edu_liaison, t, kind=Feedback.Kind.REPORT, content="报告"
    ),
    "draft_reply": lambda org, t: services.draft_reply(
        org.edu_liaison, t, kind="initial", channel="政务微博", content="已关注，正在核实"
    ),
}


def test_every_user_ticket_transition_is_in_the_table():
    user_actions = {t.action for t in TICKET.transitions.values() if t.actors - {"system"}}
    assert user_actions == set(TICKET_ACTIONS)


@pytest.mark.parametrize("state", TicketStatus.values)
@pytest.mark.parametrize("action", list(TICKET_ACTIONS))
def test_ticket_state_action_table(org, make_incident, state, action):
    ticket = walk_ticket(org, make_incident, state)
    events_before = AuditEvent.objects.count()
    if TICKET.allows(action, state):
        TICKET_ACTIONS[action](org, ticket)
        assert AuditEvent.objects.count() > events_before
    else:
        with pytest.raises(DomainError) as excinfo:
            TICKET_ACTIONS[action](org, ticket)
        assert excinfo.value.status_code == 409, excinfo.value.message
        ticket.refresh_from_db()
        assert ticket.status == state
        assert AuditEvent.objects.count() == events_before
