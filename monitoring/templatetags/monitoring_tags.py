"""{% on_duty_panel %}: 值班 now, for the desk (templates/desk/desk.html includes it; incidents imports nothing of
monitoring, the template library is looked up by name)."""

from django import template

from monitoring import selectors
from org.access import access_for

register = template.Library()


@register.inclusion_tag("monitoring/_on_duty.html", takes_context=True)
def on_duty_panel(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"duty_now": selectors.duty_now(user) if user is not None else []}


@register.filter
def window_end(instant):
    """A slot's end as HH:MM, midnight written 24:00."""
    return selectors.clock(instant)


@register.filter
def can_patrol(user):
    """For the navigation: whether the user records patrols for a watching unit (the 巡查 link), answered by the
    membership statement made once per request (monitoring.apps.patrol_flag), not a statement per page."""
    return access_for(user).flags.get("can_patrol", False)
