"""The duty officer's triage desk (研判台): work queues with live countdowns, and the htmx helpers of
the intake and dispatch forms (grade suggestion, possible duplicates, deadline preview)."""

from datetime import timedelta
from difflib import SequenceMatcher

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.http import datetime_param
from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from deadlines.policy_text import duration_words
from deadlines.selectors import (
    attach_countdowns,
    open_deadlines_prefetch,
    preview_dispatch,
    visible_deadlines,
    with_countdowns,
)
from incidents.grading import suggest_grade
from incidents.models import Grade, TicketRole
from incidents.selectors import visible_incidents, visible_tickets
from incidents.workflow import INCIDENT, IncidentStatus
from org.access import role_required
from org.models import Unit

# Awaiting 研判: the states the grade transition starts from (reported, reopened).
TO_GRADE = sorted(INCIDENT.transitions["grade"].sources)
QUEUES = {
    "new": "新报送（24小时内）",
    "grade": "待研判",
    "claim": "待认领",
    "overdue": "已逾期",
    "extension": "延期待批",
}
SORTS = {
    "due": "到期时间",
    "-due": "到期时间（倒序）",
    "-reported": "报送时间（新→旧）",
    "reported": "报送时间（旧→新）",
}


@login_required
@role_required("is_office", "仅值班员可使用研判台。")
def desk(request):
    queue = request.GET.get("queue") if request.GET.get("queue") in QUEUES else "grade"
    by_due = queue in ("claim", "overdue", "extension")
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else ("due" if by_due else "-reported")
    grade = request.GET.get("grade") or ""
    now = timezone.now()
    # Every queue and count reads through the visibility selectors: a confidential incident (敏感) shows on the
    # desk only to the duty officers cleared for it (issue 11 §1), as on every other page.
    incidents, deadlines = visible_incidents(request.user), visible_deadlines(request.user).open()
    if queue in ("new", "grade"):
        qs = incidents.select_related("subject_unit").prefetch_related(open_deadlines_prefetch())
        if queue == "new":
            qs = qs.filter(reported_at__gte=now - timedelta(hours=24))
        else:
            qs = qs.filter(status__in=TO_GRADE)
        order = {"reported": ("reported_at", "id"), "-reported": ("-reported_at", "-id")}.get(
            sort, ("-reported_at", "-id")
        )
        rows_kind = "incidents"
    elif queue == "extension":
        qs = _pending_extensions(request.user).select_related(
            "ticket__incident", "ticket__unit", "deadline", "requested_by"
        )
        order = {"due": ("deadline__due_at", "id"), "-due": ("-deadline__due_at", "-id")}.get(
            sort, ("requested_at", "id")
        )
        rows_kind = "extensions"
    else:
        qs = deadlines.select_related("incident", "unit", "ticket")
        if queue == "claim":
            qs = qs.filter(kind=DeadlineKind.CLAIM, ticket__claimed_at__isnull=True)
        else:
            qs = qs.filter(state=Deadline.State.BREACHED)
        order = ("-due_at", "-id") if sort == "-due" else ("due_at", "id")
        rows_kind = "deadlines"
    if grade:
        field = {"incidents": "grade", "extensions": "ticket__incident__grade"}.get(rows_kind, "incident__grade")
        qs = qs.filter(**{field: grade})
    page = Paginator(qs.order_by(*order), 25).get_page(request.GET.get("page"))
    if rows_kind == "incidents":
        attach_countdowns(page.object_list, now=now)
    elif rows_kind == "deadlines":
        with_countdowns(page.object_list, now)
    counts = {
        "new": incidents.filter(reported_at__gte=now - timedelta(hours=24)).count(),
        "grade": incidents.filter(status__in=TO_GRADE).count(),
        "claim": deadlines.filter(kind=DeadlineKind.CLAIM, ticket__claimed_at__isnull=True).count(),
        "overdue": deadlines.filter(state=Deadline.State.BREACHED).count(),
        "extension": _pending_extensions(request.user).count(),
    }
    context = {
        "queue": queue,
        "queues": QUEUES,
        "counts": counts,
        "page": page,
        "rows_kind": rows_kind,
        "sorts": SORTS,
        "grades": Grade.choices,
        "filters": {"queue": queue, "sort": sort, "grade": grade},
    }
    return render(request, "desk/desk.html", context)


def _pending_extensions(user):
    """延期申请 awaiting the office's decision (002 第八条: 书面申请 to the office), on tickets the user may see."""
    return ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING, ticket__in=visible_tickets(user))


def _int(value):
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


@login_required
def suggest(request):
    """htmx: the grade the thresholds suggest for the metrics typed so far, with the rule behind it."""
    data = request.POST if request.method == "POST" else request.GET
    suggestion = suggest_grade(
        views=_int(data.get("views")),
        comments=_int(data.get("comments")),
        site_count=_int(data.get("site_count")),
        media_level=data.get("media_level") or "",
    )
    return render(request, "desk/_suggestion.html", {"suggestion": suggestion})


def possible_duplicates(user, *, title="", url="", days=7, limit=5):
    """Same URL, or a very similar title, among the incidents of the last days the user can see."""
    since = timezone.now() - timedelta(days=days)
    recent = visible_incidents(user).filter(reported_at__gte=since).exclude(status=IncidentStatus.MERGED)
    found = {}
    if url:
        for incident in recent.filter(links__url=url.strip()).distinct()[:limit]:
            found[incident.pk] = (incident, "同一链接")
    title = (title or "").strip()
    if len(title) >= 4:
        for incident in recent.only("pk", "title", "status", "reported_at").order_by("-reported_at")[:300]:
            if incident.pk in found:
                continue
            ratio = SequenceMatcher(None, title, incident.title).ratio()
            if ratio >= 0.6:
                found[incident.pk] = (incident, f"标题相似度 {ratio:.0%}")
    return list(found.values())[:limit]


@login_required
def duplicates(request):
    data = request.POST if request.method == "POST" else request.GET
    rows = possible_duplicates(request.user, title=data.get("title", ""), url=data.get("url", ""))
    return render(request, "desk/_duplicates.html", {"rows": rows})


@login_required
@role_required("is_office", "仅值班员可使用研判台。")
def dispatch_preview(request, pk):
    """htmx: the deadlines the chosen dispatch would create, before the officer confirms it."""
    incident = get_object_or_404(visible_incidents(request.user), pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    units = {u.pk: u for u in Unit.objects.filter(is_active=True)}
    assignments = []
    lead = units.get(_int(data.get("dispatch-lead")))
    if lead:
        assignments.append((lead, TicketRole.LEAD))
    for value in data.getlist("dispatch-assists"):
        unit = units.get(_int(value))
        if unit and unit != lead:
            assignments.append((unit, TicketRole.ASSIST))
    due_at = datetime_param(data.get("dispatch-due_at"))  # an impossible date previews no limit, not a 500
    if due_at is not None and timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    rows = preview_dispatch(incident, assignments, due_at=due_at) if incident.grade else []
    rows = [(*row[:5], _rule_words(row[5])) for row in rows]
    return render(request, "desk/_dispatch_preview.html", {"rows": rows, "incident": incident})


def _rule_words(rule):
    """'5wd' reads '5 个工作日' for the officer; text that is not a duration stays as it is."""
    prefix, _, spec = rule.rpartition(" ")
    words = duration_words(spec)
    return f"{prefix} {words}".strip() if words != spec else rule


def suggested_units(incident):
    """属地/属事: the subject unit leads; units whose keywords occur in the text assist."""
    text = f"{incident.title} {incident.summary} {incident.location}"
    lead = incident.subject_unit if incident.subject_unit and not incident.subject_unit.is_office else None
    assists = []
    for unit in Unit.objects.filter(is_active=True, is_office=False).exclude(jurisdiction_keywords=""):
        if unit != lead and any(k.strip() and k.strip() in text for k in unit.jurisdiction_keywords.split(",")):
            assists.append(unit)
    if lead is None and assists:
        lead = assists.pop(0)
    return lead, assists
