"""The API token endpoint (issue 11 §2): username and password (and the TOTP code where enrolled) for a token."""

from django.contrib.auth import authenticate
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.authentication import ApiTokenAuthentication
from accounts.lockout import lockout_message
from accounts.policy import otp_required
from core.api.base import ApiView, errors
from core.api.errors import ProblemException
from core.api.parsers import StrictFormParser, StrictJSONParser
from core.api.throttling import AnonymousRateThrottle, LoginRateThrottle


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        help_text="动态口令（6 位数字）：已启用双因素认证的账号必填",
        error_messages={"invalid": "动态口令应为 6 位数字。"},
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="API 令牌（只显示这一次）：以 `Authorization: Token <令牌>` 调用")


class TokenView(ApiView, APIView):
    """用户名和密码（已启用双因素认证的账号另加动态口令）换取 API 令牌，之后以 `Authorization: Token <令牌>` 调用。
    令牌只显示一次，到期（默认 30 天）、被吊销或修改密码后失效；DELETE 吊销当前令牌。失败的登录记入审计；
    连续失败达到上限后账号和来源地址被锁定（429）；按来源地址限流。"""

    permission_classes = [AllowAny]
    idempotent = False  # a token is a secret: never stored for replay
    throttle_classes = [LoginRateThrottle, AnonymousRateThrottle]
    parser_classes = [StrictJSONParser, StrictFormParser]

    def get_authenticators(self):
        # Asking for a token needs no credentials (a stale header must not turn it into a 401); revoking one
        # is done with the token itself.
        request = getattr(self, "request", None)
        return [ApiTokenAuthentication()] if request is not None and request.method == "DELETE" else []

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        summary="获取 API 令牌",
        # JSON in the schema (a generated client takes one body type); a form body is still accepted.
        request={"application/json": CredentialsSerializer},
        auth=[],
        responses={200: TokenSerializer, **errors(400, 429)},
        examples=[
            OpenApiExample("用户名和密码", value={"username": "duty", "password": "demo-2026"}, request_only=True),
            OpenApiExample("令牌", value={"token": "2f1c0c6e9b0a4d7e8f3a5b6c7d8e9f10"}, response_only=True),
        ],
    )
    def post(self, request):
        data = self.input(CredentialsSerializer)
        # The request lets django-axes count the failure per account and per address (settings AXES_*), and
        # the user_login_failed signal puts it on the audit trail (accounts.signals).
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            raise ProblemException(lockout_message(), "locked_out", 429)
        if user is None:
            raise serializers.ValidationError({"non_field_errors": ["用户名或密码错误，或账号已停用。"]})
        self.check_second_factor(user, data.get("otp_token"))
        token, key = account_services.issue_token(user, ip=self.ip)
        return Response({"token": key})

    def check_second_factor(self, user, code):
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
        if not devices:
            if otp_required(user):
                raise serializers.ValidationError({"otp_token": ["该账号须先在网页上启用双因素认证。"]})
            return
        if not code:
            raise serializers.ValidationError({"otp_token": ["该账号已启用双因素认证，请填写动态口令。"]})
        if not any(device.verify_token(code) for device in devices):
            account_services.record_failed_otp(user, ip=self.ip)
            raise serializers.ValidationError({"otp_token": ["动态口令不正确或尝试过于频繁。"]})

    @extend_schema(summary="吊销当前 API 令牌", request=None, responses={204: None, **errors(401, 429)})
    def delete(self, request):
        account_services.revoke_token(request.user, request.auth, ip=self.ip)
        return Response(status=status.HTTP_204_NO_CONTENT)
