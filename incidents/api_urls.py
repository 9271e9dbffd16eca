"""URLs under /api/. Every pattern here needs an entry in tests/api_matrix.py (the matrix test checks)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("incidents", api.IncidentViewSet, basename="api-incident")
router.register("tickets", api.TicketViewSet, basename="api-ticket")
router.register("units", api.UnitViewSet, basename="api-unit")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("schema/", api.SchemaView.as_view(), name="api-schema"),
    path("docs/", api.DocsView.as_view(), name="api-docs"),
    *router.urls,
    # Last: whatever else is asked under /api/ gets a JSON 404 (and never the HTML page or APPEND_SLASH's redirect).
    re_path(r"^.*$", api.not_found, name="api-not-found"),
]
