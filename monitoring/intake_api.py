"""POST /api/v1/intake/: monitoring platforms and other systems push items (issue 15; format in docs/intake-api.md).

Authentication: an HMAC-signed webhook (X-Yuqing-Source, X-Yuqing-Timestamp within 5 minutes, X-Yuqing-Signature
"sha256=<hex of HMAC-SHA256(secret, timestamp + "." + raw body)>", the secret per source in the admin), or the API
token of the source's account. A batch of up to the source's max_batch items; the whole batch is validated before
anything is stored (a bad item: 400 problem+json, nothing stored); each item is taken once by the source's own id
(a repeat answers "duplicate"), and every item gets its result. Rate-limited per source (admin setting), on top of
the API's anonymous limit; Idempotency-Key honoured like every POST of the API (core.api.base)."""

import hashlib
import hmac
import time

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from core.api.base import ApiView, errors
from core.api.throttling import AnonymousRateThrottle
from monitoring import candidates
from monitoring.models import IntakeSource

SOURCE_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Yuqing-Source", "X-Yuqing-Timestamp", "X-Yuqing-Signature"
MAX_SKEW_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The header value a source sends: sha256=<hex>."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class HmacSourceAuthentication(BaseAuthentication):
    """A signed push: the source's account is the user, the source the request's auth."""

    def authenticate(self, request):
        sent = request.headers.get(SIGNATURE_HEADER)
        if sent is None:
            return None
        code, timestamp = request.headers.get(SOURCE_HEADER, ""), request.headers.get(TIMESTAMP_HEADER, "")
        source = (
            IntakeSource.objects.select_related("account").filter(code=code, is_active=True).exclude(secret="").first()
        )
        if source is None:
            raise exceptions.AuthenticationFailed("接入来源不存在、未启用或未配置签名密钥（X-Yuqing-Source）。")
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            raise exceptions.AuthenticationFailed("X-Yuqing-Timestamp 应为 Unix 时间戳（秒）。") from None
        if skew > MAX_SKEW_SECONDS:
            raise exceptions.AuthenticationFailed("请求时间戳与服务器时间相差超过5分钟，请校准时钟后重新签名发送。")
        expected = signature(source.secret, timestamp, request._request.body)
        if not hmac.compare_digest(expected.encode(), sent.strip().encode()):
            raise exceptions.AuthenticationFailed("签名不正确（X-Yuqing-Signature）。")
        if not source.account.is_active:
            raise exceptions.AuthenticationFailed("接入账号已停用。")
        return (source.account, source)

    def authenticate_header(self, request):
        return 'Signature realm="yuqing-intake"'


class HmacScheme(OpenApiAuthenticationExtension):
    target_class = "monitoring.intake_api.HmacSourceAuthentication"
    name = "intakeSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": 'sha256=<HMAC-SHA256(密钥, X-Yuqing-Timestamp + "." + 请求体原文) 的十六进制>；'
            "同时发送 X-Yuqing-Source（来源代码）和 X-Yuqing-Timestamp（Unix 秒，与服务器相差不超过5分钟）",
        }


def source_of(request) -> IntakeSource | None:
    if isinstance(request.auth, IntakeSource):
        return request.auth
    if request.user and request.user.is_authenticated:
        return IntakeSource.objects.filter(account=request.user, is_active=True).order_by("pk").first()
    return None


class SourceRateThrottle(SimpleRateThrottle):
    """Requests per minute per source (IntakeSource.rate_per_minute); fails open like the API's other throttles."""

    scope = "intake"

    def __init__(self):  # the rate is the source's, known per request
        pass

    def allow_request(self, request, view):
        source = source_of(request)
        if source is None:
            return True
        self.rate = f"{source.rate_per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.source_pk = source.pk
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache (Redis) down: keep working
            return True

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.source_pk}


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["未知字段。"] for name in unknown})
        return super().to_internal_value(data)


class IntakeItemSerializer(StrictSerializer):
    id = serializers.CharField(max_length=200, help_text="来源系统自己的编号；同一来源同一编号只受理一次")
    title = serializers.CharField(max_length=300, help_text="标题")
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, help_text="原帖链接")
    platform = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text="平台，如 微博、贴吧")
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, help_text="摘要")
    posted_at = serializers.DateTimeField(required=False, allow_null=True, help_text="原帖发布时间（ISO 8601）")


class IntakeBatchSerializer(StrictSerializer):
    items = IntakeItemSerializer(many=True, allow_empty=False, help_text="本批条目")

    def validate_items(self, items):
        limit = self.context["max_batch"]
        if len(items) > limit:
            raise serializers.ValidationError(f"每次最多{limit}条，本次{len(items)}条。")
        ids = [item["id"] for item in items]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise serializers.ValidationError(f"同一批内编号重复：{'、'.join(repeated)}。")
        return items


class IntakeResultItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="来源编号")
    result = serializers.ChoiceField(["created", "duplicate"], help_text="created 新受理；duplicate 此前已受理")
    candidate = serializers.IntegerField(help_text="候选舆情编号")
    status = serializers.CharField(help_text="pending 待办公室确认；accepted 已生成舆情（可信来源）等")
    incident = serializers.CharField(allow_null=True, help_text="已生成的舆情编号")
    similar_to = serializers.CharField(allow_null=True, help_text="疑似重复的舆情编号")
    matched = serializers.ListField(child=serializers.CharField(), help_text="命中的关键词")


class IntakeResultSerializer(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.source
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    results = IntakeResultItemSerializer(many=True)


EXAMPLE_REQUEST = {
    "items": [
        {
            "id": "weibo:4981234567",
            "title": "网友反映某中学食堂饭菜变质",
            "url": "https://weibo.com/1234567890/AbCdEfGh",
            "platform": "微博",
            "summary": "多名家长发帖称孩子在校就餐后腹痛。",
            "posted_at": "2026-11-30T09:15:00+08:00",
        }
    ]
}
EXAMPLE_RESPONSE = {
    "source": "jiance",
    "received": 1,
    "created": 1,
    "duplicates": 0,
    "results": [
        {
            "id": "weibo:4981234567",
            "result": "created",
            "candidate": 17,
            "status": "pending",
            "incident": None,
            "similar_to": None,
            "matched": ["食堂饭菜变质"],
        }
    ],
}


class IntakeView(ApiView, APIView):
    """监测平台推送舆情（签名 webhook 或 API 令牌）。整批先校验，任一条有误则 400 且不保存任何一条；每条按来源编号只受理一次，
    逐条返回结果。可信来源直接生成舆情，其余进入办公室的候选舆情待确认。格式见 docs/intake-api.md。"""

    authentication_classes = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES, HmacSourceAuthentication]  # type: ignore[list-item]  # the setting's classes
    throttle_classes = [AnonymousRateThrottle, SourceRateThrottle]
    pagination_class = None

    @extend_schema(
        summary="监测平台推送舆情（批量）",
        request=IntakeBatchSerializer,
        responses={200: IntakeResultSerializer, **errors(400, 401, 403, 409, 422, 429)},
        examples=[
            OpenApiExample("一条推送", value=EXAMPLE_REQUEST, request_only=True),
            OpenApiExample("逐条结果", value=EXAMPLE_RESPONSE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request):
        source = source_of(request)
        if source is None:
            raise exceptions.PermissionDenied("该账号未配置为接入来源，请联系系统管理员在“接入来源”中登记。")
        serializer = IntakeBatchSerializer(data=request.data, context={"max_batch": source.max_batch})
        serializer.is_valid(raise_exception=True)
        results = candidates.receive_items(source, serializer.validated_data["items"], ip=self.ip)
        created = sum(1 for r in results if r["result"] == "created")
        data = {
            "source": source.code,
            "received": len(results),
            "created": created,
            "duplicates": len(results) - created,
            "results": results,
        }
        return Response(IntakeResultSerializer(data).data)
