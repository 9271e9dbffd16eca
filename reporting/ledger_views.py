"""Downloading the ledger (台账). The office and county-wide leaders get every unit; a unit leader the
units under them; a liaison only its own unit's rows (reporting.downloads.ledger_unit_ids)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from reporting.downloads import default_ledger_days, ledger_response, ledger_unit_ids, ledger_units
from reporting.period_forms import LedgerForm


@login_required
def ledger(request):
    allowed = ledger_unit_ids(request.user)
    units = list(ledger_units(allowed).order_by("path"))
    form = LedgerForm(request.GET or None, units=units, initial=default_ledger_days())
    if not request.GET or not form.is_valid():
        return render(request, "reporting/ledger.html", {"form": form}, status=400 if request.GET else 200)
    if form.cleaned_data["unit"] is not None and form.cleaned_data["unit"] not in {u.pk for u in units}:
        raise Http404("单位不存在或无权查看。")
    return ledger_response(request.user, form.cleaned_data, form.period, allowed)
