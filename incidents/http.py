from django.conf import settings


def client_ip(request):
    """The client address for the audit trail. X-Forwarded-For is trusted only behind our own proxy."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
