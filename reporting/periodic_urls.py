"""URLs of the ledger download, the assessment page, report-version downloads and the 周报/月报/季度通报 on demand
(under reports/)."""

from django.urls import path

from reporting import assessment_views, ledger_views, periodic_views, version_views

urlpatterns = [
    path("periodic/new/", periodic_views.periodic_generate, name="periodic_generate"),
    path("ledger/", ledger_views.ledger, name="ledger"),
    path("assessment/", assessment_views.assessment, name="assessment"),
    path("<int:pk>/versions/<int:number>/download/", version_views.download_version, name="report_version_download"),
]
