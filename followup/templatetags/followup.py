"""{% followup_section incident as fu %}: what the partials templates/incidents/_joint_review.html and _upward.html
show, for a page (the incident page) whose view does not provide it."""

from typing import Any

from django import template

from followup.views import section

register = template.Library()


@register.simple_tag(takes_context=True)
def followup_section(context: template.Context, incident: Any) -> dict[str, Any]:
    return section(context["request"], incident)
