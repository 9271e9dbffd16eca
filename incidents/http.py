import ipaddress

from django.conf import settings


def client_ip(request):
    """The client address for the audit trail, the throttles and the login lock-out (issue 11 §2).

    X-Forwarded-For is read only behind TRUSTED_PROXY_COUNT proxies of our own: each appends the address it saw,
    so the client is the entry that many places from the right (REMOTE_ADDR being the nearest proxy); anything
    further left was written by the caller and is ignored. Never a malformed value (the inet column refuses it)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    chain = [remote]
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [part for part in forwarded if part] + chain
    address = chain[-proxies - 1] if len(chain) > proxies else chain[0]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
