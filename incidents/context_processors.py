from .access import access_for


def current_roles(request):
    """Who is looking, their unread notices, and for the office/admins any calendar warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from monitoring.models import Notification

    access = access_for(user)
    context = {
        "access": access,
        "unread_count": Notification.objects.filter(
            recipient=user, channel=Notification.Channel.INBOX, read_at__isnull=True
        ).count(),
    }
    if access.is_admin or access.is_office:
        from monitoring.calendar_status import calendar_warnings

        context["calendar_warnings"] = calendar_warnings()
    return context
