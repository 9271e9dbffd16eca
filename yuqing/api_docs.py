"""The OpenAPI document and its Swagger UI."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import BaseThrottle

from accounts.authentication import ApiTokenAuthentication
from core.api.authentication import ChineseCsrfSessionAuthentication
from core.api.throttling import AnonymousRateThrottle


class DocsAccess:
    """The OpenAPI document and Swagger UI: public in development; in production (API_DOCS_PUBLIC off, the default
    with DEBUG off) only for a signed-in user or a token, as they map every operation (issue 11 §4)."""

    throttle_classes: Sequence[type[BaseThrottle]] = [AnonymousRateThrottle]

    def get_authenticators(self):
        if settings.API_DOCS_PUBLIC:
            return []
        return [ApiTokenAuthentication(), ChineseCsrfSessionAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if settings.API_DOCS_PUBLIC else [IsAuthenticated()]


class SchemaView(DocsAccess, SpectacularAPIView):
    """The OpenAPI document (it describes the API, it holds no data), throttled like any anonymous call."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:  # the API's JSON error body, not an error rendered as an OpenAPI document
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DocsView(DocsAccess, SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's local files (no CDN on a government intranet). The split view
    serves its start-up script as a file (?script), and our template links a style sheet instead of an inline
    <style>: the Content-Security-Policy allows neither inline script nor inline style."""

    url_name = "api-schema"
    template_name = "api/swagger_ui.html"

    def get_permissions(self):
        return [AllowAny()]  # a person who is not signed in is sent to the login page (get), not given a 401

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)
