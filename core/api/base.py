"""The base every API view shares: authentication and throttling order, strict parsers, pagination and a stable
order, the error answers of the schema, object lookups that never leak existence, and the JSON 404."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:  # the stubs' own aliases for what DRF accepts in these attributes
    from rest_framework.generics import BaseFilterProtocol
    from rest_framework.permissions import _PermissionClass

from core.api.errors import NOT_FOUND
from core.api.filters import ApiPagination, StableOrdering
from core.api.parsers import StrictJSONParser
from core.api.throttling import AnonymousRateThrottle, request_ip


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    detail = serializers.CharField(help_text="错误原因（中文）")
    errors = serializers.DictField(  # type: ignore[assignment]  # the field of the error body, not Serializer.errors
        child=serializers.JSONField(), help_text="字段错误：字段名 → 错误列表（无字段错误时为空对象）"
    )


ERROR_DESCRIPTIONS = {
    400: "输入有误（字段错误见 errors）",
    401: "未登录或令牌无效",
    403: "当前角色无权执行该操作",
    404: "对象不存在或不在您的可见范围内",
    409: "当前状态不允许该操作，或与已有数据冲突",
    429: "请求过于频繁，已被限流",
}


def errors(*codes):
    """Schema entries for the error answers an operation can give; every one has the ErrorSerializer body."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


READ_ERRORS = errors(400, 401, 404, 429)  # 400: a malformed filter; 404: an invisible object or a page past the end
ACTION_ERRORS = errors(400, 401, 403, 404, 409, 429)


class ApiView:
    # Shared by every API view (no docstring: it would become every operation's description).
    # Authentication is REST_FRAMEWORK's default (settings): the token first, so that an unauthenticated call is a
    # 401 with `WWW-Authenticate: Token`; the browser's session works too, with its CSRF check.

    permission_classes: "Sequence[_PermissionClass]" = [IsAuthenticated]
    throttle_classes: Sequence[type[BaseThrottle]] = [AnonymousRateThrottle]
    parser_classes: Sequence[type[BaseParser]] = [StrictJSONParser]
    pagination_class: type[BasePagination] | None = ApiPagination
    filter_backends: "Sequence[type[BaseFilterBackend | BaseFilterProtocol[Any]]]" = [
        DjangoFilterBackend,
        StableOrdering,
    ]
    lookup_value_regex = r"[0-9]+"

    def check_permissions(self, request):
        # DRF checks throttles after permissions, so an anonymous caller would get its 401 unthrottled.
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if getattr(request, "_yuqing_throttle_checked", False):
            return
        request._yuqing_throttle_checked = True
        super().check_throttles(request)

    def input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @property
    def ip(self):
        return request_ip(self.request)


class VisibleObjectMixin:
    """get_object() within get_queryset() (the caller's visible rows): anything else is a 404 with
    `not_found_detail`, so existence never leaks. Actions call it first, then the service by id."""

    not_found_detail = "对象不存在或无权查看。"

    def get_object(self):
        found = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise exceptions.NotFound(self.not_found_detail)
        return found


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Anything under /api/ that matches no route: a JSON 404 like every other API error."""
    raise exceptions.NotFound(NOT_FOUND)
