"""The leader's cockpit (领导驾驶舱) and sign-off queue (待审签). Every number links to the list behind it."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from cockpit import selectors
from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip, int_param
from deadlines.selectors import overdue_by_unit, timeliness_by_unit
from incidents import services
from incidents.forms import ReplyDecisionForm, SignoffForm
from incidents.selectors import visible_incidents
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
    list_url = reverse("incident_list")
    open_counts = dict(visible_incidents(request.user).open().values_list("status").annotate(n=Count("pk")))
    open_by_status = [
        {"label": IncidentStatus(s).label, "n": open_counts.get(s, 0), "url": f"{list_url}?status={s}"}
        for s in INCIDENT_OPEN_STATES
    ]
    unit_ids = None if access.is_office else access.visible_unit_ids
    ranking = timeliness_by_unit(today - timedelta(days=30), now + timedelta(days=1), unit_ids)
    new = selectors.new_by_grade(request.user, {"today": today, "week": week})
    (today_total, today_stats), (week_total, week_stats) = new["today"], new["week"]
    major_total, major = selectors.major_without_response(request.user)
    instructions_total, instructions = selectors.open_instructions(request.user)
    trend = selectors.trend(request.user, today)
    context = {
        "today_total": today_total,
        "today": today_stats,
        "week_total": week_total,
        "week": week_stats,
        "awaiting_grading": selectors.awaiting_grading_count(request.user),
        "awaiting_url": reverse("desk") + "?queue=grade" if access.is_office else f"{list_url}?status=reported",
        "to_sign": selectors.signoff_queue(request.user).count(),
        "drafts_to_approve": selectors.reply_draft_queue(request.user).count(),
        "major_total": major_total,
        "major": major,
        "instructions_total": instructions_total,
        "instructions": instructions,
        "open_by_status": open_by_status,
        "overdue": overdue_by_unit(request.user),
        "ranking": ranking,
        "trend": trend,
        "trend_rows": list(zip(trend["dates"], trend["counts"], strict=True)),
        "trend_total": sum(trend["counts"]),
        "trend_peak": max(zip(trend["counts"], trend["dates"], strict=True)),
        "ticket_list_url": reverse("ticket_list"),
        "assessment": quarter_ranking(
            timezone.localdate(), unit_ids=None if access.sees_everything else access.leader_unit_ids
        ),
    }
    return render(request, "cockpit/dashboard.html", context)


def _decide_reply_draft(request):
    draft = get_object_or_404(selectors.reply_draft_queue(request.user), pk=int_param(request.POST.get("draft")))
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
        incident = get_object_or_404(selectors.signoff_queue(request.user), pk=int_param(request.POST.get("incident")))
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
    queue = selectors.close_out_cards(request.user)
    for incident in queue:
        incident.form = forms.get(incident.pk) or SignoffForm(prefix=f"s{incident.pk}")
    drafts = selectors.reply_draft_cards(request.user)
    for draft in drafts:
        draft.form = draft_forms.get(draft.pk) or ReplyDecisionForm(prefix=f"r{draft.pk}")
    status = 400 if draft_forms else 200  # a close-out form with errors keeps its earlier 200
    return render(request, "cockpit/signoff.html", {"queue": queue, "drafts": drafts}, status=status)
