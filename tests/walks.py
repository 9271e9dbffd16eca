"""Bring an incident (and its lead ticket) into any workflow state through the real services."""

from incidents import services
from incidents.models import Feedback, TicketRole


def walk(org, make_incident, state):
    """Return (incident, lead_ticket or None) in the given incident state."""
    incident = make_incident()
    if state == "reported":
        return incident, None
    if state == "merged":
        target = make_incident(title="合并目标")
        services.merge_incident(org.duty, incident, into=target)
        return _fresh(incident), None
    services.grade_incident(org.duty, incident, grade="IV", reason="研判")
    if state == "graded":
        return _fresh(incident), None
    if state == "dismissed":
        services.dismiss_incident(org.duty, incident, reason="不实")
        return _fresh(incident), None
    lead, assist = services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    if state == "dispatched":
        return _fresh(incident), lead
    if state == "returned":
        services.return_ticket(org.edu_liaison, lead, reason="非本单位职责")
        return _fresh(incident), lead
    services.claim_ticket(org.edu_liaison, lead)
    if state == "in_progress":
        return _fresh(incident), lead
    services.claim_ticket(org.health_liaison, assist)
    services.submit_feedback(org.health_liaison, assist, kind=Feedback.Kind.FEEDBACK, content="协办反馈")
    services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="核实调查报告")
    if state == "under_review":
        return _fresh(incident), lead
    services.close_incident(org.duty, incident, opinion="同意销号")
    if state == "closed":
        return _fresh(incident), lead
    services.reopen_incident(org.duty, incident, reason="舆情反复")
    assert state == "reopened", state
    return _fresh(incident), lead


def walk_ticket(org, make_incident, state):
    """Return the lead ticket in the given ticket state."""
    incident_state = {
        "dispatched": "dispatched",
        "claimed": "in_progress",
        "returned": "returned",
        "closed": "closed",
        "in_progress": "in_progress",
        "feedback_submitted": "under_review",
        "cancelled": "dispatched",
    }[state]
    incident, lead = walk(org, make_incident, incident_state)
    if state == "in_progress":
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.PROGRESS, content="进展")
    if state == "cancelled":
        services.merge_incident(org.duty, incident, into=make_incident(title="合并目标"))
    lead.refresh_from_db()
    assert lead.status == state
    return lead


def _fresh(obj):
    obj.refresh_from_db()
    return obj
