"""Reads. Every list or lookup a user can reach goes through these, so unit isolation is enforced once."""

from django.db.models import Exists, OuterRef, Prefetch, Q

from .access import access_for
from .models import AuditEvent, Feedback, Incident, Ticket


def visible_tickets(user):
    access = access_for(user)
    qs = Ticket.objects.all()
    if access.sees_everything:
        return qs
    return qs.filter(unit_id__in=access.visible_unit_ids)


def visible_incidents(user):
    access = access_for(user)
    qs = Incident.objects.all()
    if access.sees_everything:
        return qs
    unit_ids = access.visible_unit_ids
    if not unit_ids:
        return qs.none()
    has_ticket = Exists(Ticket.objects.filter(incident=OuterRef("pk"), unit_id__in=unit_ids))
    condition = Q(has_ticket)
    if access.leader_unit_ids:
        condition |= Q(subject_unit_id__in=access.leader_unit_ids)
    return qs.filter(condition)


def incident_list(user, *, status=None, grade=None, q=None):
    qs = visible_incidents(user).select_related("subject_unit")
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(grade=grade)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    return qs.order_by("-reported_at", "-id")


def ticket_list(user, *, status=None, unit_ids=None):
    qs = visible_tickets(user).select_related("incident", "unit", "claimed_by")
    if status:
        qs = qs.filter(status=status)
    if unit_ids:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs.order_by("-dispatched_at", "-id")


def incident_detail(user, pk):
    """The incident with the tickets, feedback and timeline this user may see; Incident.DoesNotExist otherwise."""
    incident = visible_incidents(user).select_related("subject_unit", "graded_by", "merged_into").get(pk=pk)
    tickets = (
        visible_tickets(user)
        .filter(incident=incident)
        .select_related("unit", "claimed_by")
        .prefetch_related(
            Prefetch("feedback", queryset=Feedback.objects.select_related("submitted_by").prefetch_related("attachments"))
        )
        .order_by("role", "id")
    )
    incident.visible_tickets = list(tickets)
    incident.timeline = list(timeline(user, incident))
    return incident


def timeline(user, incident):
    """Incident-level events plus the events of the tickets this user may see."""
    events = AuditEvent.objects.filter(incident=incident)
    access = access_for(user)
    if not access.sees_everything:
        visible_ids = visible_tickets(user).filter(incident=incident).values("pk")
        events = events.filter(Q(ticket__isnull=True) | Q(ticket_id__in=visible_ids))
    return events.order_by("at", "id")
