"""Admin pages for the deadline engine's settings: deadline policies and the working-day calendar.
Readable by a non-technical admin; every write goes through settings_services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.http import client_ip
from deadlines import policy_text
from deadlines.configuration import selectors as settings_selectors
from deadlines.configuration import services as settings_services
from deadlines.configuration.forms import CalendarDayForm, PolicyForm, WorkHoursForm
from deadlines.models import DeadlinePolicy
from org.access import role_required
from workcalendar.models import CalendarDay, WorkSettings


@login_required
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def policy_list(request):
    return render(request, "deadlines/settings/policy_list.html", {"groups": settings_selectors.policies_by_kind()})


@login_required
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def policy_edit(request, pk):
    policy = get_object_or_404(DeadlinePolicy, pk=pk)
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_for(policy))
    if request.method == "POST" and form.is_valid():
        try:
            settings_services.update_deadline_policy(request.user, policy, ip=client_ip(request), **form.changes())
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"已保存“{policy.name}”。新产生的时限按修改后的规则计算，已有时限不变。")
            return redirect(f"{reverse('settings_policies')}#policy-{policy.pk}")
    context = {
        "policy": policy,
        "form": form,
        "kind_label": policy.get_kind_display(),
        "current": policy_text.limit_words(policy),
    }
    return render(request, "deadlines/settings/policy_form.html", context, status=400 if form.errors else 200)


def _year_param(value, default):
    return int(value) if (value or "").isdigit() and 2000 <= int(value) <= 2100 else default


@login_required
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def calendar(request, day_form=None, hours_form=None):
    today = timezone.localdate()
    year = _year_param(request.GET.get("year") or request.POST.get("year"), settings_selectors.default_year(today))
    years = settings_selectors.calendar_years(today)
    selected = next((row for row in years if row.year == year), None)
    days = settings_selectors.days_of_year(year)
    context = {
        "year": year,
        "years": years,
        "selected": selected,
        "days": days,
        "arrangement": settings_selectors.arrangement_of_year(days),
        "recent_years": [row for row in years if row.year >= today.year - 2],
        "older_years": [row for row in years if row.year < today.year - 2],
        "day_form": day_form or CalendarDayForm(initial={"kind": CalendarDay.Kind.HOLIDAY}),
        "hours_form": hours_form or WorkHoursForm(initial=_hours(WorkSettings.current())),
    }
    return render(request, "deadlines/settings/calendar.html", context, status=400 if day_form or hours_form else 200)


def _hours(row):
    return {f: getattr(row, f) for f in ("morning_start", "morning_end", "afternoon_start", "afternoon_end")}


def _back_to(year):
    return redirect(f"{reverse('settings_calendar')}?year={year}")


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def calendar_confirm(request):
    year = _year_param(request.POST.get("year"), None)
    try:
        settings_services.confirm_calendar_year(request.user, year, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认 {year} 年节假日安排。")
    return _back_to(year or timezone.localdate().year)


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def calendar_sync(request):
    result = settings_services.sync_calendar_from_package(request.user, ip=client_ip(request))
    messages.success(
        request,
        f"已从 chinesecalendar 同步（覆盖 {result['covered']} 年）：新增 {result['days']} 个日期、{result['years']} 个年度；"
        "管理员已录入的内容未被覆盖。",
    )
    return _back_to(_year_param(request.POST.get("year"), timezone.localdate().year))


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def calendar_day_add(request):
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        try:
            day = settings_services.add_calendar_day(request.user, ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"已录入 {day.date:%Y-%m-%d} {day.get_kind_display()}。")
            return _back_to(day.date.year)
    return calendar(request, day_form=form)


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def calendar_day_remove(request, pk):
    day = get_object_or_404(CalendarDay, pk=pk)
    year = day.date.year
    try:
        settings_services.remove_calendar_day(request.user, day, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除 {day.date:%Y-%m-%d}。")
    return _back_to(year)


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def work_hours(request):
    form = WorkHoursForm(request.POST)
    if form.is_valid():
        try:
            settings_services.update_work_hours(request.user, ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "已保存工作时间。新产生的按工作小时计算的时限按新时间计算。")
            return _back_to(_year_param(request.POST.get("year"), timezone.localdate().year))
    return calendar(request, hours_form=form)
