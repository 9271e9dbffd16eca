"""URLs under /api/. `/api/v1/` is the canonical path; `/api/` serves the same views as its alias (issue 14: a
version in the path, the old paths kept for now). The schema lists v1 only (yuqing/api_docs.py). Every pattern
here needs an entry in tests/api_matrix.py (the matrix test checks both prefixes)."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from core.api.base import not_found
from followup import api as followup_api
from incidents.api import deadlines as api_deadlines
from incidents.api import replies as api_replies
from incidents.api import views as api
from monitoring import intake_api
from reporting import api as reporting_api
from review import api as review_api
from yuqing import api_docs

router = SimpleRouter()
router.register("incidents", api.IncidentViewSet, basename="api-incident")
router.register("tickets", api.TicketViewSet, basename="api-ticket")
router.register("units", api.UnitViewSet, basename="api-unit")
router.register("extension-requests", api_deadlines.ExtensionRequestViewSet, basename="api-extension-request")
router.register("reply-drafts", api_replies.ReplyDraftViewSet, basename="api-reply-draft")
router.register("deadlines", api_deadlines.DeadlineViewSet, basename="api-deadline")
router.register("reports", reporting_api.ReportViewSet, basename="api-report")
router.register("daily-submissions", reporting_api.DailySubmissionViewSet, basename="api-daily-submission")
router.register("spot-check-draws", review_api.SpotCheckDrawViewSet, basename="api-spot-check-draw")
router.register("spot-checks", review_api.SpotCheckViewSet, basename="api-spot-check")

# The follow-through of an incident (issue 17): bound here, under the incident, without widening IncidentViewSet.
reviews = followup_api.JointReviewViewSet
upward = followup_api.UpwardReportViewSet
city = followup_api.CityAssignmentViewSet
followup = [
    path(
        "incidents/<int:pk>/joint-reviews/",
        reviews.as_view({"get": "list", "post": "create"}),
        name="api-incident-joint-reviews",
    ),
    path("joint-reviews/<int:pk>/document/", reviews.as_view({"get": "document"}), name="api-joint-review-document"),
    path(
        "incidents/<int:pk>/upward-reports/",
        upward.as_view({"get": "list", "post": "create"}),
        name="api-incident-upward-reports",
    ),
    path("upward-reports/<int:pk>/document/", upward.as_view({"get": "document"}), name="api-upward-report-document"),
    path(
        "incidents/<int:pk>/city-assignment/",
        city.as_view({"get": "retrieve", "post": "create"}),
        name="api-incident-city-assignment",
    ),
    path(
        "incidents/<int:pk>/city-assignment/dispatch/",
        city.as_view({"post": "dispatch_units"}),
        name="api-incident-city-assignment-dispatch",
    ),
    path(
        "incidents/<int:pk>/city-assignment/report-back/",
        city.as_view({"post": "report_back"}),
        name="api-incident-city-assignment-report-back",
    ),
]

operations = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("schema/", api_docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", api_docs.DocsView.as_view(), name="api-docs"),
    path("assessment/", reporting_api.AssessmentView.as_view(), name="api-assessment"),
    path("ledger/", reporting_api.LedgerView.as_view(), name="api-ledger"),
    path("intake/", intake_api.IntakeView.as_view(), name="api-intake"),  # 监测平台推送 (issue 15)
    path("incident-log/", review_api.IncidentLogView.as_view(), name="api-incident-log"),  # 舆情日志 (002 第八条)
    path("incident-log/download/", review_api.IncidentLogDownloadView.as_view(), name="api-incident-log-download"),
    *followup,
    *router.urls,
]

urlpatterns = [
    # The alias first: Django's reverse() picks the last pattern of a name, so URLs the API builds
    # (download links) are the canonical /api/v1/ ones.
    *operations,
    path("v1/", include(operations)),
    # Last: whatever else is asked under /api/ gets a JSON 404 (and never the HTML page or APPEND_SLASH's redirect).
    # [\s\S], not ".": a path may hold an (encoded) newline, which "." does not match.
    re_path(r"^[\s\S]*$", not_found, name="api-not-found"),
]
