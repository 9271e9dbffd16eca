from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "网络舆情应对处置平台 · 管理"
admin.site.site_title = "舆情平台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("incidents.api_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("inbox/", include("monitoring.urls")),
    path("reports/", include("reporting.urls")),
    path("reports/", include("reporting.periodic_urls")),
    path("", include("incidents.urls")),
]
