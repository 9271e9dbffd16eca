"""The monitoring pages: the duty officer's patrol (two taps on a phone), patrol compliance, the roster. Thin: they
read through monitoring.selectors, write through monitoring.services, and show a DomainError on the form."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError, InvalidInput
from core.forms import add_domain_errors
from core.http import client_ip, int_param
from monitoring import selectors
from monitoring.forms import HandoverForm, PatrolForm, PeriodForm, RosterImportForm, SwapForm
from monitoring.models import DutyAssignment, Shift
from monitoring.services import patrols, roster, roster_import
from org.access import access_for, role_required


def _pick_unit(request, units):
    """The unit asked for, else the one the user is on duty for now, else the first."""
    wanted = int_param(request.POST.get("unit") or request.GET.get("unit"))
    by_id = {u.pk: u for u in units}
    if wanted in by_id:
        return by_id[wanted]
    on_duty = {a.shift.unit_id for a in selectors.on_duty() if a.user_id == request.user.pk}
    return next((u for u in units if u.pk in on_duty), units[0])


def _intake_link(record, sites):
    """报送舆情, prefilled from the patrol: where it was seen, when, and what the officer wrote."""
    params = {
        "platform": "、".join(s.name for s in sites)[:50],
        "first_seen_at": f"{timezone.localtime(record.patrolled_at):%Y-%m-%dT%H:%M}",
    }
    if record.findings:
        params["summary"] = record.findings
    if len(sites) == 1 and sites[0].url:
        params["url"] = sites[0].url
    return f"{reverse('incident_create')}?{urlencode(params)}"


@login_required
def patrol(request):
    units = selectors.patrol_units(request.user)
    if not units:
        raise PermissionDenied("您不在任何负责巡查的监测单位，无法登记巡查。")
    unit = _pick_unit(request, units)
    sites = selectors.sites_of(unit)
    form = PatrolForm(request.POST or None, sites=sites, initial={"sites": list(sites)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            found = request.POST.get("result") == "found"
            try:
                record = patrols.record_patrol(
                    request.user,
                    unit=unit,
                    sites=form.cleaned_data["sites"],
                    found=found,
                    findings=form.cleaned_data["findings"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                if found:
                    messages.success(request, "已登记巡查（发现舆情），请报送该舆情。")
                    return redirect(_intake_link(record, list(form.cleaned_data["sites"])))
                messages.success(request, f"已登记巡查：{unit.name} 未发现舆情。")
                return redirect(f"{reverse('monitoring:patrol')}?unit={unit.pk}")
        status = 400
    now = timezone.now()
    context = {
        "units": units,
        "unit": unit,
        "form": form,
        "slot": selectors.current_slot(unit, now),
        "now": now,
        "records": selectors.recent_records(request.user, unit, 5),
        "on_duty": selectors.people_on_duty(unit, now),
    }
    return render(request, "monitoring/patrol.html", context, status=status)


@role_required(("is_office", "is_leader"), "只有值班员和领导可以查看巡查情况。")
def compliance(request):
    form = PeriodForm({"start": request.GET.get("from", ""), "end": request.GET.get("to", "")})
    status, rows = 200, {"units": [], "people": []}
    if form.is_valid():
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(form.cleaned_data["start"], datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            form.cleaned_data["end"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        rows = selectors.compliance(request.user, start, end)
    else:
        status = 400
    return render(request, "monitoring/compliance.html", {"form": form, **rows}, status=status)


def _month(value):
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
def roster_page(request):
    units = list(selectors.visible_watching_units(request.user))
    if not units:
        raise PermissionDenied("您不在任何监测单位，无法查看值班表。")
    unit = _pick_unit(request, units)
    month = _month(request.POST.get("month") or request.GET.get("month"))
    access = access_for(request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    now = timezone.now()
    mine = selectors.my_shifts(request.user, now)
    shifts = list(selectors.roster(request.user, unit, month))
    upcoming = DutyAssignment.objects.none()
    if access.is_office or access.is_admin:
        upcoming = selectors.assignments_after(unit, now)
    forms = {
        "import": RosterImportForm(
            request.POST if action == "import" else None, request.FILES if action == "import" else None
        ),
        "handover": HandoverForm(request.POST if action == "handover" else None),
        "swap": SwapForm(request.POST if action == "swap" else None, assignments=upcoming),
    }
    if action in forms and forms[action].is_valid():
        form, data = forms[action], forms[action].cleaned_data
        try:
            if action == "import":
                shifts_made = roster_import.import_roster(
                    request.user, unit=unit, month=data["month"], data=data["file"].read(), ip=client_ip(request)
                )
                messages.success(request, f"已导入{unit.name}值班表 {len(shifts_made)} 个班次。")
                month = data["month"]
            elif action == "handover":
                shift = _handover_shift(mine, int_param(request.POST.get("shift")))
                roster.hand_over(request.user, shift, data["note"], ip=client_ip(request))
                messages.success(request, "已填写交接班记录。")
            else:
                roster.swap_shifts(
                    request.user, data["first"], data["second"], reason=data["reason"], ip=client_ip(request)
                )
                messages.success(request, "已换班，双方已收到通知。")
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return redirect(f"{reverse('monitoring:roster')}?unit={unit.pk}&month={month:%Y-%m}")
    status = 400 if action in forms and forms[action].errors else 200
    context = {
        "units": units,
        "unit": unit,
        "month": month,
        "shifts": shifts,
        "mine": [s for s in mine if s.starts_at <= now + datetime.timedelta(hours=12)],
        "forms": forms,
        "can_edit": access.is_office or access.is_admin,
    }
    return render(request, "monitoring/roster.html", context, status=status)


def _handover_shift(mine, shift_id) -> Shift:
    for shift in mine:
        if shift.pk == shift_id:
            return shift
    raise InvalidInput("请选择您本人的班次填写交接班。", {"shift": ["请选择您本人的班次填写交接班。"]})
