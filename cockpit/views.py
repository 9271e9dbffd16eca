"""The leader's cockpit (领导驾驶舱) and sign-off queue (待审签). Every number links to the list behind it."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cockpit import aggregates, selectors
from cockpit.models import CockpitFigures
from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip, int_param
from incidents import services
from incidents.bounded import Bounded, bounded_counts
from incidents.forms import ReplyDecisionForm, SignoffForm
from incidents.selectors import AWAITING_GRADING, awaiting_grading, visible_incidents, visible_leader_instructions
from incidents.workflow import INCIDENT_OPEN_STATES, IncidentStatus
from org.access import access_for, role_required
from reporting.assessment import quarter_of

RANKING_PER_PAGE = 20


def _live_counts(user):
    """The figures the desk also shows, or that change with every action (待研判, 待审签, 在办 by status, Ⅰ/Ⅱ without
    a response, open 批示): live, through the same selectors as the desk, each bounded (incidents.bounded), in one
    statement whatever the number of open items. A reader who sees only some units (a unit leader, never at the
    desk) gets 在办 by status and 待研判 exact from one grouped pass over the items they see: a bounded count that finds
    few of them reads on to the end, once per status (issue 16: 7 such passes at 1M)."""
    querysets = {
        "to_sign": selectors.signoff_queue(user),
        "drafts_to_approve": selectors.reply_draft_queue(user),
        "major": selectors.major_without_response_qs(user),
        "instructions": visible_leader_instructions(user).open(),
    }
    if access_for(user).sees_everything:
        open_items = visible_incidents(user).open()
        querysets |= {f"status_{s}": open_items.filter(status=s) for s in INCIDENT_OPEN_STATES}
        querysets["awaiting_grading"] = awaiting_grading(user)
        return bounded_counts(querysets)
    by_status = dict(visible_incidents(user).open().values_list("status").annotate(n=Count("pk")).order_by())
    counts = bounded_counts(querysets)
    counts |= {f"status_{s}": Bounded(by_status.get(s, 0)) for s in INCIDENT_OPEN_STATES}
    counts["awaiting_grading"] = Bounded(sum(by_status.get(s, 0) for s in AWAITING_GRADING))
    return counts


@login_required
@role_required(("is_leader", "is_office"), "仅领导和值班员可查看。")
def dashboard(request):
    access = access_for(request.user)
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    list_url = reverse("incident_list")
    counts = _live_counts(request.user)
    open_by_status = [
        {"label": IncidentStatus(s).label, "n": counts[f"status_{s}"], "url": f"{list_url}?status={s}"}
        for s in INCIDENT_OPEN_STATES
    ]
    unit_ids = None if access.sees_everything else access.visible_unit_ids
    ranking, ranking_at = aggregates.timeliness(now, unit_ids)
    ranking_page = Paginator(ranking, RANKING_PER_PAGE).get_page(request.GET.get("ranking"))
    new = selectors.new_by_grade(request.user, {"today": today, "week": week})
    (today_total, today_stats), (week_total, week_stats) = new["today"], new["week"]
    trend, trend_at = aggregates.trend(request.user, now)
    overdue, overdue_units, overdue_at = aggregates.overdue(now, None if access.sees_everything else unit_ids)
    context = {
        "today_total": today_total,
        "today": today_stats,
        "week_total": week_total,
        "week": week_stats,
        "awaiting_grading": counts["awaiting_grading"],
        "awaiting_url": reverse("desk") + "?queue=grade" if access.is_office else f"{list_url}?status=reported",
        "to_sign": counts["to_sign"],
        "drafts_to_approve": counts["drafts_to_approve"],
        "to_sign_total": counts["to_sign"] + counts["drafts_to_approve"],
        "major_total": counts["major"],
        "major": selectors.major_without_response(request.user),
        "instructions_total": counts["instructions"],
        "instructions": selectors.open_instructions(request.user),
        "open_by_status": open_by_status,
        "overdue": overdue,
        "overdue_units": overdue_units,
        "overdue_at": overdue_at,
        "trend_at": trend_at,
        "ranking": ranking_page,
        "ranking_at": ranking_at,
        "trend": trend,
        "trend_rows": list(zip(trend["dates"], trend["counts"], strict=True)),
        "trend_total": sum(trend["counts"]),
        "trend_peak": max(zip(trend["counts"], trend["dates"], strict=True)),
        "ticket_list_url": reverse("ticket_list"),
        "assessment": aggregates.quarter_ranking(
            timezone.localdate(), unit_ids=None if access.sees_everything else access.leader_unit_ids
        ),
        "may_refresh": access.is_office,
    }
    return render(request, "cockpit/dashboard.html", context)


@login_required
@role_required("is_office", "仅值班员可更新驾驶舱统计。")
@require_POST
def refresh(request):
    """On demand: the maintained figures (考核, 办理时效, overdue per unit, the trend) computed now instead of at the next beat (cockpit.aggregates)."""
    now = timezone.now()
    aggregates.compute(CockpitFigures.Kind.ASSESSMENT, *quarter_of(timezone.localdate(now)), now)
    for kind, period in aggregates.DAILY.items():
        aggregates.compute(kind, *period(now), now)
    messages.success(request, f"统计数据已更新（截至 {timezone.localtime(now):%H:%M}）。")
    return redirect("dashboard")


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
