"""The leader's cockpit (领导驾驶舱) and sign-off queue (待审签). Every number links to the list behind it."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip, int_param
from deadlines.selectors import overdue_by_unit, timeliness_by_unit
from incidents import services
from incidents.forms import ReplyDecisionForm, SignoffForm
from incidents.models import Approver, Feedback, Grade, GradeSetting, Ticket, TicketRole
from incidents.selectors import visible_incidents, visible_reply_drafts
from incidents.workflow import INCIDENT_OPEN_STATES, IncidentStatus
from org.access import access_for, role_required
from reporting.assessment import quarter_ranking


@login_required
@role_required(("is_leader", "is_office"), "仅领导和值班员可查看。")
def dashboard(request):
    access = access_for(request.user)
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    incidents = visible_incidents(request.user)
    list_url = reverse("incident_list")

    def by_grade(since):
        counts = dict(incidents.filter(reported_at__gte=since).values_list("grade").annotate(n=Count("pk")))
        counts["none"] = counts.pop("", 0)
        return [
            {"label": label, "n": counts.get(value, 0), "url": f"{list_url}?grade={value}&since={since:%Y-%m-%d}"}
            for value, label in [*Grade.choices, ("none", "待研判")]
        ]

    open_counts = dict(incidents.open().values_list("status").annotate(n=Count("pk")))
    open_by_status = [
        {"label": IncidentStatus(s).label, "n": open_counts.get(s, 0), "url": f"{list_url}?status={s}"}
        for s in INCIDENT_OPEN_STATES
    ]
    unit_ids = None if access.is_office else access.visible_unit_ids
    ranking = timeliness_by_unit(today - timedelta(days=30), now + timedelta(days=1), unit_ids)
    trend_rows = dict(
        incidents.filter(reported_at__gte=today - timedelta(days=29))
        .annotate(day=TruncDate("reported_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    days = [(today - timedelta(days=29 - i)).date() for i in range(30)]
    trend = {"days": [d.strftime("%m-%d") for d in days], "counts": [trend_rows.get(d, 0) for d in days]}
    context = {
        "today": by_grade(today),
        "week": by_grade(week),
        "open_by_status": open_by_status,
        "overdue": overdue_by_unit(request.user),
        "ranking": ranking,
        "trend": trend,
        "ticket_list_url": reverse("ticket_list"),
        "assessment": quarter_ranking(
            timezone.localdate(), unit_ids=None if access.sees_everything else access.leader_unit_ids
        ),
    }
    return render(request, "cockpit/dashboard.html", context)


def _close_approvers():
    """{grade: who closes it} for every grade (services.signoff._close_approver's rule, in one query)."""
    configured = dict(GradeSetting.objects.values_list("grade", "close_approver"))
    default = {Grade.I: Approver.COUNTY, Grade.II: Approver.COUNTY}
    return {g: configured.get(g) or default.get(g, Approver.OFFICE) for g in Grade.values}


def _signoff_queue(user):
    """Close-outs this user may sign (services.close_incident's rule, 000 四.3): the office those of its grades,
    a leader those of the leaders' grades whose lead unit they oversee, a county-level leader those of the county's
    grades. The close-outs this user sent back with a 批示 come first, marked (`mine`): they asked for the rework."""
    access = access_for(user)
    grades = {}
    for grade, approver in _close_approvers().items():
        grades.setdefault(approver, []).append(grade)
    may = Q(pk__in=[])
    if access.is_office:
        may |= Q(grade__in=grades.get(Approver.OFFICE, []))
    if access.leader_unit_ids:
        lead = Ticket.objects.filter(incident=OuterRef("pk"), role=TicketRole.LEAD, unit_id__in=access.leader_unit_ids)
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


def _attach_reports(incidents):
    """The report each close-out asks to approve: the lead unit's latest 核实调查报告, in one query."""
    latest = {}
    reports = (
        Feedback.objects.filter(
            kind=Feedback.Kind.REPORT, ticket__role=TicketRole.LEAD, ticket__incident__in=[i.pk for i in incidents]
        )
        .select_related("submitted_by", "ticket__unit")
        .order_by("submitted_at", "id")
    )
    for report in reports:
        latest[report.ticket.incident_id] = report
    for incident in incidents:
        incident.report = latest.get(incident.pk)


def _reply_draft_queue(user):
    """Pending reply drafts this user may approve (services.approve_reply's rule): a leader those of the
    units they oversee at the grades a leader approves; the office and county leaders those of the office's grades;
    county leaders those of the grades reserved for the county."""
    access = access_for(user)
    grades = {}
    for grade, approver in services.reply_approvers().items():
        grades.setdefault(approver, []).append(grade)
    may = Q(pk__in=[])
    if access.leader_unit_ids:
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


def _decide_reply_draft(request):
    draft = get_object_or_404(_reply_draft_queue(request.user), pk=int_param(request.POST.get("draft")))
    form = ReplyDecisionForm(request.POST, prefix=f"r{draft.pk}")
    if form.is_valid():
        data, ip = form.cleaned_data, client_ip(request)
        try:
            if data["decision"] == "approve":
                services.approve_reply(request.user, draft, note=data["instruction"], ip=ip)
                messages.success(request, f"已审定并发布回应：{draft.incident.title}")
            else:
                services.send_back_reply(
                    request.user, draft, instruction=data["instruction"], due_at=data.get("due_at"), ip=ip
                )
                messages.success(request, f"已退回修改并下达批示：{draft.incident.title}")
            return None
        except DomainError as exc:
            add_domain_errors(form, exc, unmatched_to_form=False)
    return draft.pk, form


@login_required
@role_required(("is_leader", "is_office"), "仅领导和值班员可查看。")
def signoff(request):
    forms, draft_forms = {}, {}
    if request.method == "POST" and "draft" in request.POST:
        failed = _decide_reply_draft(request)
        if failed is None:
            return redirect("signoff")
        draft_forms = dict([failed])
    elif request.method == "POST":
        incident = get_object_or_404(_signoff_queue(request.user), pk=int_param(request.POST.get("incident")))
        form = SignoffForm(request.POST, prefix=f"s{incident.pk}")
        if form.is_valid():
            data, ip = form.cleaned_data, client_ip(request)
            try:
                if data["decision"] == "approve":
                    services.close_incident(request.user, incident, opinion=data["instruction"], ip=ip)
                    messages.success(request, f"已审核销号：{incident.title}")
                else:
                    services.send_back_incident(
                        request.user, incident, reason=data["instruction"], due_at=data.get("due_at"), ip=ip
                    )
                    messages.success(request, f"已退回重办并下达批示：{incident.title}")
                return redirect("signoff")
            except DomainError as exc:
                form.add_error(None, exc.message)
        forms = {incident.pk: form}
    queue = list(_signoff_queue(request.user)[:50])
    _attach_reports(queue)
    for incident in queue:
        incident.form = forms.get(incident.pk) or SignoffForm(prefix=f"s{incident.pk}")
    drafts = list(_reply_draft_queue(request.user)[:50])
    for draft in drafts:
        draft.form = draft_forms.get(draft.pk) or ReplyDecisionForm(prefix=f"r{draft.pk}")
    status = 400 if draft_forms else 200  # a close-out form with errors keeps its earlier 200
    return render(request, "cockpit/signoff.html", {"queue": queue, "drafts": drafts}, status=status)
