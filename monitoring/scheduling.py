"""Workflow events the deadline engine reacts to. Called by incidents.services inside their transaction."""


def on_tickets_dispatched(incident, tickets, *, actor=None, ip=None):
    pass


def on_ticket_claimed(ticket, *, actor=None, ip=None):
    pass


def on_feedback_submitted(ticket, feedback, *, actor=None, ip=None):
    pass


def on_ticket_ended(ticket):
    pass


def on_tickets_ended(incident):
    pass


def on_incident_regraded(incident, *, actor=None, ip=None):
    pass
