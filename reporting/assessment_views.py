"""The assessment page (考核): the units' scores for a chosen period, the current quarter by default.
The office and county-wide leaders see every unit; a unit leader the units under them, with the county-wide
rank (the quarterly 通报 publishes ranks to all units, `002` 第十二条)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from org.access import access_for
from reporting.assessment import assess_units, quarter_label, quarter_of
from reporting.models import AssessmentWeighting
from reporting.period_forms import PeriodForm


def quarter_choices(today, count=4):
    """The current and previous quarters as (label, start date, end date inclusive)."""
    choices, day = [], today
    for _ in range(count):
        start, end = quarter_of(day)
        last = (end - datetime.timedelta(days=1)).date()
        choices.append((quarter_label(start), start.date(), last))
        day = start.date() - datetime.timedelta(days=1)
    return choices


def may_view_assessment(access):
    return access.is_office or access.is_leader


def visible_assessment(access, period_start, period_end):
    """(rows, weighting) for [period_start, period_end): every unit, ranked county-wide; a leader who does not
    oversee the whole county gets only the rows of the units under them (this page and GET /api/assessment/)."""
    weighting = AssessmentWeighting.current(timezone.localdate(period_end - datetime.timedelta(seconds=1)))
    rows = assess_units(period_start, period_end, weighting=weighting)
    if not access.sees_everything:
        rows = [r for r in rows if r.unit_id in access.leader_unit_ids]
    return rows, weighting


@login_required
def assessment(request):
    access = access_for(request.user)
    if not may_view_assessment(access):
        raise PermissionDenied("仅办公室和领导可查看考核。")
    today = timezone.localdate()
    quarters = quarter_choices(today)
    _, start, end = quarters[0]
    form = PeriodForm(request.GET or {"start": start, "end": end})
    rows, weighting = [], None
    if form.is_valid():
        rows, weighting = visible_assessment(access, *form.period)
    context = {"form": form, "rows": rows, "quarters": quarters, "weighting": weighting}
    return render(request, "reporting/assessment.html", context, status=200 if form.is_valid() else 400)
