from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.audit import action_label
from deadlines.models import DeadlineKind
from incidents.models import Feedback, Grade, TicketRole
from incidents.workflow import IncidentStatus, TicketStatus

register = template.Library()


@register.filter
def audit_label(event):
    return action_label(event)


FIELD_LABELS = {
    "status": "状态",
    "grade": "等级",
    "unit": "单位",
    "role": "承办类型",
    "due_at": "时限",
    "units": "转办单位",
    "kind": "类型",
    "merged_into": "合并至",
    "assignee": "指定认领人",
    "breached_at": "逾期时间",
    "to": "延至",
    "from": "原时限",
    "original_due_at": "原定时限",
    "channel": "方式",
    "reported_to": "报告对象",
    "by_unit": "单位",
    "deadline": "时限",
    "title": "标题",
    "username": "用户名",
    "user": "被授权人",
    "is_historical": "历史遗留问题",
    "promised_at": "承诺落实时间",
}
VALUE_LABELS = {
    "status": {**dict(IncidentStatus.choices), **dict(TicketStatus.choices)},
    "grade": dict(Grade.choices),
    "role": dict(TicketRole.choices),
    "kind": {**dict(DeadlineKind.choices), **dict(Feedback.Kind.choices)},
    "is_historical": {True: "是", False: "否"},
}


def _show(key, value):
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        parsed = parse_datetime(value)
        if parsed is not None:
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
    return VALUE_LABELS.get(key, {}).get(value, value)


@register.filter
def change_summary(event):
    """Before → after in words, for the fields a person cares about."""
    parts = []
    for key, new in (event.after or {}).items():
        if key not in FIELD_LABELS:
            continue
        old = (event.before or {}).get(key)
        label = FIELD_LABELS[key]
        if key in (event.before or {}) and old != new:
            parts.append(f"{label}：{_show(key, old)} → {_show(key, new)}")
        elif key not in (event.before or {}):
            parts.append(f"{label}：{_show(key, new)}")
    return "；".join(parts)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
