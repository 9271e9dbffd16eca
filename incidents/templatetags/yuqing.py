from django import template

from incidents.audit import action_label

register = template.Library()


@register.filter
def audit_label(event):
    return action_label(event)


@register.filter
def change_summary(event):
    """Human-readable before → after for the timeline."""
    parts = []
    for key, new in (event.after or {}).items():
        old = (event.before or {}).get(key)
        if old is not None and old != new:
            parts.append(f"{key}: {old} → {new}")
        elif old is None:
            parts.append(f"{key}: {new}")
    return "；".join(parts)
