"""The office's pages of issue 15's second half: the candidate queue (候选舆情: accept, merge, discard) and the
emergency watch (突发事件监测: start, end). Thin: reads through the services' selectors, writes through
monitoring.candidates / monitoring.emergency, a DomainError shown on the page with status 400."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import DomainError, InvalidInput
from core.http import client_ip, int_param
from incidents.selectors import visible_incidents
from monitoring import backfill, candidates, emergency
from monitoring.forms import PeriodForm, WatchForm
from monitoring.models import Candidate, EmergencyWatch
from org.access import role_required

PAGE_SIZE = 30
NUMBER_PREFIX = "YQ"


def _incident_by_number(user, value: str):
    """An incident the user can see, by its number (YQ20261130-00012) or its id."""
    value = (value or "").strip().upper()
    pk = int_param(value.rsplit("-", 1)[-1]) if value.startswith(NUMBER_PREFIX) else int_param(value)
    if pk is None:
        return None
    found = visible_incidents(user).filter(pk=pk).first()
    if found is not None and value.startswith(NUMBER_PREFIX) and found.number != value:
        return None
    return found


def _backfill(request, form: PeriodForm, ip: str | None) -> backfill.Backfill:
    """补生成: the chosen range's submissions become candidates (empty dates: the last seven days)."""
    if not form.is_valid():
        raise InvalidInput("；".join(str(e) for errors in form.errors.values() for e in errors))
    return backfill.backfill_candidates(
        request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"], ip=ip
    )


@login_required
@role_required("is_office", "只有办公室值班员可以处理候选舆情。")
def candidate_list(request):
    status = request.GET.get("status") or Candidate.Status.PENDING
    if status not in Candidate.Status.values:
        status = Candidate.Status.PENDING
    code = 200
    backfill_form = PeriodForm(request.POST if request.POST.get("action") == "backfill" else None, prefix="backfill")
    if request.method == "POST":
        pk, action, ip = int_param(request.POST.get("candidate")), request.POST.get("action"), client_ip(request)
        try:
            if action == "accept":
                done = candidates.accept_candidate(request.user, pk or 0, ip=ip)
                messages.success(request, f"已受理，生成舆情 {done.incident.number}。")
            elif action == "merge":
                target = _incident_by_number(request.user, request.POST.get("into", ""))
                if target is None:
                    raise InvalidInput("请填写要合并到的舆情编号（如 YQ20261130-00012），且须是您可见的舆情。")
                done = candidates.merge_candidate(request.user, pk or 0, into=target, ip=ip)
                messages.success(request, f"已合并到 {target.number}。")
            elif action == "discard":
                candidates.discard_candidate(request.user, pk or 0, reason=request.POST.get("reason", ""), ip=ip)
                messages.success(request, "已舍弃。")
            elif action == "backfill":
                done = _backfill(request, backfill_form, ip)
                messages.success(
                    request, f"{done.start}至{done.end}：{done.submissions}份报送，新生成候选舆情{done.created}条。"
                )
            else:
                raise InvalidInput("未知的操作。")
            return redirect(request.get_full_path())
        except DomainError as exc:
            messages.error(request, str(exc))
            code = 400
    queue = candidates.office_candidates(request.user).filter(status=status).order_by("-created_at", "-id")
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {s: candidates.office_candidates(request.user).filter(status=s).count() for s in Candidate.Status.values}
    tabs = [(value, label, counts[value]) for value, label in Candidate.Status.choices]
    return render(
        request,
        "monitoring/candidates.html",
        {
            "page": page,
            "status": status,
            "tabs": tabs,
            "pending": status == Candidate.Status.PENDING,
            "backfill_form": backfill_form,
        },
        status=code,
    )


@login_required
@role_required("is_office", "只有办公室值班员可以启动突发事件监测。")
def emergency_page(request):
    form = WatchForm(request.POST or None) if request.POST.get("action") == "start" else WatchForm()
    code = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end":
                emergency.end_watch(request.user, int_param(request.POST.get("watch")) or 0, ip=client_ip(request))
                messages.success(request, "已结束突发事件监测，此后的加密巡查时段已取消。")
                return redirect("monitoring:emergency")
            if form.is_valid():
                data = form.cleaned_data
                watch = emergency.start_watch(
                    request.user,
                    title=data["title"],
                    topic=data["topic"],
                    keywords=data["keywords"],
                    interval=data["interval"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    ip=client_ip(request),
                )
                messages.success(
                    request,
                    f"已启动突发事件监测：{watch.title}，每{watch.interval}分钟巡查一次，加密巡查时段已生成。",
                )
                return redirect("monitoring:emergency")
            code = 400
        except DomainError as exc:
            for field, errs in exc.field_errors.items():
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
            if not exc.field_errors:
                messages.error(request, str(exc))
            code = 400
    now = timezone.now()
    return render(
        request,
        "monitoring/emergency.html",
        {
            "form": form,
            "active": emergency.active_watches(now) + emergency.upcoming_watches(now),
            "recent": EmergencyWatch.objects.select_related("topic")[:20],
            "now": now,
        },
        status=code,
    )
