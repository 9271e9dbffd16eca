"""The office's keyword library pages (004 二(二) 及时更新舆情关键词): the list (search, filters, hit counts, add,
import from .xlsx) and one keyword (edit, 停用/启用, its history). Thin: reads and writes through
monitoring.keyword_library and monitoring.keyword_import; a DomainError is shown on the form with status 400."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import DomainError, InvalidInput
from core.forms import add_domain_errors
from core.http import client_ip, int_param
from monitoring import keyword_import, keyword_library
from monitoring.forms import KeywordForm, KeywordImportForm
from org.access import role_required

PAGE_SIZE = 50
OFFICE_ONLY = keyword_library.OFFICE_ONLY


def _filters(request) -> dict:
    state = request.GET.get("state", "")
    return {
        "q": (request.GET.get("q") or "").strip()[:100],
        "topic_id": int_param(request.GET.get("topic")),
        "unit_id": int_param(request.GET.get("unit")),
        "state": state if state in ("active", "inactive") else "",
    }


def _query(filters: dict) -> str:
    pairs = {"q": filters["q"], "topic": filters["topic_id"], "unit": filters["unit_id"], "state": filters["state"]}
    return urlencode({k: v for k, v in pairs.items() if v})


@login_required
@role_required("is_office", OFFICE_ONLY)
def keyword_list(request):
    action = request.POST.get("action") if request.method == "POST" else None
    form = KeywordForm(request.POST if action == "add" else None, prefix="new")
    importing = action == "import"
    upload = KeywordImportForm(request.POST if importing else None, request.FILES if importing else None)
    status = 200
    if action == "add" and form.is_valid():
        try:
            keyword = keyword_library.create_keyword(request.user, form.data_for_service(), ip=client_ip(request))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"已新增关键词“{keyword.phrase}”，即时生效。")
            return redirect(request.get_full_path())
    elif importing and upload.is_valid():
        try:
            made = keyword_import.import_keywords(
                request.user, upload.cleaned_data["file"].read(), ip=client_ip(request)
            )
        except DomainError as exc:
            add_domain_errors(upload, exc, unmatched_to_form=False)
        else:
            messages.success(request, f"已导入关键词 {len(made)} 个，即时生效。")
            return redirect(request.get_full_path())
    if action and (form.errors or upload.errors):
        status = 400
    filters = _filters(request)
    found = keyword_library.office_keywords(request.user, **filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = keyword_library.hit_counts([k.pk for k in page])
    rows = [(k, counts.get(k.pk, keyword_library.HitCount())) for k in page]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "query": _query(filters),
        "topics": keyword_library.active_topics(),
        "units": keyword_library.active_units(),
        "form": form,
        "upload": upload,
    }
    return render(request, "monitoring/keywords.html", context, status=status)


@login_required
@role_required("is_office", OFFICE_ONLY)
def keyword_detail(request, pk):
    try:
        keyword = keyword_library.office_keyword(request.user, pk)
    except InvalidInput:
        raise Http404("关键词不存在。") from None
    action = request.POST.get("action") if request.method == "POST" else None
    initial = {"phrase": keyword.phrase, "topic": keyword.topic, "unit": keyword.unit}
    initial |= {"raise_to": keyword.raise_to, "note": keyword.note}
    form = KeywordForm(request.POST if action == "save" else None, initial=initial)
    status = 200
    try:
        if action == "save" and form.is_valid():
            keyword_library.update_keyword(request.user, keyword, form.data_for_service(), ip=client_ip(request))
            messages.success(request, "已保存，即时生效。")
            return redirect(reverse("monitoring:keyword", args=[keyword.pk]))
        if action in ("deactivate", "activate"):
            keyword_library.set_keyword_active(
                request.user,
                keyword,
                action == "activate",
                reason=request.POST.get("reason", ""),
                ip=client_ip(request),
            )
            messages.success(request, "已启用。" if action == "activate" else "已停用，此后不再命中。")
            return redirect(reverse("monitoring:keyword", args=[keyword.pk]))
    except DomainError as exc:
        if action == "save":
            add_domain_errors(form, exc)
        else:
            messages.error(request, exc.message)
    if action:
        status = 400
    counts = keyword_library.hit_counts([keyword.pk]).get(keyword.pk, keyword_library.HitCount())
    context = {
        "keyword": keyword,
        "form": form,
        "counts": counts,
        "history": keyword_library.keyword_history(request.user, keyword),
        "recent_days": keyword_library.RECENT_DAYS,
    }
    return render(request, "monitoring/keyword_detail.html", context, status=status)


@login_required
@role_required("is_office", OFFICE_ONLY)
def keyword_sheet(request):
    """The .xlsx to fill in for an import."""
    response = HttpResponse(
        keyword_import.blank_sheet(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="keywords.xlsx"'
    return response
