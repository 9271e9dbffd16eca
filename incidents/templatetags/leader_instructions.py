"""The 领导批示 box of the incident page (templates/incidents/_instructions.html): the 批示 this reader sees, each
with its 落实时限 countdown or its 落实情况, and which of the two actions (下达批示, 报告落实情况) the reader may take.
A tag, so the page's view needs to pass nothing: the partial is included where the page wants it."""

from typing import Any

from django import template
from django.utils import timezone

from deadlines.policy_text import duration_words
from deadlines.scheduling import leader_instruction_policy
from deadlines.selectors import with_countdowns
from incidents.models import Incident
from incidents.selectors import visible_leader_instructions
from incidents.services.instructions import may_give_instruction, may_report_progress

register = template.Library()


@register.simple_tag(takes_context=True)
def instruction_box(context: template.Context, incident: Incident) -> dict[str, Any]:
    user = context["request"].user
    items = list(
        visible_leader_instructions(user)
        .filter(incident=incident)
        .select_related("given_by", "progress_by", "deadline")
        .order_by("given_at", "id")
    )
    open_deadlines = [i.deadline for i in items if i.is_open]
    if open_deadlines:
        with_countdowns(open_deadlines, timezone.now())
    may_give = may_give_instruction(user, incident)
    policy = leader_instruction_policy(incident) if may_give else None
    return {
        "items": items,
        "may_give": may_give,
        "may_report": bool(open_deadlines) and may_report_progress(user, incident),
        "default_limit": duration_words(policy.duration) if policy else "",
        "default_source": policy.source if policy else "",
    }
