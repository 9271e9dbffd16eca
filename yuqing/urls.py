from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "网络舆情应对处置平台 · 管理"
admin.site.site_title = "舆情平台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("yuqing.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("notifications.urls")),
    path("reports/", include("reporting.urls")),
    path("reports/", include("reporting.periodic_urls")),
    path("settings/", include("deadlines.configuration.urls")),
    path("settings/", include("reporting.template_urls")),
    path("monitoring/", include("monitoring.urls")),
    path("followup/", include("followup.urls")),  # 会商研判, 上报, 市级交办 (issue 17)
    path("review/", include("review.urls")),  # 销号抽查, 舆情日志 (issue 17)
    path("", include("cockpit.urls")),
    path("", include("incidents.urls")),
]

# Under /api/ a refused request or a bug answers the API's JSON error body; elsewhere a Chinese page (issue 11 §4).
handler400 = "core.api.errors.bad_request"
handler500 = "core.api.errors.server_error"
