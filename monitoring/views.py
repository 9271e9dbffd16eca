from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .models import Notification


@login_required
def inbox(request):
    qs = Notification.objects.filter(recipient=request.user, channel=Notification.Channel.INBOX)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request, "monitoring/inbox.html", {"page": page, "filters": {"unread": "1" if unread_only else ""}}
    )


@login_required
@require_POST
def mark_read(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    services.mark_read(request.user, ids)
    return redirect(request.POST.get("next") or "inbox")
