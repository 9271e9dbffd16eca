"""URLs under /api/. Every pattern here needs an entry in tests/api_matrix.py (the matrix test checks)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from core.api.base import not_found
from incidents.api import deadlines as api_deadlines
from incidents.api import replies as api_replies
from incidents.api import views as api
from reporting import api as reporting_api
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

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("schema/", api_docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", api_docs.DocsView.as_view(), name="api-docs"),
    path("assessment/", reporting_api.AssessmentView.as_view(), name="api-assessment"),
    *router.urls,
    # Last: whatever else is asked under /api/ gets a JSON 404 (and never the HTML page or APPEND_SLASH's redirect).
    # [\s\S], not ".": a path may hold an (encoded) newline, which "." does not match.
    re_path(r"^[\s\S]*$", not_found, name="api-not-found"),
]
