"""The 周报/月报/季度通报 on demand (issue 14): any past period, not only the one beat compiled. Thin: the form
shapes the input, reporting.periodic.generate_periodic_report (the one path through reporting/generation.py)
checks the role and the period, numbers, renders, stores and audits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from core.errors import DomainError
from core.forms import add_domain_errors
from org.access import role_required
from reporting import periodic, selectors
from reporting.models import Report
from reporting.period_forms import PeriodicReportForm


@login_required
@role_required("is_office", hide=True)
def periodic_generate(request):
    form = PeriodicReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, day = form.cleaned_data["kind"], form.cleaned_data["start"]
        try:
            report = periodic.generate_periodic_report(
                kind,
                periodic.period_containing(kind, day),
                actor=request.user,
                regenerate=form.cleaned_data["regenerate"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc, unmatched_to_form=False)
        else:
            messages.success(request, f"已生成{report.title}，请预览核对后签发。")
            return redirect("report_detail", pk=report.pk)
    recent = selectors.report_list(request.user).filter(kind__in=periodic.KINDS)[:10]
    context = {"form": form, "recent": recent, "kinds": Report.Kind}
    return render(request, "reporting/periodic_form.html", context, status=400 if form.errors else 200)
