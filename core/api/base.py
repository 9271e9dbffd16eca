"""The base every API view shares: authentication and throttling order, strict parsers, pagination and a stable
order, the error answers of the schema, object lookups that never leak existence, and the JSON 404."""

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.pagination import BasePagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.utils import encoders

if TYPE_CHECKING:  # the stubs' own aliases for what DRF accepts in these attributes
    from rest_framework.generics import BaseFilterProtocol
    from rest_framework.permissions import _PermissionClass

from core import idempotency
from core.api.errors import NOT_FOUND, PROBLEM_CONTENT_TYPE, TITLES, ProblemException, problem
from core.api.filters import MAX_ID, ApiPagination, StableOrdering
from core.api.parsers import StrictJSONParser
from core.api.throttling import AnonymousRateThrottle, request_ip


class ProblemSerializer(serializers.Serializer):
    """The body of every 4xx answer (RFC 9457 problem details, `application/problem+json`)."""

    type = serializers.CharField(help_text="问题类型（URI：urn:yuqing:problem:<code>）")
    title = serializers.CharField(help_text="问题类型的简短说明（中文）")
    status = serializers.IntegerField(help_text="HTTP 状态码")
    detail = serializers.CharField(help_text="错误原因（中文）")
    instance = serializers.CharField(help_text="出错的请求路径")
    code = serializers.CharField(
        help_text="稳定的机器可读错误码，按它判断而不按中文原因：" + "、".join(sorted(TITLES)) + "（今后可能增加）"
    )
    errors = serializers.DictField(  # type: ignore[assignment]  # the field of the error body, not Serializer.errors
        child=serializers.JSONField(),
        help_text="字段错误：字段名 → 错误列表（无字段错误时为空对象）",
    )


ERROR_DESCRIPTIONS = {
    400: "输入有误（code 为 invalid，字段错误见 errors；未知的查询参数、不支持的排序字段同样如此）",
    401: "未登录或令牌无效",
    403: "当前角色无权执行该操作",
    404: "对象不存在或不在您的可见范围内",
    409: "当前状态不允许该操作，或与已有数据冲突，或相同幂等键的请求仍在处理",
    422: "幂等键（Idempotency-Key）已用于内容不同的另一请求",
    429: "请求过于频繁，已被限流",
    503: "暂时无法完成（如 PDF 转换繁忙），请稍后重试",
}

PROBLEM_EXAMPLES = {
    400: OpenApiExample(
        "输入有误",
        value=problem(
            "invalid", 400, "输入有误：该字段是必填项。", "/api/v1/incidents/1/grade/", {"reason": ["该字段是必填项。"]}
        ),
        status_codes=["400"],
        media_type=PROBLEM_CONTENT_TYPE,
    ),
    409: OpenApiExample(
        "状态不允许",
        value=problem("illegal_transition", 409, "当前状态（已销号）不能转办。", "/api/v1/incidents/1/dispatch/"),
        status_codes=["409"],
        media_type=PROBLEM_CONTENT_TYPE,
    ),
}


def errors(*codes):
    """Schema entries for the error answers an operation can give; every one is a problem+json body."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer,
            description=ERROR_DESCRIPTIONS[code],
            examples=[PROBLEM_EXAMPLES[code]] if code in PROBLEM_EXAMPLES else [],
        )
        for code in codes
    }


VERSION_PREFIX = re.compile(r"^/api/v1/")

READ_ERRORS = errors(
    400, 401, 404, 429
)  # 400: a malformed or unknown filter; 404: an invisible object or a page past the end
ACTION_ERRORS = errors(400, 401, 403, 404, 409, 422, 429)


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

    # Query parameters a view reads beyond its filters, ordering and pages (APIViews and custom lists declare them).
    query_parameters: Sequence[str] = ()
    # POSTs honour Idempotency-Key (core/idempotency.py); the token endpoint turns it off (a token is a secret).
    idempotent = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # the APIView this mixes into
        # An id past the database's integer (the routes take any digits) names nothing: 404, not an overflow (500).
        if any(int(kwargs.get(name) or 0) > MAX_ID for name in ("pk", "number")):
            raise exceptions.NotFound(NOT_FOUND)
        self.check_query_parameters(request)
        self._idempotency = None
        key = request.headers.get(idempotency.HEADER)
        if request.method == "POST" and self.idempotent and key is not None:
            self._idempotency = self._begin_idempotent(request, key)

    def allowed_query_parameters(self):
        """What this request may carry in its query string: exactly what the schema documents for the operation."""
        allowed = set(self.query_parameters)
        action = getattr(self, "action", None)
        if action is None or self.request.method != "GET":
            return allowed
        backends = list(getattr(self, "filter_backends", None) or [])
        if action == "list":
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None and any(issubclass(b, DjangoFilterBackend) for b in backends):
                allowed |= set(filterset_class.base_filters)
            allowed |= {b.ordering_param for b in backends if issubclass(b, OrderingFilter)}
        if self.pagination_class is not None and action not in self.unpaginated_actions:
            allowed |= {"page", "page_size"}
        return allowed

    # GET actions that answer one object (or a file), not a page.
    unpaginated_actions: Sequence[str] = ("retrieve", "download")

    def check_query_parameters(self, request):
        unknown = sorted(set(request.query_params) - self.allowed_query_parameters())
        if unknown:
            allowed = "、".join(sorted(self.allowed_query_parameters())) or "无"
            raise exceptions.ValidationError(
                {name: [f"不支持的查询参数「{name}」；可用：{allowed}。"] for name in unknown}
            )

    def _begin_idempotent(self, request, key):
        path = VERSION_PREFIX.sub("/api/", request.path)  # /api/ and /api/v1/ are one operation
        try:
            return idempotency.begin(request.user, key, idempotency.fingerprint(request.method, path, request.data))
        except idempotency.KeyInvalid:
            raise exceptions.ValidationError(
                {idempotency.HEADER: ["幂等键应为 1—255 个可见 ASCII 字符（建议 UUID）。"]}
            ) from None
        except idempotency.KeyReused:
            raise ProblemException(
                "该幂等键已用于内容不同的另一请求；新的请求请使用新的幂等键。", "idempotency_key_reused", 422
            ) from None
        except idempotency.InProgress:
            raise ProblemException("相同幂等键的请求正在处理，请稍后重试。", "idempotency_in_progress", 409) from None

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            response = Response(record.body, status=record.status_code, content_type=record.content_type or None)
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record = getattr(self, "_idempotency", None)
        if record is not None:
            self._idempotency = None
            if response.status_code >= 500 or not hasattr(response, "data"):
                idempotency.release(record)
            else:
                # As the renderer would write it (dates, decimals, lazy strings), so the replay is byte-for-byte.
                body = json.loads(json.dumps(response.data, cls=encoders.JSONEncoder))
                idempotency.complete(record, response.status_code, response.content_type or "", body)
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except Exception:  # a bug (answered 500 by Django): the key is released so that a retry runs
            record = getattr(self, "_idempotency", None)
            if record is not None:
                idempotency.release(record)
            raise

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
