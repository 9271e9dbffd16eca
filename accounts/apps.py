from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "身份鉴别"

    def ready(self):
        from accounts import signals  # noqa: F401  (connects the login-failure and password-change receivers)
