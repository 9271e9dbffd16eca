"""The cockpit's reads: the sign-off queues (待审签) and the dashboard's figures, each through the visibility
selectors of incidents (unit isolation and 知悉范围 apply as everywhere)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from deadlines.scheduling import REPLY_KINDS
from deadlines.selectors import attach_countdowns, open_deadlines_prefetch, with_countdowns
from incidents import services
from incidents.models import (
    Approver,
    Feedback,
    Grade,
    GradeSetting,
    Incident,
    LeaderInstruction,
    Reply,
    ReplyDraft,
    Ticket,
    TicketRole,
)
from incidents.selectors import (
    AWAITING_GRADING,
    new_incidents,
    visible_incidents,
    visible_leader_instructions,
    visible_reply_drafts,
    visible_tickets,
)
from incidents.workflow import INCIDENT_OPEN_STATES, IncidentStatus, TicketStatus
from org.access import access_for

# The grades whose items the dashboard lists until a response is published (特别重大, 重大).
MAJOR_GRADES = (Grade.I, Grade.II)


def _close_approvers() -> dict[str, str]:
    """{grade: who closes it} for every grade (services.signoff._close_approver's rule, in one query)."""
    configured = dict(GradeSetting.objects.values_list("grade", "close_approver"))
    default: dict[str, str] = {Grade.I: Approver.COUNTY, Grade.II: Approver.COUNTY}
    return {g: configured.get(g) or default.get(g, Approver.OFFICE) for g in Grade.values}


def signoff_queue(user: User):
    """Close-outs this user may sign (services.close_incident's rule, 000 四.3): the office those of its grades,
    a leader those of the leaders' grades whose lead unit they oversee, a county-level leader those of the county's
    grades. The close-outs this user sent back with a 批示 come first, marked (`mine`): they asked for the rework."""
    access = access_for(user)
    grades: dict[str, list[str]] = {}
    for grade, approver in _close_approvers().items():
        grades.setdefault(approver, []).append(grade)
    may = Q(pk__in=[])
    if access.is_office:
        may |= Q(grade__in=grades.get(Approver.OFFICE, []))
    if access.leader_unit_ids:
        lead = Ticket.objects.filter(incident=OuterRef("pk"), role=TicketRole.LEAD)
        if not access.oversees_all:  # every unit: no list of a thousand unit ids in the statement (issue 16)
            lead = lead.filter(unit_id__in=access.leader_unit_ids)
        may |= Q(Exists(lead), grade__in=grades.get(Approver.LEADER, []))
    if access.oversees_all:
        may |= Q(grade__in=grades.get(Approver.COUNTY, []))
    mine = Case(When(sent_back_by_id=user.pk, then=Value(True)), default=Value(False), output_field=BooleanField())
    return (
        visible_incidents(user)
        .filter(may, status=IncidentStatus.UNDER_REVIEW)
        .select_related("subject_unit")
        .annotate(mine=mine)
        .order_by("-mine", "reported_at", "id")
    )


def reply_draft_queue(user: User):
    """Pending reply drafts this user may approve (services.approve_reply's rule): a leader those of the
    units they oversee at the grades a leader approves; the office and county leaders those of the office's grades;
    county leaders those of the grades reserved for the county."""
    access = access_for(user)
    grades: dict[str, list[str]] = {}
    for grade, approver in services.reply_approvers().items():
        grades.setdefault(approver, []).append(grade)
    may = Q(pk__in=[])
    if access.oversees_all:  # every unit, as above
        may |= Q(incident__grade__in=grades.get(Approver.LEADER, []))
    elif access.leader_unit_ids:
        may |= Q(ticket__unit_id__in=access.leader_unit_ids, incident__grade__in=grades.get(Approver.LEADER, []))
    if access.is_office or access.oversees_all:
        may |= Q(incident__grade__in=grades.get(Approver.OFFICE, []))
    if access.oversees_all:
        may |= Q(incident__grade__in=grades.get(Approver.COUNTY, []))
    return (
        visible_reply_drafts(user)
        .open()
        .filter(may, incident__status__in=INCIDENT_OPEN_STATES)
        .select_related("incident", "ticket__unit", "drafted_by")
        .order_by("drafted_at", "id")
    )


def close_out_cards(user: User, limit: int = 50) -> list[Incident]:
    """The close-outs with what they ask to approve: every unit's ticket this reader sees, lead unit first, each
    with its feedback (核实调查报告, 办理反馈, 书面说明 …) and the attachments by name. A fixed number of queries
    however many cards (prefetches, not a query per card); `incident.report` is the lead unit's latest report."""
    feedback = Feedback.objects.select_related("submitted_by").prefetch_related("attachments").order_by("submitted_at")
    tickets = (
        visible_tickets(user)
        .exclude(status__in=(TicketStatus.RETURNED, TicketStatus.CANCELLED))
        .select_related("unit")
        .prefetch_related(Prefetch("feedback", queryset=feedback, to_attr="feedback_list"))
        .order_by("role", "id")
    )
    queue = list(
        signoff_queue(user).prefetch_related(Prefetch("tickets", queryset=tickets, to_attr="card_tickets"))[:limit]
    )
    for incident in queue:
        reports = [
            f
            for t in incident.card_tickets  # type: ignore[attr-defined]  # the prefetch above
            if t.role == TicketRole.LEAD
            for f in t.feedback_list
            if f.kind == Feedback.Kind.REPORT
        ]
        incident.report = reports[-1] if reports else None  # type: ignore[attr-defined]  # for the card
    return queue


def reply_draft_cards(user: User, limit: int = 50) -> list[ReplyDraft]:
    return list(reply_draft_queue(user)[:limit])


@dataclass
class Stat:
    label: str
    n: int
    url: str


def new_by_grade(user: User, periods: dict[str, datetime]) -> dict[str, tuple[int, list[Stat]]]:
    """新增 since each period's start (merged duplicates left out), in disjoint buckets that add up to the total:
    each grade, 待研判 (the desk's definition, AWAITING_GRADING), 不予处置. One query for all the periods."""
    list_url = reverse("incident_list")
    awaiting, dismissed = Q(status__in=AWAITING_GRADING), Q(status=IncidentStatus.DISMISSED)
    buckets = {"awaiting": awaiting, "dismissed": dismissed} | {
        g: Q(grade=g) & ~awaiting & ~dismissed for g in Grade.values
    }
    aggregates = {}
    for name, since in periods.items():
        after = Q(reported_at__gte=since)
        aggregates[f"{name}_total"] = Count("pk", filter=after)
        aggregates |= {f"{name}_{key}": Count("pk", filter=after & q) for key, q in buckets.items()}
    counts = new_incidents(user, min(periods.values())).aggregate(**aggregates)
    result = {}
    for name, since in periods.items():
        day = f"{timezone.localtime(since):%Y-%m-%d}"
        stats = [
            Stat(label, counts[f"{name}_{value}"], f"{list_url}?grade={value}&since={day}")
            for value, label in Grade.choices
        ]
        stats.append(
            Stat("待研判", counts[f"{name}_awaiting"], f"{list_url}?status={IncidentStatus.REPORTED}&since={day}")
        )
        stats.append(
            Stat("不予处置", counts[f"{name}_dismissed"], f"{list_url}?status={IncidentStatus.DISMISSED}&since={day}")
        )
        result[name] = (counts[f"{name}_total"], stats)
    return result


def major_without_response_qs(user: User):
    """Open 特别重大/重大 items with no published response yet (issue 14)."""
    replied = Reply.objects.filter(incident=OuterRef("pk"))
    return visible_incidents(user).open().filter(grade__in=MAJOR_GRADES).filter(~Exists(replied))


def major_without_response(user: User, limit: int = 20) -> list[Incident]:
    """The oldest `limit` of major_without_response_qs, each with its open response deadline (首次回应/回应发布) and
    countdown when there is one. Their number is counted with the page's other bounded counts."""
    rows = list(
        major_without_response_qs(user)
        .select_related("subject_unit")
        .prefetch_related(open_deadlines_prefetch())
        .order_by("reported_at", "id")[:limit]
    )
    if rows:
        attach_countdowns(rows)
    for incident in rows:
        due = [d for d in incident.open_deadlines if d.kind in REPLY_KINDS and d.ticket_id is None]  # type: ignore[attr-defined]
        incident.response_deadline = due[0] if due else None  # type: ignore[attr-defined]  # for the list
    return rows


def trend(user: User, today: datetime, days: int = 30) -> dict[str, list]:
    """New items per day over the last `days` days (merged duplicates left out, as in 今日新增)."""
    start = today - timedelta(days=days - 1)
    per_day = dict(
        new_incidents(user, start).annotate(day=TruncDate("reported_at")).values_list("day").annotate(n=Count("pk"))
    )
    dates = [(start + timedelta(days=i)).date() for i in range(days)]
    return {
        "days": [d.strftime("%m-%d") for d in dates],
        "dates": [d.isoformat() for d in dates],
        "counts": [per_day.get(d, 0) for d in dates],
    }


def open_instructions(user: User, limit: int = 20) -> list[LeaderInstruction]:
    """领导批示 still waiting for their 落实情况, soonest due first, each deadline with its countdown (the first
    `limit`; their number is counted with the page's other bounded counts); the reader's own 批示 are marked (`mine`)."""
    rows = list(
        visible_leader_instructions(user)
        .open()
        .select_related("incident", "given_by", "deadline")
        .order_by("deadline__due_at", "id")[:limit]
    )
    if rows:
        with_countdowns([i.deadline for i in rows])
    for item in rows:
        item.mine = item.given_by_id == user.pk  # type: ignore[attr-defined]  # for the list
    return rows
