"""知悉范围: who may read a confidential (敏感/限制知悉) incident, and what everyone else is shown instead.

The rule itself lives in selectors.visible_incidents (its reporter and the people granted `view_incident` on
it through django-guardian); this module answers "may this person open it?" for the notices and documents
that would otherwise carry its title to people who may not (GB/T 22239-2019 8.1.4.2 访问控制; docs/rules.md §8:
"no item content in SMS beyond a title and link", 000 四.3 泄密 → accountability)."""

from incidents.selectors import visible_incidents

# What an uncleared reader is shown in place of a confidential item, in a notice or a document (issue 11 §1).
SENSITIVE_ONE = "敏感舆情 1 条（详见系统）"
# The 密级 mark at the top of a document that carries a confidential item in full (its readers are cleared).
CLASSIFICATION = "内部 / 敏感"


def sensitive_items(n):
    """The line that stands for `n` confidential items in a document read by people not cleared for them."""
    return f"敏感舆情 {n} 条（详见系统）"


def cleared_user_ids(users, incident):
    """The ids of those among `users` who may open `incident`: everyone for an ordinary incident (the notices
    already go to the people whose unit it concerns); for a confidential one, those the visibility rule lets
    see it, one query each (a notice has a handful of recipients)."""
    users = list(users)
    if incident is None or not incident.is_confidential:
        return {u.pk for u in users}
    return {u.pk for u in users if visible_incidents(u).filter(pk=incident.pk).exists()}
