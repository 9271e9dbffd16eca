"""The list pages (舆情, 转办单) and the landing redirect: thin views over incidents.selectors, with the filters
kept in the URL, the search box, the export to .xlsx and the office's bulk actions (issues 14, 18)."""

import html
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.export import TOO_MANY_MESSAGE, Column, too_many, xlsx_response
from core.http import client_ip, int_param
from deadlines.selectors import attach_countdowns, open_deadlines_prefetch
from incidents import search, selectors, services
from incidents.models import Grade
from incidents.paging import bounded_page
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
    """Two statements per page however long the history (incidents/paging.py: rows + 1, a count bounded at 1000)."""
    return bounded_page(qs, request.GET.get("page"), per_page)


# --- Filters kept in the URL (issue 18) ----------------------------------------------------------------------
# GET parameters, so a filtered list can be bookmarked, sent and paged through (the pagination links and the
# export carry them). A bad value (an unknown status, an impossible date, a unit the reader may not filter by) is
# named in Chinese and left out: the list is shown without it, with status 400, never a 500.

FIRST_YEAR, LAST_YEAR = 1990, 2199


def _choices(options):
    return [("", "全部"), *options]


class _ListFilters(forms.Form):
    status = forms.ChoiceField(label="状态", required=False)
    grade = forms.ChoiceField(label="等级", required=False, choices=_choices([*Grade.choices, ("none", "待研判")]))
    unit = forms.ChoiceField(label="单位", required=False)
    since = forms.DateField(label="日期从", required=False)
    until = forms.DateField(label="日期至", required=False)

    def __init__(self, data, *, units, statuses):
        super().__init__(data)
        self.fields["unit"].choices = _choices([(str(u.pk), u.name) for u in units])
        self.fields["status"].choices = _choices(statuses)

    def clean(self):
        data = super().clean()
        for name in ("since", "until"):
            day = data.get(name)
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(name, f"日期须在 {FIRST_YEAR}—{LAST_YEAR} 年之间。")
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "结束日期不能早于开始日期。")
        return data


class IncidentFilters(_ListFilters):
    q = forms.CharField(label="搜索", required=False, max_length=search.MAX_QUERY_CHARS)


class TicketFilters(_ListFilters):
    overdue = forms.BooleanField(label="只看逾期", required=False)


def _read_filters(form):
    """(the valid values; {name: value as in the URL} of the ones set, for the links and the export; a Chinese
    message per bad one)."""
    form.is_valid()
    values = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    errors = [
        f"筛选条件「{form.fields[name].label if name in form.fields else '日期'}」有误：{''.join(msgs)}已忽略该条件。"
        for name, msgs in form.errors.items()
    ]
    kept = {}
    for name in form.fields:
        value = values.get(name)
        if value in (None, "", False):
            continue
        kept[name] = value.isoformat() if isinstance(value, date) else "1" if value is True else str(value)
    return values, kept, errors


def _legacy(params):
    """`from`/`to` read as since/until (a hand-written link), the names the form uses winning."""
    params = params.copy()
    for old, new in (("from", "since"), ("to", "until")):
        if old in params and new not in params:
            params[new] = params[old]
    return params


def _export_name(what):
    return f"{what}-{timezone.localdate():%Y%m%d}.xlsx"


# --- 舆情 ----------------------------------------------------------------------------------------------------

INCIDENT_COLUMNS = [
    Column("舆情编号", 18),
    Column("标题", 48),
    Column("等级", 12),
    Column("状态", 10),
    Column("类别", 12),
    Column("属地/涉事单位", 16),
    Column("责任单位", 24),
    Column("报送时间", 17),
    Column("研判时间", 17),
    Column("销号时间", 17),
    Column("敏感", 6),
]


def _incident_rows(user, qs):
    tickets = Prefetch("tickets", queryset=selectors.visible_tickets(user).select_related("unit"), to_attr="listed")
    for i in qs.prefetch_related(tickets).iterator(chunk_size=2000):
        units = "、".join(f"{t.unit.name}（{t.get_role_display()}）" for t in sorted(i.listed, key=lambda t: t.pk))
        yield [
            i.number,
            i.title,
            i.get_grade_display() if i.grade else "待研判",
            i.get_status_display(),
            i.get_category_display(),
            i.subject_unit.name if i.subject_unit else "",
            units,
            i.reported_at,
            i.graded_at,
            i.closed_at,
            i.is_confidential,
        ]


def _unit_rows(user) -> list:
    """The units a list may be filtered by, as plain rows (pk, name, is_office, parent_id): a county's thousand Unit
    instances cost ~25 ms a view to build for two selects (issue 16)."""
    return list(selectors.filter_units(user).values_list("pk", "name", "is_office", "parent_id", named=True))


def unit_options(units: list, selected: str | None = None) -> str:
    """The <option>s of a unit <select>, built in one pass: a county has about a thousand units and two selects of
    them on the office's list. The template's loop (a filter call per option) took ~100 ms and format_html per option
    ~25 ms (issue 16); each name is escaped as Django's escape() does (html.escape), the rest is our own markup."""
    options = "".join(
        f'<option value="{u.pk}"{" selected" if str(u.pk) == selected else ""}>{html.escape(u.name)}</option>'
        for u in units
    )
    return mark_safe(options)  # noqa: S308  # every name escaped above; pk is an int


@login_required
@require_http_methods(["GET", "POST"])
def incident_list(request):
    """舆情列表: filters and the search box (issue 14, 18), export to .xlsx, and the office's bulk actions (POST)."""
    if request.method == "POST":
        return _bulk(request)
    access = access_for(request.user)
    units = _unit_rows(request.user)
    form = IncidentFilters(_legacy(request.GET), units=units, statuses=IncidentStatus.choices)
    values, kept, errors = _read_filters(form)
    qs = selectors.incident_list(
        request.user,
        status=values.get("status") or None,
        grade=values.get("grade") or None,
        q=values.get("q") or None,
        since=values.get("since"),
        until=values.get("until"),
        unit_id=int_param(values.get("unit")),
    )
    if request.GET.get("export") == "xlsx" and not errors:
        if too_many(qs):
            messages.error(request, TOO_MANY_MESSAGE)
            return redirect(f"{reverse('incident_list')}?{urlencode(kept)}")
        return xlsx_response(_incident_rows(request.user, qs), INCIDENT_COLUMNS, _export_name("舆情列表"))
    context = {
        "page": _page(request, qs),
        "filters": kept,
        "query": urlencode(kept),
        "units": units,
        "statuses": IncidentStatus.choices,
        "grades": [*Grade.choices, ("none", "待研判")],
        "filter_errors": errors,
        "bounded_search": search.parse(values.get("q")).bounded,
        "search_window": search.SINGLE_CHAR_WINDOW,
        "unit_options": unit_options(units, kept.get("unit")),
        "bulk": access.is_office,
        "dispatch_unit_options": (
            unit_options([u for u in units if not u.is_office and u.parent_id]) if access.is_office else ""
        ),
    }
    return render(request, "incidents/incident_list.html", context, status=400 if errors else 200)


def _bulk(request):
    """批量转办 / 批量催办 (issue 18), item by item through the services; the outcome of each is listed, and the
    list is shown again with the same filters (the POST went to the list's own URL, query string and all)."""
    ids = [pk for pk in (int_param(v) for v in request.POST.getlist("ids")) if pk]
    action, ip = request.POST.get("action"), client_ip(request)
    try:
        if action == "dispatch":
            unit_id = int_param(request.POST.get("unit"))
            unit = selectors.filter_units(request.user).filter(pk=unit_id).first() if unit_id else None
            verb, results = "批量转办", services.bulk_dispatch(request.user, ids, unit=unit, ip=ip)
        elif action == "remind":
            verb, results = "批量催办", services.bulk_remind(request.user, ids, ip=ip)
        else:
            raise DomainError("请选择批量操作（转办或催办）。")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(request.get_full_path())
    done = sum(r.ok for r in results)
    summary = f"{verb}：{done} 条已办理，{len(results) - done} 条未办理。"
    (messages.success if done == len(results) else messages.warning)(request, summary)
    for result in results:
        (messages.success if result.ok else messages.error)(request, f"{result.label}：{result.message}")
    return redirect(request.get_full_path())


# --- 转办单 --------------------------------------------------------------------------------------------------

TICKET_COLUMNS = [
    Column("舆情编号", 18),
    Column("舆情标题", 44),
    Column("等级", 12),
    Column("责任单位", 16),
    Column("承办类型", 8),
    Column("状态", 10),
    Column("转办时间", 17),
    Column("认领人", 10),
    Column("认领时间", 17),
    Column("反馈时间", 17),
    Column("最近时限", 14),
    Column("时限到期", 17),
]


def _ticket_rows(qs):
    for t in qs.iterator(chunk_size=2000):
        first = t.open_deadlines[0] if t.open_deadlines else None
        claimant = t.claimed_by.get_full_name() or t.claimed_by.get_username() if t.claimed_by else ""
        yield [
            t.incident.number,
            t.incident.title,
            t.incident.get_grade_display() if t.incident.grade else "待研判",
            t.unit.name,
            t.get_role_display(),
            t.get_status_display(),
            t.dispatched_at,
            claimant,
            t.claimed_at,
            t.feedback_at,
            first.get_kind_display() if first else "",
            first.due_at if first else None,
        ]


@login_required
def ticket_list(request):
    """转办单列表: the tickets the reader may see (a liaison: their units'), filtered, paged and exported."""
    units = _unit_rows(request.user)
    form = TicketFilters(_legacy(request.GET), units=units, statuses=TicketStatus.choices)
    values, kept, errors = _read_filters(form)
    unit_id = int_param(values.get("unit"))
    qs = selectors.ticket_list(
        request.user,
        status=values.get("status") or None,
        unit_ids=[unit_id] if unit_id else None,
        overdue=bool(values.get("overdue")),
        grade=values.get("grade") or None,
        since=values.get("since"),
        until=values.get("until"),
    ).prefetch_related(open_deadlines_prefetch())
    if request.GET.get("export") == "xlsx" and not errors:
        if too_many(qs):
            messages.error(request, TOO_MANY_MESSAGE)
            return redirect(f"{reverse('ticket_list')}?{urlencode(kept)}")
        return xlsx_response(_ticket_rows(qs), TICKET_COLUMNS, _export_name("转办单列表"))
    page = _page(request, qs)
    attach_countdowns(page.object_list)
    context = {
        "page": page,
        "filters": kept,
        "query": urlencode(kept),
        "units": units,
        "unit_options": unit_options(units, kept.get("unit")),
        "statuses": TicketStatus.choices,
        "grades": [*Grade.choices, ("none", "待研判")],
        "filter_errors": errors,
    }
    return render(request, "incidents/ticket_list.html", context, status=400 if errors else 200)
