"""舆情督报: a supervision notice ("专项督办通知", `004` 二(五)) ordering a unit to verify, solve and respond
on one ticket by a due time. Notices are counted per ticket (docs/rules.md §9.17: accountability follows
"多次催报、督办后仍未落实", so the count matters, not a flag)."""

from django.utils import timezone

from deadlines.models import Deadline
from deadlines.selectors import county_deadlines
from reporting import documents
from reporting.models import Report


def _when(instant):
    """A time in the text: the date without zero padding (2026年12月2日14:00), as the 成文日期 is written."""
    if not instant:
        return "—"
    local = timezone.localtime(instant)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def title_of(sequence, ticket):
    """The report's title in lists: its count for this ticket and the item it is about."""
    return f"舆情督报（第{sequence}次）：{ticket.incident.title}"[:200]


def compile_supervision_content(ticket, *, reason, due_at, sequence, numbers=None):
    incident = ticket.incident
    overdue = list(county_deadlines().open().filter(ticket=ticket, state=Deadline.State.BREACHED).order_by("due_at"))
    facts = (
        f"{_when(ticket.dispatched_at)}，办公室将「{incident.title}」（{incident.number}）转{ticket.unit.name}"
        f"{ticket.get_role_display()}，当前状态：{ticket.get_status_display()}。"
    )
    if overdue:
        facts += (
            "已逾期：" + "；".join(f"{d.get_kind_display()}（应于{_when(d.due_at)}前完成）" for d in overdue) + "。"
        )
    requirement = (
        f"请{ticket.unit.name}高度重视，于{_when(due_at)}前核实情况、解决问题并回应关切，"
        "并将办理情况通过平台反馈办公室。逾期未落实的，将按规定通报并追责。"
    )
    return {
        **documents.letterhead(Report.Kind.SUPERVISION, numbers or {}, main_recipient=ticket.unit.name),
        **documents.classification(incident),
        "title": f"舆情督报（第{sequence}次）",
        "main_recipient": ticket.unit.name,
        "sections": [
            documents.section("facts", "一、督办事项", facts),
            documents.section("reason", "二、督办原因", reason),
            documents.section("requirement", "三、办理要求", requirement),
        ],
        "figures": {
            "ticket": ticket.pk,
            "unit": ticket.unit.name,
            "sequence": sequence,
            "due_at": due_at.isoformat(),
            "overdue_deadlines": len(overdue),
        },
    }
