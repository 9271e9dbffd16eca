"""Deadline policies in words a non-technical admin reads: '认领后 5 个工作日' rather than 'claim, 5wd'."""

from deadlines.models import CaseType, StartEvent
from workcalendar.working_days import parse_duration

# How each duration unit reads after a number. 自然日, not 天: 天 alone is ambiguous (docs/rules.md §3.3).
UNIT_WORDS = {"m": "分钟", "h": "小时", "d": "个自然日", "wd": "个工作日", "wh": "个工作小时"}
UNIT_CHOICES = [
    ("m", "分钟"),
    ("h", "小时"),
    ("d", "个自然日（含周末和节假日）"),
    ("wd", "个工作日"),
    ("wh", "个工作小时"),
]
CHANNEL_CHOICES = [("inbox", "站内消息"), ("email", "电子邮件"), ("sms", "手机短信")]


def duration_words(spec):
    """'5wd' → '5 个工作日'; an unreadable value is shown as typed, so nothing is hidden."""
    try:
        amount, unit = parse_duration(spec)
    except ValueError:
        return spec or ""
    return f"{amount} {UNIT_WORDS[unit]}"


def limit_words(policy):
    return f"{StartEvent(policy.start_event).label}后 {duration_words(policy.duration)}"


def reminder_words(policy):
    leads = [duration_words(item.strip()) for item in policy.reminder_leads.split(",") if item.strip()]
    return f"到期前 {'、'.join(leads)} 各提醒一次" if leads else "不提醒"


def escalation_words(policy):
    if not policy.escalate_after:
        return "不升级"
    return f"逾期 {duration_words(policy.escalate_after)} 仍未办结，报告责任领导"


def channel_words(spec):
    labels = dict(CHANNEL_CHOICES)
    return "、".join(labels.get(c.strip(), c.strip()) for c in (spec or "").split(",") if c.strip()) or "—"


def applies_to_words(policy):
    grade = policy.get_grade_display() if policy.grade else "所有等级"
    case = CaseType(policy.case_type).label if policy.case_type else "所有事项"
    return f"{grade} · {case} · {policy.get_scope_display()}"
