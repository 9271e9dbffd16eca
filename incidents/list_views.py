"""The list pages (舆情, 转办单) and the landing redirect: thin views over incidents.selectors."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from core.http import date_param, int_param
from deadlines.selectors import attach_countdowns, open_deadlines_prefetch
from incidents import selectors
from incidents.models import Grade
from incidents.workflow import IncidentStatus, TicketStatus
from org.access import access_for


@login_required
def home(request):
    """Each role lands on its workspace (issue 14): 值班员 → 研判台, 联络员 → 转办单, 领导 → 驾驶舱, 系统管理员 →
    时限规则, 安全/审计管理员 → the admin. A person with several roles lands on the most operational one, in that
    order: the duty officer's desk runs the county's clocks, a liaison's tickets run their unit's, a leader's
    cockpit is an overview. The leader lands on the cockpit, not on 待审签: its first card is the 待审签 count with
    its link, so one click either way, and the overview (今日新增, 待研判, Ⅰ/Ⅱ without a response, open 批示) is
    what a leader opens the system for; the count also keeps this view free of the sign-off rules, which live
    in the cockpit above this module. A `next` given at sign-in wins over all this (LoginView and the 动态口令
    step both follow it; this view runs only when there is none)."""
    access = access_for(request.user)
    if access.is_office:
        return redirect("desk")
    if access.is_liaison:
        return redirect("ticket_list")
    if access.is_leader:
        return redirect("dashboard")
    if access.is_admin:
        return redirect("settings_policies")
    if access.is_security_admin or access.is_auditor:
        return redirect("admin:index")  # their work (users and roles; the audit trail) is in the admin
    return render(request, "incidents/no_role.html")


def _page(request, qs, per_page=25):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


@login_required
def incident_list(request):
    status, grade, q = request.GET.get("status"), request.GET.get("grade"), request.GET.get("q", "").strip()
    since = date_param(request.GET.get("since"))
    qs = selectors.incident_list(request.user, status=status or None, grade=grade, q=q or None, since=since)
    context = {
        "page": _page(request, qs),
        "statuses": IncidentStatus.choices,
        "grades": Grade.choices,
        "filters": {"status": status or "", "grade": grade or "", "q": q, "since": since.isoformat() if since else ""},
    }
    return render(request, "incidents/incident_list.html", context)


@login_required
def ticket_list(request):
    status = request.GET.get("status") or None
    unit = request.GET.get("unit") or ""
    overdue = request.GET.get("overdue") == "1"
    unit_id = int_param(unit)
    qs = selectors.ticket_list(
        request.user, status=status, unit_ids=[unit_id] if unit_id else None, overdue=overdue
    ).prefetch_related(open_deadlines_prefetch())
    page = _page(request, qs)
    attach_countdowns(page.object_list)
    context = {
        "page": page,
        "statuses": TicketStatus.choices,
        "filters": {"status": status or "", "unit": unit, "overdue": "1" if overdue else ""},
    }
    return render(request, "incidents/ticket_list.html", context)
