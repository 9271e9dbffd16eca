"""URLs of the ledger download, the assessment page and report-version downloads (under reports/)."""

from django.urls import path

from reporting import assessment_views, ledger_views, version_views

urlpatterns = [
    path("ledger/", ledger_views.ledger, name="ledger"),
    path("assessment/", assessment_views.assessment, name="assessment"),
    path("<int:pk>/versions/<int:number>/download/", version_views.download_version, name="report_version_download"),
]
