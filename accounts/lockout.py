"""What a locked-out sign-in gets (django-axes calls this, settings.AXES_LOCKOUT_CALLABLE): the API its JSON
error body, a person the login page's message. Both say how long and who can unlock."""

from django.conf import settings
from django.shortcuts import render

from core.api.errors import problem_response


def lockout_message():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"登录失败次数过多（连续 {settings.AXES_FAILURE_LIMIT} 次），该账号或来源地址已被锁定 {minutes} 分钟；"
        "如需提前解锁，请联系系统管理员。"
    )


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        return problem_response(request, "locked_out", 429, lockout_message())
    return render(request, "accounts/locked_out.html", {"message": lockout_message()}, status=429)
