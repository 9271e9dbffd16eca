from django import template

from core.audit import action_label
from core.audit import change_summary as audit_change_summary

register = template.Library()


@register.filter
def audit_label(event):
    return action_label(event)


@register.filter
def change_summary(event):
    """Before → after in words: one definition, in core.audit (labels registered by incidents/apps.py)."""
    return audit_change_summary(event)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
