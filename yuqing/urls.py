from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "网络舆情应对处置平台 · 管理"
admin.site.site_title = "舆情平台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("incidents.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("monitoring.urls")),
    path("reports/", include("reporting.urls")),
    path("reports/", include("reporting.periodic_urls")),
    path("", include("incidents.urls")),
]

# Under /api/ a refused request or a bug answers the API's JSON error body; elsewhere a Chinese page (issue 11 §4).
handler400 = "incidents.api_errors.bad_request"
handler500 = "incidents.api_errors.server_error"
