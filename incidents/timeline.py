"""The timeline of an incident or a ticket in words (issue 14): each audit event with the label of its own object
(an incident's 已转办, a ticket's 待认领), enums in Chinese and the rows it refers to by name, not by id: a unit by
its name, a person by name, a deadline by its kind and due time. One query per kind of row, whatever the length
of the timeline; a deadline is named only if the reader may see it (deadlines.selectors.visible_deadlines)."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from deadlines.selectors import visible_deadlines
from org.models import Unit


@dataclass(frozen=True)
class TimelineRow:
    event: AuditEvent
    label: str
    summary: str

    # What the template reads besides label and summary.
    @property
    def at(self):
        return self.event.at

    @property
    def actor_name(self):
        return self.event.actor_name

    @property
    def reason(self):
        return self.event.reason

    @property
    def ip(self):
        return self.event.ip


def _names(user: Any, refs: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    names: dict[tuple[str, int], str] = {}
    if refs.get("unit"):
        names |= {("unit", pk): name for pk, name in Unit.objects.filter(pk__in=refs["unit"]).values_list("pk", "name")}
    if refs.get("user"):
        for person in get_user_model().objects.filter(pk__in=refs["user"]):
            names["user", person.pk] = person.get_full_name() or person.get_username()
    if refs.get("deadline"):
        for d in visible_deadlines(user).filter(pk__in=refs["deadline"]):
            due = timezone.localtime(d.due_at).strftime("%Y-%m-%d %H:%M")
            names["deadline", d.pk] = f"{d.get_kind_display()}（{due} 到期）"
    return names


def timeline_rows(user: Any, events: list[AuditEvent]) -> list[TimelineRow]:
    """`events` (already limited to what `user` may see, incidents.selectors.timeline) as rows in words."""
    events = list(events)
    names = _names(user, audit.references(events))
    return [TimelineRow(e, audit.action_label(e), audit.change_summary(e, names)) for e in events]
