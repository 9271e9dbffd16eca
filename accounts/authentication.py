"""API token authentication (issue 11 §2): the key is looked up by its SHA-256, and a token that expired or
was revoked (by its owner, an administrator, or a password change) is refused with a Chinese 401."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.models import ApiToken, hash_key

INVALID = "认证令牌无效。"
EXPIRED = "认证令牌已过期，请重新获取。"
INACTIVE = "账号已停用。"


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(INVALID)
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(EXPIRED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        return token.user, token
