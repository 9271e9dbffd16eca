from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.http import int_param
from notifications import selectors, services


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), 30).get_page(request.GET.get("page"))
    return render(
        request, "notifications/inbox.html", {"page": page, "filters": {"unread": "1" if unread_only else ""}}
    )


@login_required
@require_POST
def mark_read(request):
    ids = [n for n in map(int_param, request.POST.getlist("ids")) if n]
    services.mark_read(request.user, ids)
    # Back to a page of this site only: `next` from the form must not send the user elsewhere (ASVS V5.1.5).
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("inbox")
