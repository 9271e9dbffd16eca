"""Pages of review/ (issue 17): the office's 销号抽查 (draw and verdicts, 000 四.3) and each unit's 舆情日志
(002 第八条) with its .xlsx/.docx exports. Thin: each form posts to one service; every read goes through
review.selectors."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.export import Column, content_disposition, xlsx_response
from core.forms import add_domain_errors
from core.http import client_ip
from org.access import role_required
from review import documents, selectors, services
from review.forms import LogFilterForm, VerdictForm
from review.models import SpotCheckDraw

OFFICE_ONLY = "销号抽查由办公室负责（依据 000 四.3）。"


def _spot_check_page(request: HttpRequest, draw: SpotCheckDraw | None, bound: dict[int, VerdictForm] | None = None):
    draws = list(selectors.visible_draws(request.user)[:24])
    draw = draw or (draws[0] if draws else None)
    checks = list(selectors.draw_checks(request.user, draw)) if draw else []
    bound = bound or {}
    titles = selectors.check_titles(request.user, checks)
    rows = [(check, titles[check.pk], bound.get(check.pk) or VerdictForm(prefix=f"c{check.pk}")) for check in checks]
    status = 400 if bound else 200
    return render(request, "review/spot_checks.html", {"draws": draws, "draw": draw, "rows": rows}, status=status)


@login_required
@role_required("is_office", OFFICE_ONLY)
def spot_checks(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    draw = None
    if pk is not None:
        draw = selectors.visible_draws(request.user).filter(pk=pk).first()
        if draw is None:
            raise Http404("抽查批次不存在。")
    return _spot_check_page(request, draw)


@login_required
@role_required("is_office", OFFICE_ONLY)
@require_POST
def draw(request: HttpRequest) -> HttpResponse:
    try:
        made = services.draw_spot_checks(cast(User, request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("spot_checks")
    messages.success(request, f"已抽取 {made.period_start:%Y-%m-%d} 起的抽查样本：{made.checks.count()} 件。")
    return redirect("spot_check_draw", made.pk)


@login_required
@role_required("is_office", OFFICE_ONLY)
@require_POST
def verdict(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.visible_checks(request.user).filter(pk=pk).first()
    if check is None:
        raise Http404("抽查记录不存在。")
    form = VerdictForm(request.POST, prefix=f"c{check.pk}")
    if form.is_valid():
        try:
            services.record_verdict(
                cast(User, request.user),
                check,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"{check.incident.number} 复核结论已记录。")
            return redirect("spot_check_draw", check.draw_id)
    return _spot_check_page(request, check.draw, {check.pk: form})


LOG_COLUMNS = [
    Column("日期", 12),
    Column("编号", 18),
    Column("标题", 40),
    Column("等级", 12),
    Column("承办类型", 8),
    Column("认领", 18),
    Column("反馈", 18),
    Column("销号", 18),
    Column("按时", 6),
]


@login_required
def incident_log(request: HttpRequest) -> HttpResponse | FileResponse:
    units = selectors.log_units(request.user)
    if not units.exists():
        raise Http404("没有可查看的舆情日志。")
    data: dict[str, Any] = request.GET.copy() if "unit" in request.GET else {"unit": units.first().pk}  # type: ignore[union-attr]
    form = LogFilterForm(data, units=units)
    if not form.is_valid():
        return render(request, "review/incident_log.html", {"form": form, "rows": []}, status=400)
    unit, start, end = form.cleaned_data["unit"], form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.incident_log(request.user, unit, start=start, end=end)
    period = f"{start or '最早'} 至 {end or '今'}"
    export = request.GET.get("format")
    if export == "xlsx":
        values = [documents.row_values(row) for row in rows]
        return xlsx_response(values, LOG_COLUMNS, f"{unit.name}舆情日志.xlsx", sheet_title="舆情日志")
    if export == "docx":
        response = HttpResponse(
            documents.log_docx(unit.name, period, rows),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = content_disposition(f"{unit.name}舆情日志.docx")
        return response
    query = request.GET.copy()
    query.pop("format", None)
    query["unit"] = str(unit.pk)
    return render(
        request,
        "review/incident_log.html",
        {"form": form, "rows": rows, "unit": unit, "period": period, "query": query.urlencode()},
    )
