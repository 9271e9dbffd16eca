"""Rate limits for the API (issue 4): the token endpoint and anonymous callers, counted in the cache
(Redis in production, so every worker shares the counts)."""

import ipaddress
import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.http import client_ip

logger = logging.getLogger(__name__)


def request_ip(request):
    """The caller's address as the audit trail and the throttles see it: the same rule as the UI
    (core.http), but never a malformed value that the database's inet column would refuse."""
    ip = client_ip(request)
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


class _AddressThrottle(SimpleRateThrottle):
    """Counts per client address. DRF's own get_ident trusts X-Forwarded-For from anyone, which would let a
    caller pick a fresh address per request; ours follows TRUSTED_PROXY_COUNT like the audit trail."""

    def get_rate(self):
        # Read at request time, not at import, so that a changed REST_FRAMEWORK setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        """Fails open (issue 11 §5): with the cache (Redis) down the API, the token endpoint included, keeps
        working unthrottled rather than answering 500. Password guessing is still bounded by the login
        lock-out, which counts in the database (django-axes)."""
        try:
            return super().allow_request(request, view)
        except Exception:  # any cache backend's connection error: redis, memcached, a socket timeout
            logger.warning("API throttle %s skipped: the cache is unavailable", self.scope, exc_info=True)
            return True

    def get_ident(self, request):
        return request_ip(request) or "unknown"


class LoginRateThrottle(_AddressThrottle):
    """Password guessing on POST /api/auth/token/: every attempt counts, successful or not."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonymousRateThrottle(_AddressThrottle):
    """Unauthenticated requests anywhere under /api/ (checked before the 401, see api.ApiView)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
