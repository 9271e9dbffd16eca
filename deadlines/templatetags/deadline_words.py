"""Durations in words on pages: '{{ d.rule.duration|duration_words }}' → '5 个工作日'."""

from django import template

from deadlines.policy_text import duration_words as _duration_words

register = template.Library()


@register.filter
def duration_words(spec):
    return _duration_words(spec)
