from deadlines.calendar_status import calendar_warnings
from notifications.selectors import unread_count
from org.access import access_for


def current_roles(request):
    """Who is looking, their unread notices, and for the office/admins any calendar warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    context = {"access": access, "unread_count": unread_count(user)}
    if access.is_admin or access.is_office:
        context["calendar_warnings"] = calendar_warnings()
    return context
