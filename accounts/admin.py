"""Admin side of identification and authentication: API tokens (revoke, never read a key: only its hash is
kept), password states, and an administrator's password reset marking the password as initial again.
Lock-outs are lifted in django-axes' own admin (访问尝试: delete the attempts) or `manage.py axes_reset_username`."""

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken, PasswordState
from core.errors import DomainError
from core.http import client_ip
from org.access import access_for
from org.admin import ChineseLabels, SecurityAdminOnly, SecurityUserAdmin


class TokenAdminAccess(SecurityAdminOnly):
    """Seen by the security administrator (credentials, 三员分立) and the system administrator; nobody edits."""

    def _security(self, request):
        access = access_for(request.user)
        return request.user.is_active and request.user.is_staff and (access.is_security_admin or access.is_admin)

    def has_add_permission(self, request, *args):
        return False  # a token is issued to its owner, who alone sees its key

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the trail keeps what it points at


@admin.register(ApiToken)
class ApiTokenAdmin(ChineseLabels, TokenAdminAccess, admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "expires_at", "revoked_at", "revoked_reason"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "expires_at", "revoked_at", "revoked_reason"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.revoke_token(request.user, token, ip=client_ip(request))
                done += 1
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(request, f"已吊销 {done} 个令牌。")


@admin.register(PasswordState)
class PasswordStateAdmin(ChineseLabels, TokenAdminAccess, admin.ModelAdmin):
    list_display = ["user", "must_change", "changed_at"]
    readonly_fields = ["user", "must_change", "changed_at"]


User = get_user_model()


class AccountsUserAdmin(SecurityUserAdmin):
    """The organisation's user admin (org.admin), plus: a password an administrator sets is an initial one."""

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            # Set by an administrator, the password is an initial one again (等保 身份鉴别: 初始口令须修改).
            services.require_password_change(request.user, User.objects.get(pk=id), ip=client_ip(request))
        return response


admin.site.unregister(User)
admin.site.register(User, AccountsUserAdmin)


class ChineseTOTPDeviceAdmin(ChineseLabels, TOTPDeviceAdmin):
    """django-otp's TOTP device admin with Chinese labels (issue 14: the admin is Chinese throughout)."""

    field_words = {
        "user": "用户",
        "name": "名称",
        "confirmed": "已确认",
        "key": "密钥",
        "step": "时间步长（秒）",
        "t0": "起始时间（Unix 秒）",
        "digits": "口令位数",
        "tolerance": "容差（步）",
        "drift": "时钟漂移（步）",
        "last_t": "最后使用的时间步",
        "throttling_failure_timestamp": "限流开始时间",
        "throttling_failure_count": "连续失败次数",
        "created_at": "创建时间",
        "last_used_at": "最后使用时间",
    }


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, ChineseTOTPDeviceAdmin)
# The apps' names in the admin's index and breadcrumbs: axes and django-otp name theirs after their labels
# ("Axes", "Otp_Totp"), which no catalog translates. An app's verbose name is no model state (no migration).
apps.get_app_config("axes").verbose_name = "登录锁定"
apps.get_app_config("otp_totp").verbose_name = "双因素认证（TOTP）"
