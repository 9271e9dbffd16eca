"""The small report boxes on the incident and ticket pages (one include each, so those pages stay
the incidents app's)."""

from django import template

from org.access import access_for
from reporting import selectors
from reporting.special import SPECIAL_GRADES

register = template.Library()


@register.inclusion_tag("reporting/_ticket_reports.html", takes_context=True)
def ticket_reports(context, ticket):
    user = context["request"].user
    notices = list(selectors.supervision_notices(user, ticket))
    return {"ticket": ticket, "notices": notices, "can_create": access_for(user).is_office and ticket.is_open}


@register.inclusion_tag("reporting/_incident_reports.html", takes_context=True)
def incident_reports(context, incident):
    user = context["request"].user
    return {
        "incident": incident,
        "reports": list(selectors.special_reports(user, incident)),
        "can_create": access_for(user).is_office and incident.grade in SPECIAL_GRADES,
        "csrf_token": context.get("csrf_token"),
    }
