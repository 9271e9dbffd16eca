import ipaddress

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime


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


# Query-string and hidden-field values read outside a form (issue 11 §4): malformed or out-of-range input is
# treated as absent rather than raising in the view or the database (a 500). Ids fit a bigint column.
MAX_ID = 2**63 - 1


def int_param(value):
    """A positive id from a query string or hidden field, or None: ASCII digits only (int() would take "１２" but
    "²".isdigit() is True and int("²") raises) and within a bigint, so no lookup overflows."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def date_param(value):
    """A date (YYYY-MM-DD) or None, also for a well-formed impossible one such as 2026-02-30."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def datetime_param(value):
    """A date-time (ISO 8601) or None, also for a well-formed impossible one such as 2026-02-30T10:00."""
    try:
        value = parse_datetime(value or "")
    except ValueError:
        return None
    # Outside these years a date is a typo, and arithmetic on it could overflow (as in incidents.api.filters).
    return value if value is not None and 1990 <= value.year < 2200 else None
