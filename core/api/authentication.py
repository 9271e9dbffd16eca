"""The browser's session on the API, with its CSRF refusal in Chinese. Imports nothing of rest_framework.views: DRF
loads the default authentication classes while it defines APIView."""

from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication


class ChineseCsrfSessionAuthentication(SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied("CSRF 校验失败，请刷新页面后重试。") from None


class ChineseCsrfSessionScheme(SessionScheme):
    target_class = ChineseCsrfSessionAuthentication  # type: ignore[assignment]  # drf-spectacular takes the class too; its stub says str
