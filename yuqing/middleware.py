"""Request and response hardening that holds for every page and the API (issue 11 §4, 等保 入侵防范).

- A NUL byte in the path or the query string is refused at the door with a 400: PostgreSQL cannot store or
  compare a string holding one (the driver raises, a 500), SQLite silently can, so behaviour would depend on
  the database. Bodies are checked where they are parsed (forms, core.api.parsers).
- Permissions-Policy switches off the browser features the application never uses (camera, microphone,
  geolocation, payment, USB, …), so injected content could not use them either. Content-Security-Policy itself
  comes from django-csp (settings.CONTENT_SECURITY_POLICY)."""

from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest
from django.template import loader

from core.api.errors import problem_response

NUL_REFUSED = "请求参数不能包含空字符（U+0000），未作任何处理。"

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def _has_nul(request):
    raw_query = request.META.get("QUERY_STRING", "")
    return "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query.replace("+", " "))


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return problem_response(request, "invalid", 400, NUL_REFUSED)
            return HttpResponseBadRequest(loader.get_template("400.html").render({"message": NUL_REFUSED}))
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
