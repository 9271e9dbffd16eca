"""Identification and authentication state (issue 11 §2, 等保 2.0 三级 身份鉴别): whether a person must change
the password they were given, when they last changed it, and their API tokens (kept only as a hash)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


class PasswordState(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_state")
    must_change = models.BooleanField("须修改初始密码", default=False)
    changed_at = models.DateTimeField("最近修改密码时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "密码状态"

    def __str__(self):
        return str(self.user)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token. Only the SHA-256 of its key is stored: the key is shown to its owner once, when issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="持有人"
    )
    key_hash = models.CharField("令牌摘要 (SHA-256)", max_length=64, unique=True, editable=False)
    prefix = models.CharField("令牌前缀", max_length=8, editable=False)  # lets an owner tell tokens apart
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    def is_active(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def status_label(self):
        if self.revoked_at is not None:
            return "已吊销"
        return "有效" if self.is_active() else "已过期"
