"""Downloading the ledger (台账). The office and county-wide leaders get every unit; a unit leader the
units under them; a liaison only its own unit's rows."""

import datetime
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from org.access import access_for
from org.models import Unit
from reporting.assessment import quarter_of
from reporting.ledger import build_ledger
from reporting.period_forms import LedgerForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_unit_ids(user):
    """None for everything, else the ids of the units whose rows this user may download."""
    access = access_for(user)
    if access.sees_everything:
        return None
    if not (access.is_leader or access.is_liaison):
        raise PermissionDenied("仅办公室、领导和联络员可下载台账。")
    return access.visible_unit_ids


@login_required
def ledger(request):
    allowed = ledger_unit_ids(request.user)
    units = Unit.objects.filter(is_active=True, is_office=False, parent__isnull=False)
    if allowed is not None:
        units = Unit.objects.filter(pk__in=allowed)
    units = list(units.order_by("path"))
    start, end = quarter_of(timezone.localdate())
    initial = {"start": start.date(), "end": (end - datetime.timedelta(days=1)).date()}
    form = LedgerForm(request.GET or None, units=units, initial=initial)
    if not request.GET or not form.is_valid():
        return render(request, "reporting/ledger.html", {"form": form}, status=400 if request.GET else 200)
    unit_id = form.cleaned_data["unit"]
    if unit_id is not None and unit_id not in {u.pk for u in units}:
        raise Http404("单位不存在或无权查看。")
    unit_ids = [unit_id] if unit_id is not None else (None if allowed is None else sorted(allowed))
    start, end = form.period
    data = build_ledger(
        start=start, end=end, unit_ids=unit_ids, grade=form.cleaned_data["grade"] or None, user=request.user
    )
    response = HttpResponse(data, content_type=XLSX)
    name = f"舆情台账_{form.cleaned_data['start']:%Y%m%d}-{form.cleaned_data['end']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
