"""Holds a signed-in person at the step they still owe (policy.pending_step) and notes an old password for the
banner (PASSWORD_MAX_AGE_DAYS: a reminder, never a lock-out)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import policy, services
from core.api.errors import problem_response

STEP_PAGES = {policy.VERIFY: "otp_verify", policy.CHANGE_PASSWORD: "password_change", policy.ENROL: "otp_setup"}
STEP_MESSAGES = {
    policy.VERIFY: "请先完成双因素认证（动态口令）。",
    policy.CHANGE_PASSWORD: "请先修改初始密码。",
    policy.ENROL: "您的角色须启用双因素认证，请先绑定动态口令。",
}
# The API's problem code for each step (core/api/errors.py TITLES).
STEP_CODES = {
    policy.VERIFY: "otp_required",
    policy.CHANGE_PASSWORD: "password_change_required",
    policy.ENROL: "otp_enrolment_required",
}
OPEN_NAMES = ("login", "logout", "password_change", "password_change_done", "otp_verify", "otp_setup")


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self):
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in OPEN_NAMES} | {reverse("admin:logout")}
        return self._open_paths

    def is_open(self, path):
        static = (settings.STATIC_URL or "/static/").lstrip("/")
        return path in self.open_paths() or path.startswith("/" + static) or path == "/healthz"

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = services.password_state(user)
            age = (timezone.now() - state.changed_at).days
            request.password_reminder = age if age >= settings.PASSWORD_MAX_AGE_DAYS else None
            if not self.is_open(request.path_info):
                step = policy.pending_step(request, state)
                if step is not None:
                    return self.hold(request, step)
        return self.get_response(request)

    def hold(self, request, step):
        if request.path_info.startswith("/api/"):
            return problem_response(request, STEP_CODES[step], 403, STEP_MESSAGES[step])
        target = reverse(STEP_PAGES[step])
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
