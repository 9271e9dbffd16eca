"""The REST API (issue 4). Thin: every read goes through incidents.selectors (monitoring.selectors for deadlines
and extension requests) and every write through incidents.services (monitoring.services), the same ones the
browser uses, so visibility and workflow rules hold identically. Errors are shaped in api_errors; lists are cut
in api_filters; deadlines and extension decisions live in api_deadlines."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.views import redirect_to_login
from django_filters.rest_framework import DjangoFilterBackend
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

if TYPE_CHECKING:  # the stubs' own aliases for what DRF accepts in these attributes
    from rest_framework.generics import BaseFilterProtocol
    from rest_framework.permissions import _PermissionClass

from accounts import services as account_services
from accounts.authentication import ApiTokenAuthentication
from accounts.lockout import lockout_message
from accounts.policy import otp_required
from core.api.errors import NOT_FOUND
from core.api.parsers import StrictFormParser, StrictJSONParser
from core.api.throttling import AnonymousRateThrottle, LoginRateThrottle, request_ip
from deadlines import selectors as monitoring_selectors
from deadlines import services as monitoring_services
from incidents import selectors, services
from incidents.api.filters import ApiPagination, IncidentFilter, StableOrdering, TicketFilter, UnitFilter
from incidents.api.serializers import (
    EXTENSION_REQUEST_RELATED,
    AssignSerializer,
    AuditEventSerializer,
    CloseSerializer,
    DispatchSerializer,
    ErrorSerializer,
    ExtensionRequestCreateSerializer,
    ExtensionRequestSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    GradeSerializer,
    GrantSerializer,
    HistoricalSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    LeaderReportCreateSerializer,
    LeaderReportSerializer,
    MergeSerializer,
    ReasonSerializer,
    ReplyCreateSerializer,
    ReplyDraftCreateSerializer,
    ReplyDraftSerializer,
    ReplySerializer,
    SendBackSerializer,
    TicketSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UnitSerializer,
)
from incidents.models import Incident, Ticket
from org.models import Unit

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


class ChineseCsrfSessionAuthentication(SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied("CSRF 校验失败，请刷新页面后重试。") from None


class ChineseCsrfSessionScheme(SessionScheme):
    target_class = ChineseCsrfSessionAuthentication  # type: ignore[assignment]  # drf-spectacular takes the class too; its stub says str


class ApiView:
    # Shared by every API view (no docstring: it would become every operation's description).
    # Token authentication comes first so that an unauthenticated call is a 401 with
    # `WWW-Authenticate: Token`; the browser's session works too, with its CSRF check.

    authentication_classes: Sequence[type[BaseAuthentication]] = [
        ApiTokenAuthentication,
        ChineseCsrfSessionAuthentication,
    ]
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


# --- Incidents -----------------------------------------------------------------------------------


def _incident_action(request_serializer, summary, response=IncidentSerializer):
    return extend_schema(
        request=request_serializer, responses={200: response, **ACTION_ERRORS}, summary=summary, filters=False
    )


@extend_schema_view(
    list=extend_schema(summary="舆情列表", responses={200: IncidentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="舆情详情（敏感舆情的每次查阅均记入审计）", responses={200: IncidentDetailSerializer, **READ_ERRORS}
    ),
)
class IncidentViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """舆情。只返回调用者可见的舆情：办公室可见全部，联络员可见本单位有转办单的舆情，领导可见其分管单位的；
    敏感舆情仅报送人及被授权人可见。"""

    queryset = Incident.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    ordering_fields = ["reported_at", "first_seen_at", "grade", "status", "views", "id"]
    ordering = ["-reported_at", "-id"]

    def get_queryset(self):
        return selectors.visible_incidents(self.request.user).select_related("subject_unit")

    def _visible(self, pk):
        incident = self.get_queryset().filter(pk=pk).first()
        if incident is None:
            raise exceptions.NotFound("舆情不存在或无权查看。")
        return incident

    def retrieve(self, request, pk):
        try:
            incident = selectors.incident_detail(request.user, pk, ip=self.ip)
        except Incident.DoesNotExist:
            raise exceptions.NotFound("舆情不存在或无权查看。") from None
        return Response(IncidentDetailSerializer(incident).data)

    @extend_schema(
        summary="报送舆情（带 external_id 时幂等：重复报送返回已有舆情 200）",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, 200: IncidentSerializer, **errors(400, 401, 403, 409, 429)},
    )
    def create(self, request):
        data = dict(self.input(IncidentCreateSerializer))
        external_id = data.pop("external_id")
        links = [{"platform": link["platform"], "url": link["url"]} for link in data.pop("links")]
        if external_id:
            incident, created = services.report_incident_once(
                request.user, external_id=external_id, links=links, ip=self.ip, **data
            )
            if not created:
                selectors.record_confidential_read(request.user, incident, ip=self.ip)
        else:
            incident, created = services.report_incident(request.user, links=links, ip=self.ip, **data), True
        return Response(
            IncidentSerializer(incident).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @_incident_action(GradeSerializer, "研判定级 / 调整等级")
    @action(detail=True, methods=["post"])
    def grade(self, request, pk):
        self._visible(pk)
        data = self.input(GradeSerializer)
        services.grade_incident(
            request.user,
            int(pk),
            grade=data["grade"],
            reason=data["reason"],
            is_historical=data["is_historical"],
            ip=self.ip,
        )
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(HistoricalSerializer, "认定或取消历史遗留问题（办公室；重算在办时限并通知责任单位，002 第八条）")
    @action(detail=True, methods=["post"])
    def historical(self, request, pk):
        self._visible(pk)
        data = self.input(HistoricalSerializer)
        services.set_historical(
            request.user, int(pk), is_historical=data["is_historical"], reason=data["reason"], ip=self.ip
        )
        return Response(IncidentSerializer(self._visible(pk)).data)

    @extend_schema(
        methods=["GET"],
        summary="报告领导记录",
        filters=False,
        responses={200: LeaderReportSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        filters=False,
        request=LeaderReportCreateSerializer,
        summary="登记报告领导（办公室或主办单位联络员；满足报告领导时限，002 第八条 2 小时、001 #4 第十三条 30 分钟）",
        responses={201: LeaderReportSerializer, **ACTION_ERRORS},
    )
    @action(
        detail=True, methods=["get", "post"], url_path="leader-reports", url_name="leader-reports", filter_backends=[]
    )
    def leader_reports(self, request, pk):
        incident = self._visible(pk)
        if request.method == "POST":
            data = self.input(LeaderReportCreateSerializer)
            report = services.record_leader_report(
                request.user,
                incident.pk,
                channel=data["channel"],
                reported_to=data["reported_to"],
                note=data["note"],
                reported_at=data["reported_at"],
                ip=self.ip,
            )
            return Response(LeaderReportSerializer(report).data, status=status.HTTP_201_CREATED)
        reports = selectors.visible_leader_reports(request.user).filter(incident=incident).order_by("reported_at", "id")
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(LeaderReportSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="已发布的回应",
        filters=False,
        responses={200: ReplySerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        filters=False,
        request=ReplyCreateSerializer,
        summary="登记办公室发布的回应（新闻通稿、新闻发布会、官方回应；满足回应时限）",
        responses={201: ReplySerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="replies", url_name="replies", filter_backends=[])
    def replies(self, request, pk):
        incident = self._visible(pk)
        if request.method == "POST":
            data = self.input(ReplyCreateSerializer)
            reply = services.publish_reply(
                request.user,
                incident.pk,
                kind=data["kind"],
                channel=data["channel"],
                content=data["content"],
                url=data["url"],
                published_at=data["published_at"],
                ip=self.ip,
            )
            return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
        replies = selectors.visible_replies(request.user).filter(incident=incident).order_by("published_at", "id")
        page = self.paginate_queryset(replies)
        return self.get_paginated_response(ReplySerializer(page, many=True).data)

    @_incident_action(DispatchSerializer, "转办（每个责任单位一张转办单，须有且只有一个主办）")
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_(self, request, pk):  # not "dispatch": that name is the view's request entry point
        self._visible(pk)
        data = self.input(DispatchSerializer)
        units = Unit.objects.in_bulk([a["unit"] for a in data["tickets"]])
        # An unknown unit id reaches the service as None and is refused there with the usual message.
        assignments = [(units.get(a["unit"]), a["role"]) for a in data["tickets"]]
        services.dispatch_incident(
            request.user,
            int(pk),
            assignments=assignments,
            due_at=data["due_at"],
            instructions=data["instructions"],
            ip=self.ip,
        )
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(ReasonSerializer, "不予处置")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk):
        self._visible(pk)
        data = self.input(ReasonSerializer)
        services.dismiss_incident(request.user, int(pk), reason=data["reason"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(MergeSerializer, "合并重复舆情")
    @action(detail=True, methods=["post"])
    def merge(self, request, pk):
        self._visible(pk)
        data = self.input(MergeSerializer)
        services.merge_incident(request.user, int(pk), into=data["into"], reason=data["reason"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(CloseSerializer, "审核销号")
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        self._visible(pk)
        data = self.input(CloseSerializer)
        services.close_incident(request.user, int(pk), opinion=data["opinion"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(SendBackSerializer, "退回重办（可附领导批示时限）")
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk):
        self._visible(pk)
        data = self.input(SendBackSerializer)
        services.send_back_incident(request.user, int(pk), reason=data["reason"], due_at=data["due_at"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(ReasonSerializer, "舆情反复，重新研判")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk):
        self._visible(pk)
        data = self.input(ReasonSerializer)
        services.reopen_incident(request.user, int(pk), reason=data["reason"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(GrantSerializer, "授权查阅敏感舆情（办公室）")
    @action(detail=True, methods=["post"], url_path="grant-access", url_name="grant-access")
    def grant_access(self, request, pk):
        self._visible(pk)
        data = self.input(GrantSerializer)
        user = get_user_model().objects.filter(pk=data["user"]).first()
        services.grant_confidential_access(request.user, int(pk), user=user, ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(GrantSerializer, "撤销查阅敏感舆情的授权（办公室）")
    @action(detail=True, methods=["post"], url_path="revoke-access", url_name="revoke-access")
    def revoke_access(self, request, pk):
        self._visible(pk)
        data = self.input(GrantSerializer)
        user = get_user_model().objects.filter(pk=data["user"]).first()
        services.revoke_confidential_access(request.user, int(pk), user=user, ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @extend_schema(
        summary="处置时间线（审计记录；只含本人可见的转办单的记录）",
        responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def audit(self, request, pk):
        incident = self._visible(pk)
        selectors.record_confidential_read(request.user, incident, ip=self.ip)
        page = self.paginate_queryset(selectors.timeline(request.user, incident))
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


# --- Tickets --------------------------------------------------------------------------------------


def _ticket_action(request_serializer, summary, response=TicketSerializer, code=200):
    return extend_schema(
        request=request_serializer, responses={code: response, **ACTION_ERRORS}, summary=summary, filters=False
    )


@extend_schema_view(
    list=extend_schema(summary="转办单列表", responses={200: TicketSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="转办单详情", responses={200: TicketSerializer, **READ_ERRORS}),
)
class TicketViewSet(
    VisibleObjectMixin, ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """转办单。联络员只见本单位的转办单，领导见其分管单位的，办公室见全部。"""

    queryset = Ticket.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    ordering_fields = ["dispatched_at", "due_at", "status", "id"]
    ordering = ["-dispatched_at", "-id"]

    def get_queryset(self):
        return selectors.visible_tickets(self.request.user).select_related("incident", "unit")

    not_found_detail = "转办单不存在或无权查看。"

    def _done(self):
        return Response(TicketSerializer(self.get_object()).data)

    @_ticket_action(None, "认领")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk):
        self.get_object()
        services.claim_ticket(request.user, int(pk), ip=self.ip)
        return self._done()

    @_ticket_action(ReasonSerializer, "退回（不属于本单位职责）")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk):
        self.get_object()
        data = self.input(ReasonSerializer)
        services.return_ticket(request.user, int(pk), reason=data["reason"], ip=self.ip)
        return self._done()

    @_ticket_action(FeedbackCreateSerializer, "报送进展 / 提交反馈", response=FeedbackSerializer, code=201)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk):
        self.get_object()
        data = self.input(FeedbackCreateSerializer)
        feedback = services.submit_feedback(
            request.user,
            int(pk),
            kind=data["kind"],
            content=data["content"],
            promised_at=data["promised_at"],
            ip=self.ip,
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @_ticket_action(AssignSerializer, "指定认领（办公室）")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk):
        self.get_object()
        data = self.input(AssignSerializer)
        assignee = get_user_model().objects.filter(pk=data["assignee"]).first()
        services.assign_ticket(request.user, int(pk), assignee=assignee, reason=data["reason"], ip=self.ip)
        return self._done()

    @extend_schema(
        methods=["GET"],
        summary="本转办单的延期申请",
        filters=False,
        responses={200: ExtensionRequestSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="申请延期（本单位联络员，认领后 3 个工作日内书面申请）",
        filters=False,
        request=ExtensionRequestCreateSerializer,
        responses={201: ExtensionRequestSerializer, **ACTION_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="extension-requests",
        url_name="extension-requests",
        filter_backends=[],
    )
    def extension_requests(self, request, pk):
        ticket = self.get_object()
        requests = monitoring_selectors.visible_extension_requests(request.user).select_related(
            *EXTENSION_REQUEST_RELATED
        )
        if request.method == "POST":
            data = self.input(ExtensionRequestCreateSerializer)
            created = monitoring_services.request_extension(
                request.user, ticket.pk, requested_due_at=data["requested_due_at"], reason=data["reason"], ip=self.ip
            )
            return Response(
                ExtensionRequestSerializer(requests.get(pk=created.pk)).data, status=status.HTTP_201_CREATED
            )
        page = self.paginate_queryset(requests.filter(ticket=ticket).order_by("-requested_at", "-id"))
        return self.get_paginated_response(ExtensionRequestSerializer(page, many=True).data)

    @_ticket_action(
        ReplyDraftCreateSerializer, "拟写回应稿（本单位联络员；报审定后发布）", response=ReplyDraftSerializer, code=201
    )
    @action(detail=True, methods=["post"], url_path="reply-drafts", url_name="reply-drafts")
    def reply_drafts(self, request, pk):
        self.get_object()
        data = self.input(ReplyDraftCreateSerializer)
        draft = services.draft_reply(
            request.user,
            int(pk),
            kind=data["kind"],
            channel=data["channel"],
            content=data["content"],
            url=data["url"],
            ip=self.ip,
        )
        return Response(ReplyDraftSerializer(draft).data, status=status.HTTP_201_CREATED)


# --- Units and sign-in ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="单位列表（转办时选择责任单位）", responses={200: UnitSerializer(many=True), **READ_ERRORS}
    )
)
class UnitViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """启用中的单位。"""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["path", "sort_order", "name", "id"]
    ordering = ["path", "id"]
    queryset = Unit.objects.filter(is_active=True)


class TokenView(ApiView, APIView):
    """用户名和密码（已启用双因素认证的账号另加动态口令）换取 API 令牌，之后以 `Authorization: Token <令牌>` 调用。
    令牌只显示一次，到期（默认 30 天）、被吊销或修改密码后失效；DELETE 吊销当前令牌。失败的登录记入审计；
    连续失败达到上限后账号和来源地址被锁定（429）；按来源地址限流。"""

    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle, AnonymousRateThrottle]
    parser_classes = [StrictJSONParser, StrictFormParser]

    def get_authenticators(self):
        # Asking for a token needs no credentials (a stale header must not turn it into a 401); revoking one
        # is done with the token itself.
        request = getattr(self, "request", None)
        return [ApiTokenAuthentication()] if request is not None and request.method == "DELETE" else []

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        summary="获取 API 令牌",
        request=TokenRequestSerializer,
        auth=[],
        responses={200: TokenSerializer, **errors(400, 429)},
    )
    def post(self, request):
        data = self.input(TokenRequestSerializer)
        # The request lets django-axes count the failure per account and per address (settings AXES_*), and
        # the user_login_failed signal puts it on the audit trail (accounts.signals).
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            return Response({"detail": lockout_message(), "errors": {}}, status=429)
        if user is None:
            raise serializers.ValidationError({"non_field_errors": ["用户名或密码错误，或账号已停用。"]})
        self.check_second_factor(user, data.get("otp_token"))
        token, key = account_services.issue_token(user, ip=self.ip)
        return Response({"token": key})

    def check_second_factor(self, user, code):
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
        if not devices:
            if otp_required(user):
                raise serializers.ValidationError({"otp_token": ["该账号须先在网页上启用双因素认证。"]})
            return
        if not code:
            raise serializers.ValidationError({"otp_token": ["该账号已启用双因素认证，请填写动态口令。"]})
        if not any(device.verify_token(code) for device in devices):
            account_services.record_failed_otp(user, ip=self.ip)
            raise serializers.ValidationError({"otp_token": ["动态口令不正确或尝试过于频繁。"]})

    @extend_schema(summary="吊销当前 API 令牌", request=None, responses={204: None, **errors(401, 429)})
    def delete(self, request):
        account_services.revoke_token(request.user, request.auth, ip=self.ip)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Anything under /api/ that matches no route: a JSON 404 like every other API error."""
    raise exceptions.NotFound(NOT_FOUND)
