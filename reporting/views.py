"""Pages under /reports/. Thin: parse the form, call one service or selector, show the outcome."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip, date_param
from incidents.selectors import visible_incidents, visible_tickets
from org.access import access_for, role_required
from reporting import periodic, risk, selectors, services, submissions
from reporting.daily import generate_daily_report
from reporting.forms import DailySubmissionForm, RecallForm, ReportEditForm, RiskNoticeForm, SupervisionForm
from reporting.models import Report, ReportSettings


def _report(request, pk):
    try:
        return selectors.report_detail(request.user, pk, ip=client_ip(request))
    except Report.DoesNotExist:
        raise Http404("报告不存在或无权查看。") from None


@login_required
def report_list(request):
    kind = request.GET.get("kind") or ""
    kind = kind if kind in Report.Kind.values else ""
    status = request.GET.get("status") or ""
    status = status if status in Report.Status.values else ""
    qs = selectors.report_list(request.user, kind=kind or None, status=status or None)
    context = {
        "page": Paginator(qs, 25).get_page(request.GET.get("page")),
        "kinds": Report.Kind.choices,
        "statuses": Report.Status.choices,
        "filters": {"kind": kind, "status": status},
        "access": access_for(request.user),
        "can_submit": bool(services.collecting_units_for(request.user)),
    }
    return render(request, "reporting/report_list.html", context)


def _detail_context(request, report, edit_form=None, recall_form=None):
    access = access_for(request.user)
    can_change = access.is_office and report.status == Report.Status.DRAFT
    recall_until = services.recall_deadline(report) if report.status == Report.Status.ISSUED else None
    can_recall = (
        access.is_office
        and recall_until is not None
        and report.issued_by_id == request.user.pk
        and timezone.now() <= recall_until
    )
    return {
        "report": report,
        "access": access,
        "can_change": can_change,
        "edit_form": edit_form or (ReportEditForm(report=report) if can_change else None),
        "can_regenerate": can_change and report.kind in Report.PERIODIC,
        "recall_until": recall_until,
        "recall_open": recall_until is not None and timezone.now() <= recall_until,
        "recall_form": recall_form or (RecallForm() if can_recall else None),
        "recall_minutes": ReportSettings.current().recall_minutes,
        "is_unit_notice": report.kind in Report.RECALLABLE,
    }


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    return render(request, "reporting/report_detail.html", _detail_context(request, report))


@login_required
@require_POST
def report_edit(request, pk):
    report = _report(request, pk)
    form = ReportEditForm(request.POST, report=report)
    if form.is_valid():
        try:
            version = services.edit_report(request.user, report, texts=form.texts(), ip=client_ip(request))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"已保存为第 {version.number} 版。")
            return redirect("report_detail", pk=pk)
    messages.error(request, "保存未完成，请检查下方表单中的错误。")
    return render(request, "reporting/report_detail.html", _detail_context(request, report, form), status=400)


@login_required
@require_POST
def report_issue(request, pk):
    report = _report(request, pk)
    try:
        services.issue_report(request.user, report, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已签发，并已通知报送对象。")
    return redirect("report_detail", pk=pk)


@login_required
@require_POST
def report_recall(request, pk):
    report = _report(request, pk)
    form = RecallForm(request.POST)
    if form.is_valid():
        try:
            services.recall_report(request.user, report, reason=form.cleaned_data["reason"], ip=client_ip(request))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "已撤回，并已通知报送对象。")
            return redirect("report_detail", pk=pk)
    messages.error(request, "撤回未完成：" + "；".join(e for errors in form.errors.values() for e in errors))
    report = _report(request, pk)
    context = _detail_context(request, report, recall_form=form)
    return render(request, "reporting/report_detail.html", context, status=400)


@login_required
@require_POST
def report_regenerate(request, pk):
    report = _report(request, pk)
    if report.kind not in Report.PERIODIC:
        raise Http404
    try:
        if report.kind == Report.Kind.DAILY:
            generate_daily_report(timezone.localdate(report.period_end), actor=request.user)
        else:
            start = timezone.localdate(report.period_start)
            periodic.generate_periodic_report(report.kind, start, actor=request.user, regenerate=True)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已重新汇总，生成新版本。")
    return redirect("report_detail", pk=pk)


@login_required
@require_POST
def special_create(request, incident_pk):
    if not visible_incidents(request.user).filter(pk=incident_pk).exists():
        raise Http404
    try:
        report = services.create_special_report(request.user, incident_pk, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("incident_detail", pk=incident_pk)
    messages.success(request, "已按模板生成舆情专报草稿，请修改后签发。")
    return redirect("report_detail", pk=report.pk)


@login_required
@role_required("is_office", hide=True)
def supervision_create(request, ticket_pk):
    ticket = visible_tickets(request.user).select_related("incident", "unit").filter(pk=ticket_pk).first()
    if ticket is None:
        raise Http404
    form = SupervisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.draft_supervision_notice(
                request.user,
                ticket,
                reason=form.cleaned_data["reason"],
                due_at=form.cleaned_data["due_at"],
                urgency=form.cleaned_data["urgency"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "已生成督报草稿：请预览核对，确认无误后签发。")
            return redirect("report_detail", pk=report.pk)
    context = {"ticket": ticket, "form": form, "count": services.supervision_count(ticket)}
    return render(request, "reporting/supervision_form.html", context, status=400 if form.errors else 200)


@login_required
@role_required("is_office", hide=True)
def risk_topics(request):
    screenings = sorted(risk.screen_risk_topics(), key=lambda s: (not s.flagged, s.topic.name))
    return render(request, "reporting/risk_topics.html", {"screenings": screenings, "form": RiskNoticeForm()})


@login_required
@require_POST
@role_required("is_office", hide=True)
def risk_notice_create(request, topic_pk):
    form = RiskNoticeForm(request.POST)
    if form.is_valid():
        try:
            report = services.draft_risk_notice(
                request.user,
                topic_pk,
                requirements=form.cleaned_data["requirements"],
                due_at=form.cleaned_data["due_at"],
                urgency=form.cleaned_data["urgency"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已生成致{report.unit.name}的网络风险提示函草稿：请预览核对，确认无误后签发。")
            return redirect("report_detail", pk=report.pk)
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("risk_topics")


@login_required
@role_required("is_office", hide=True)
def submission_status(request):
    day = date_param(request.GET.get("date")) or timezone.localdate()
    rows = submissions.submission_status(day)
    counts = {state: sum(1 for r in rows if r.state == state) for state in ("on_time", "late", "missing")}
    return render(request, "reporting/submission_status.html", {"rows": rows, "day": day, "counts": counts})


@login_required
def submission_submit(request):
    units = services.collecting_units_for(request.user)
    if not units:
        # A page of its own, in Chinese, whatever DEBUG is: nobody should meet Django's debug 404 here.
        return render(request, "reporting/submission_none.html", status=404)
    # Items the unit may link: what it can see of the last two days.
    recent = visible_incidents(request.user).filter(reported_at__gte=timezone.now() - timedelta(days=2))
    today = timezone.localdate()
    existing = {r.unit.pk: r.submission for r in submissions.submission_status(today) if r.submission}
    initial = {}
    if request.method != "POST" and units[0].pk in existing:
        initial = {
            "unit": units[0].pk,
            "content": existing[units[0].pk].content,
            "incidents": list(existing[units[0].pk].incidents.all()),
        }
    form = DailySubmissionForm(
        request.POST or None,
        units=units,
        initial=initial,
        incidents=recent.order_by("-reported_at"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submit_daily_items(
                request.user,
                unit=form.cleaned_data["unit"],
                content=form.cleaned_data["content"],
                incidents=form.cleaned_data["incidents"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            late = "（逾期报送）" if submission.is_late else ""
            messages.success(request, f"{submission.unit.name}今日报送已保存{late}。")
            return redirect("submission_submit")
    context = {"form": form, "today": today, "existing": [existing[u.pk] for u in units if u.pk in existing]}
    return render(request, "reporting/submission_form.html", context, status=400 if form.errors else 200)
